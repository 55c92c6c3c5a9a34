/**
 * The quick readers of answers (answers.ts) against the zod schemas it stands in front of: for any
 * JSON value, either it declines (undefined) or it gives exactly what the schema gives, key
 * order included; and for every well-formed token it does not decline, so that the fast path is
 * the one taken.
 */
import fc from "fast-check";
import { readPageQuickly, readTokenQuickly } from "../../provider/client/answers";
import {
  ApiTokenSchema,
  ApiTokenWithValueSchema,
  ListPageSchema,
} from "../../provider/client/schemas";

const text = fc.string({ maxLength: 8 });
const stamp = fc.constantFrom("2026-12-01T00:00:00Z", "2026-12-02T10:11:12.123Z", "");
const odd = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.constant([1]),
  fc.constant({}),
  fc.constant([]),
);
const actor = fc.oneof(
  fc.constant(null),
  text,
  fc.record({ id: text, type: text }, { requiredKeys: [] }),
  fc.record({ type: fc.constant("api-token"), apiToken: fc.record({ id: text, name: text }) }),
  fc.record({ user: fc.record({ email: text }) }),
  fc.record({ id: fc.integer() }),
  fc.integer(),
  fc.constant([]),
);

/** Well-formed tokens as servers send them: optional members present or not, null where allowed. */
const wellFormed = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 8 }),
    name: text,
    permissions: fc.array(text, { maxLength: 3 }),
    allowedCIDRBlocks: fc.oneof(fc.constant(null), fc.array(text, { maxLength: 3 })),
    createdAt: stamp,
    createdBy: actor,
    updatedAt: fc.oneof(fc.constant(null), stamp),
    updatedBy: actor,
    expiresAt: fc.oneof(fc.constant(null), stamp),
    lastUsedAt: fc.oneof(fc.constant(null), stamp),
    rotatedAt: fc.oneof(fc.constant(null), stamp),
    value: fc.oneof(fc.constant(null), text),
    extra: text,
  },
  { requiredKeys: ["id", "name", "permissions", "createdAt"] },
);

/** Well-formed tokens with one member replaced by something of the wrong type, or removed. */
const broken = fc
  .tuple(
    wellFormed,
    fc.constantFrom(
      "id",
      "name",
      "permissions",
      "allowedCIDRBlocks",
      "createdAt",
      "updatedAt",
      "expiresAt",
      "lastUsedAt",
      "rotatedAt",
      "value",
    ),
    fc.oneof(odd, fc.constant(undefined), fc.constant(["ok", 2])),
  )
  .map(([token, key, bad]) => {
    const copy: Record<string, unknown> = Object.fromEntries(
      Object.entries(token).filter(([member]) => member !== key),
    );
    if (bad !== undefined) copy[key] = bad;
    return copy;
  });

const anyAnswer = fc.oneof(wellFormed, broken, odd, fc.jsonValue());

function expectSameAsSchema(json: unknown): void {
  for (const withValue of [false, true] as const) {
    const schema = withValue ? ApiTokenWithValueSchema : ApiTokenSchema;
    const zod = schema.safeParse(json);
    const quick = withValue ? readTokenQuickly(json, true) : readTokenQuickly(json, false);
    if (quick === undefined) continue;
    expect(zod.success).toBe(true);
    // Same members, same values, same order.
    expect(JSON.stringify(quick)).toBe(JSON.stringify(zod.data));
    expect(quick).toStrictEqual(zod.data);
  }
}

describe("readTokenQuickly", () => {
  it("gives what the schemas give, or declines", () => {
    fc.assert(
      fc.property(anyAnswer, (json) => {
        expectSameAsSchema(json);
      }),
      { numRuns: 2000 },
    );
  });

  it("declines nothing the schemas read, for tokens without a value and with one", () => {
    fc.assert(
      fc.property(wellFormed, (token) => {
        expect(readTokenQuickly(token, false)).toBeDefined();
        const withValue = { ...token, value: "secret-value" };
        expect(readTokenQuickly(withValue, true)).toBeDefined();
        expectSameAsSchema(token);
        expectSameAsSchema(withValue);
      }),
      { numRuns: 1000 },
    );
  });

  it("declines what does not fit, so that the schema names it", () => {
    for (const json of [
      null,
      [],
      "token",
      { id: "", name: "n", permissions: [], createdAt: "x" },
      { id: "a", name: "n", permissions: ["ok", 2], createdAt: "x" },
      { id: "a", name: "n", permissions: [], createdAt: "x", rotatedAt: 5 },
      { id: "a", name: "n", permissions: [] },
    ]) {
      expect(readTokenQuickly(json, false)).toBeUndefined();
      expect(ApiTokenSchema.safeParse(json).success).toBe(false);
    }
    const noValue = { id: "a", name: "n", permissions: [], createdAt: "x", value: "" };
    expect(readTokenQuickly(noValue, true)).toBeUndefined();
    expect(ApiTokenWithValueSchema.safeParse(noValue).success).toBe(false);
  });
});

describe("readPageQuickly", () => {
  const page = fc.oneof(
    fc.record(
      {
        results: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 3 }), odd),
        next: fc.oneof(fc.constant(null), text, odd),
        more: text,
      },
      { requiredKeys: [] },
    ),
    fc.jsonValue(),
  );
  it("gives what ListPageSchema gives, or declines; declines no page with a results array and a next cursor or none", () => {
    fc.assert(
      fc.property(page, (json) => {
        const quick = readPageQuickly(json);
        const zod = ListPageSchema.safeParse(json);
        if (quick !== undefined) {
          expect(zod.success).toBe(true);
          expect(JSON.stringify(quick)).toBe(JSON.stringify(zod.data));
        } else {
          const raw = json as { results?: unknown; next?: unknown } | null;
          const wellFormed =
            typeof raw === "object" &&
            raw !== null &&
            !Array.isArray(raw) &&
            Array.isArray(raw.results) &&
            (raw.next === undefined || raw.next === null || typeof raw.next === "string");
          expect(wellFormed).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

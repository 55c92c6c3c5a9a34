/**
 * How answers are written: `createdBy`/`updatedBy` in each actor shape, for
 * API, Console and bootstrap actors; create and rotate answers without
 * stamps; and control reads that match what GET answers.
 */
import {
  ACTOR_SHAPES,
  createEmulatorCore,
  EmulatorError,
  startEmulator,
  type ActorShape,
  type Emulator,
  type EmulatorCore,
} from "../src";
import { asToken, call } from "./helpers";

function get(core: EmulatorCore, path: string): unknown {
  const answer = core.handle({
    method: "GET",
    path,
    headers: { "x-api-key": core.adminKey },
    body: "",
  });
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body);
}

function post(core: EmulatorCore, path: string, body?: unknown): Record<string, unknown> {
  const answer = core.handle({
    method: "POST",
    path,
    headers: { "x-api-key": core.adminKey },
    body: body === undefined ? "" : JSON.stringify(body),
  });
  expect(answer.status).toBe(200);
  return asToken(JSON.parse(answer.body));
}

/** An API-made token, a Console-made one updated by another user, and the bootstrap token. */
function actorsIn(shape: ActorShape): unknown[] {
  const core = createEmulatorCore({ actorShape: shape });
  const viaApi = post(core, "/api-tokens", { name: "api", permissions: [] });
  const viaConsole = core.control.createToken({
    name: "console",
    permissions: [],
    user: "alice@example.com",
  }).token;
  core.control.updateToken(viaConsole.id, { name: "renamed", user: "user-42" });
  const admin = asToken(get(core, `/api-tokens/${core.adminTokenId}`));
  const consoleToken = asToken(get(core, `/api-tokens/${viaConsole.id}`));
  const rendered = [
    viaApi["createdBy"],
    consoleToken["createdBy"],
    consoleToken["updatedBy"],
    admin["createdBy"],
  ];
  // Replace the admin token's id, which differs per core, by a name.
  return JSON.parse(
    JSON.stringify(rendered).replaceAll(core.adminTokenId, "<admin-id>"),
  ) as unknown[];
}

describe("actor shapes", () => {
  it('default "typed": identity in id, kind in type', () => {
    expect(actorsIn("typed")).toEqual([
      { id: "<admin-id>", type: "api-token" },
      { id: "alice@example.com", type: "user" },
      { id: "user-42", type: "user" },
      { id: "emulator", type: "system" },
    ]);
    expect(ACTOR_SHAPES[0]).toBe("typed");
  });

  it('"spec-literal": the spec\'s reading, kind in id', () => {
    expect(actorsIn("spec-literal")).toEqual([
      { id: "api-token", type: "<admin-id>" },
      { id: "user", type: "alice@example.com" },
      { id: "user", type: "user-42" },
      { id: "system", type: "emulator" },
    ]);
  });

  it('"string": the actor\'s id alone', () => {
    expect(actorsIn("string")).toEqual(["<admin-id>", "alice@example.com", "user-42", "emulator"]);
  });

  it('"nested": the kind, and the actor under a key named for it', () => {
    expect(actorsIn("nested")).toEqual([
      { type: "api-token", apiToken: { id: "<admin-id>", name: "emulator-admin" } },
      { type: "user", user: { id: "alice@example.com" } },
      { type: "user", user: { id: "user-42" } },
      { type: "system", system: { id: "emulator" } },
    ]);
  });

  it("a Console rotation without a user is made by emulator-console", () => {
    const core = createEmulatorCore();
    const { token } = core.control.createToken({ name: "t", permissions: [], user: "bob" });
    core.control.rotateToken(token.id);
    expect(core.control.getToken(token.id)?.updatedBy).toEqual({
      id: "emulator-console",
      type: "user",
    });
    core.control.rotateToken(token.id, "carol");
    expect(core.control.getToken(token.id)?.updatedBy).toEqual({ id: "carol", type: "user" });
    expect(() => core.control.createToken({ name: "t", permissions: [], user: "" })).toThrow(
      "user must be a non-empty string",
    );
  });

  it("the actorShape option shapes a running emulator's control reads and HTTP answers", async () => {
    const emulator = await startEmulator({ actorShape: "string" });
    try {
      const { token } = emulator.control.createToken({ name: "t", permissions: [] });
      expect(emulator.control.getToken(token.id)?.createdBy).toBe("emulator-console");
      const answer = await call(emulator, "GET", `/api-tokens/${token.id}`, {
        key: emulator.adminKey,
      });
      expect(asToken(answer.json)["createdBy"]).toBe("emulator-console");
    } finally {
      await emulator.close();
    }
    const literal = await startEmulator({ actorShape: "spec-literal" });
    try {
      const { token } = literal.control.createToken({ name: "t", permissions: [] });
      const answer = await call(literal, "GET", `/api-tokens/${token.id}`, {
        key: literal.adminKey,
      });
      expect(asToken(answer.json)["createdBy"]).toEqual({ id: "user", type: "emulator-console" });
    } finally {
      await literal.close();
    }
    await expect(startEmulator({ actorShape: "flat" as never })).rejects.toThrow(
      new EmulatorError(
        "EMULATOR_INVALID_OPTION",
        "actorShape must be one of typed, spec-literal, string, nested",
      ),
    );
  });
});

describe("control reads", () => {
  it.each(ACTOR_SHAPES)("getToken and listTokens equal what GET answers (%s)", (actorShape) => {
    // A still clock: reading over the API moves the admin token's lastUsedAt otherwise.
    const core = createEmulatorCore({
      now: () => Date.parse("2030-01-01T00:00:00Z"),
      actorShape,
      canonicalForms: { ipv6Style: "expanded", impliedPermissions: true },
    });
    const created = post(core, "/api-tokens", {
      name: "t",
      permissions: ["RuleModify"],
      allowedCIDRBlocks: ["2001:db8::/32"],
    });
    post(core, `/api-tokens/${created["id"] as string}/rotate`);
    const fromApi = get(core, `/api-tokens/${created["id"] as string}`);
    expect(core.control.getToken(created["id"] as string)).toEqual(fromApi);
    expect(core.control.listTokens()).toEqual(
      (get(core, "/api-tokens") as { results: unknown[] }).results,
    );
  });
});

describe("answerStamps", () => {
  it('"none": create and rotate answers leave out updatedAt and rotatedAt; GET and update show them', () => {
    const core = createEmulatorCore({ answerStamps: "none" });
    const created = post(core, "/api-tokens", { name: "t", permissions: [] });
    expect(created).not.toHaveProperty("updatedAt");
    expect(created).toHaveProperty("createdAt");
    expect(created).toHaveProperty("value");
    const id = created["id"] as string;
    const rotated = post(core, `/api-tokens/${id}/rotate`);
    expect(rotated).not.toHaveProperty("updatedAt");
    expect(rotated).not.toHaveProperty("rotatedAt");
    expect(rotated).toHaveProperty("value");
    const stored = asToken(get(core, `/api-tokens/${id}`));
    expect(stored["rotatedAt"]).toEqual(expect.any(String));
    expect(stored["updatedAt"]).toBe(stored["rotatedAt"]);
    const updated = post(core, `/api-tokens/${id}`, { name: "u", permissions: [] });
    expect(updated["updatedAt"]).toEqual(expect.any(String));
  });

  it('"full" (default) answers every stamp over HTTP; the answerStamps option "none" leaves them out', async () => {
    const rotate = async (emulator: Emulator): Promise<Record<string, unknown>> => {
      const { token } = emulator.control.createToken({ name: "t", permissions: [] });
      const answer = await call(emulator, "POST", `/api-tokens/${token.id}/rotate`, {
        key: emulator.adminKey,
      });
      return asToken(answer.json);
    };
    const full = await startEmulator();
    try {
      expect(Object.keys(await rotate(full))).toEqual(
        expect.arrayContaining(["updatedAt", "rotatedAt", "value"]),
      );
    } finally {
      await full.close();
    }
    const none = await startEmulator({ answerStamps: "none" });
    try {
      const rotated = await rotate(none);
      expect(Object.keys(rotated)).not.toContain("rotatedAt");
      expect(Object.keys(rotated)).not.toContain("updatedAt");
      expect(rotated).toHaveProperty("value");
    } finally {
      await none.close();
    }
    await expect(startEmulator({ answerStamps: "some" as never })).rejects.toThrow(
      new EmulatorError("EMULATOR_INVALID_OPTION", 'answerStamps must be "full" or "none"'),
    );
  });
});

import {
  EXPIRY_WARNING_DAYS,
  expiryWarning,
  rotationReasons,
  rotatedSince,
  ROTATION_STAMP_SLACK_MS,
} from "../../provider/dynamic-provider/rotationDue";
import { readState } from "../../provider/dynamic-provider/storedState";
import type { TokenInputs } from "../../provider/dynamic-provider/inputs";

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.parse("2026-12-01T12:00:00Z");

function state(extra: Record<string, unknown> = {}) {
  return readState(
    {
      name: "ci",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: [],
      createdAt: new Date(NOW - 200 * DAY).toISOString(),
      rotatedAt: new Date(NOW - 10 * DAY).toISOString(),
      rotationTrigger: "q4",
      value: "v",
      valueState: {
        status: "current",
        since: "2026-11-21T12:00:00Z",
        reason: "issued by this stack",
        issuedAt: new Date(NOW - 10 * DAY).toISOString(),
      },
      ...extra,
    },
    NOW,
  );
}
const inputs = (extra: Partial<TokenInputs> = {}): TokenInputs => ({
  name: "ci",
  permissions: ["RuleRead"],
  rotationTrigger: "q4",
  ...extra,
});

describe("rotationReasons: every due rotation, with why", () => {
  it("none when nothing is due", () => {
    expect(rotationReasons(state(), inputs(), NOW)).toEqual([]);
  });
  it("a trigger change", () => {
    expect(rotationReasons(state(), inputs({ rotationTrigger: "q1" }), NOW)).toEqual([
      'rotationTrigger changed from "q4" to "q1"',
    ]);
  });
  it("a pending or stale value", () => {
    const pending = state({
      valueState: { status: "pending", since: "x", reason: "a rotation got no usable answer" },
    });
    expect(rotationReasons(pending, inputs(), NOW)).toEqual([
      "the stack has no working value: a rotation got no usable answer",
    ]);
    const stale = state({ valueState: { status: "stale", since: "x", reason: "rotated outside" } });
    expect(rotationReasons(stale, inputs(), NOW)).toHaveLength(1);
  });
  it("a rotation Panther reports after the value was issued", () => {
    const s = state({ rotatedAt: new Date(NOW - 9 * DAY).toISOString() });
    expect(rotationReasons(s, inputs(), NOW)[0]).toMatch(/after the stored value was issued/);
  });
  it("a due schedule, for a token with a value and for one without (adopted, imported)", () => {
    expect(rotationReasons(state(), inputs({ rotateAfterDays: 10 }), NOW)[0]).toMatch(
      /rotateAfterDays is 10/,
    );
    expect(rotationReasons(state(), inputs({ rotateAfterDays: 11 }), NOW)).toEqual([]);
    const none = state({
      value: "",
      valueState: { status: "none", since: "x", reason: "imported" },
      rotatedAt: undefined,
    });
    expect(rotationReasons(none, inputs({ rotateAfterDays: 90 }), NOW)[0]).toMatch(
      /rotateAfterDays is 90/,
    );
  });
  it("rotateOnAdopt switched on after an adoption without a value", () => {
    const adopted = state({
      value: "",
      adoptTokenId: "t1",
      rotateOnAdopt: false,
      valueState: { status: "none", since: "x", reason: "adopted" },
    });
    expect(
      rotationReasons(adopted, inputs({ adoptTokenId: "t1", rotateOnAdopt: true }), NOW)[0],
    ).toMatch(/rotateOnAdopt was switched on/);
    expect(
      rotationReasons(adopted, inputs({ adoptTokenId: "t1", rotateOnAdopt: false }), NOW),
    ).toEqual([]);
  });
  it("an approaching expiry only when asked, and only once", () => {
    const expiring = state({ expiresAt: new Date(NOW + 5 * DAY).toISOString() });
    expect(rotationReasons(expiring, inputs(), NOW)).toEqual([]);
    expect(rotationReasons(expiring, inputs({ rotateBeforeExpiryDays: 7 }), NOW)[0]).toMatch(
      /expires at/,
    );
    const rotatedInWindow = state({
      expiresAt: new Date(NOW + 5 * DAY).toISOString(),
      rotatedAt: new Date(NOW - DAY).toISOString(),
      valueState: {
        status: "current",
        since: "x",
        reason: "r",
        issuedAt: new Date(NOW - DAY).toISOString(),
      },
    });
    expect(rotationReasons(rotatedInWindow, inputs({ rotateBeforeExpiryDays: 7 }), NOW)).toEqual(
      [],
    );
  });
});

describe("rotatedSince compares two of Panther's own stamps", () => {
  const issued = "2026-11-22T10:00:00.000Z";
  it("sees a later rotation, and ignores the one that issued the value even stamped a little apart", () => {
    expect(rotatedSince("2026-11-22T11:00:00Z", issued)).toBe(true);
    expect(
      rotatedSince(new Date(Date.parse(issued) + ROTATION_STAMP_SLACK_MS).toISOString(), issued),
    ).toBe(false);
  });
  it("knows nothing without both stamps", () => {
    expect(rotatedSince(undefined, issued)).toBe(false);
    expect(rotatedSince("2026-11-22T11:00:00Z", undefined)).toBe(false);
    expect(rotatedSince("not a date", issued)).toBe(false);
  });
});

describe("the expiry warning", () => {
  it("from EXPIRY_WARNING_DAYS before expiresAt, and after it, never for a token that does not expire", () => {
    const at = (days: number) => new Date(NOW + days * DAY).toISOString();
    expect(expiryWarning(at(EXPIRY_WARNING_DAYS + 1), NOW)).toBeUndefined();
    expect(expiryWarning(at(EXPIRY_WARNING_DAYS - 1), NOW)).toMatch(
      /expires at .*replace the token .*rotateBeforeExpiryDays/,
    );
    expect(expiryWarning(at(-1), NOW)).toMatch(/expires at/);
    expect(expiryWarning(undefined, NOW)).toBeUndefined();
  });
});

import { stateOf, valueState } from "../../provider/dynamic-provider/state";
import { readState } from "../../provider/dynamic-provider/storedState";
import { normalizeFields } from "../../provider/dynamic-provider/normalize";

const NOW = Date.parse("2026-12-01T12:00:00Z");

/** Outputs as pulumi-panther 0.1.0 wrote them (from its toOutputs), with __provider. */
function v010(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    __provider: 'exports.handler = require("pulumi-panther/dynamic-provider");',
    name: "ci",
    permissions: ["RuleModify", "RuleRead"],
    allowedCIDRBlocks: ["203.0.113.0/24"],
    rotationTrigger: "2026-Q3",
    createdAt: "2026-07-01T00:00:00.000Z",
    createdBy: { id: "api-token", type: "deployer-id" },
    updatedAt: "2026-09-01T00:00:00.000Z",
    rotatedAt: "2026-09-01T00:00:00.000Z",
    value: "v".repeat(43),
    valueIssuedAt: "2026-09-01T00:00:00.000Z",
    valueStale: false,
    ...extra,
  };
}

describe("state written by 0.1.0 reads back", () => {
  it("a current value keeps its value and Panther's stamp, and what was sent is what was reported", () => {
    const state = readState(v010(), NOW);
    expect(state.value).toBe("v".repeat(43));
    expect(state.valueState).toEqual({
      status: "current",
      since: new Date(NOW).toISOString(),
      reason: "issued by this stack",
      issuedAt: "2026-09-01T00:00:00.000Z",
    });
    // The compatibility outputs 0.1.0 wrote are read, and not written again.
    expect(Object.keys(state)).not.toContain("valueStale");
    expect(Object.keys(state)).not.toContain("valuePending");
    expect(Object.keys(state)).not.toContain("valueIssuedAt");
    expect(state.applied.sent).toEqual({
      name: "ci",
      permissions: ["RuleModify", "RuleRead"],
      allowedCIDRBlocks: ["203.0.113.0/24"],
    });
    expect(state.applied.reported).toEqual(state.applied.sent);
    expect(state.rotationTrigger).toBe("2026-Q3");
    expect(state.apiOrigin).toBeUndefined();
    expect(Object.keys(state)).not.toContain("__provider");
  });

  it("valuePending reads as pending, an empty value as none, valueStale as stale", () => {
    expect(readState(v010({ valuePending: true, value: "" }), NOW).valueState.status).toBe(
      "pending",
    );
    expect(readState(v010({ value: "" }), NOW).valueState.status).toBe("none");
    expect(readState(v010({ valueStale: true }), NOW).valueState.status).toBe("stale");
  });

  it("a value 0.1.0 stamped with this machine's clock takes Panther's stamp, so skew cannot make it look stale", () => {
    const state = readState(v010({ valueIssuedAt: "2026-09-01T00:07:13.000Z" }), NOW);
    expect(state.valueState.issuedAt).toBe("2026-09-01T00:00:00.000Z");
  });

  it("odd members are dropped, never thrown on", () => {
    const state = readState(
      v010({ permissions: "RuleRead", createdBy: "x", lastUsedAt: 7, unknownField: { a: 1 } }),
      NOW,
    );
    expect(state.permissions).toEqual([]);
    expect(state.createdBy).toBeUndefined();
    expect(state.lastUsedAt).toBeUndefined();
    expect(Object.keys(state)).not.toContain("unknownField");
  });
});

describe("state written by this release reads back unchanged", () => {
  it("round-trips through JSON", () => {
    const token = {
      id: "t1",
      name: "ci",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: ["10.0.0.0/8"],
      createdAt: "2026-11-01T00:00:00.000Z",
      rotatedAt: null,
    };
    const body = normalizeFields({ ...token });
    const state = stateOf(
      token,
      { name: "ci", permissions: ["RuleRead"], rotationTrigger: "q4", rotateAfterDays: 90 },
      {
        value: "secret",
        valueState: valueState("pending", "a rotation got no usable answer", NOW),
        applied: { sent: body, reported: body },
        apiOrigin: "https://api.acme.runpanther.net",
        lostCreates: [
          { sentAt: "2026-11-01T00:00:00.000Z", watchUntil: "2026-11-01T01:00:00.000Z" },
        ],
        pairView: { seen: 12, periodDays: 30 },
      },
    );
    expect(state.valueState.status).toBe("pending");
    const raw = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
    expect(readState(raw, NOW + 1000)).toEqual(state);
  });
});

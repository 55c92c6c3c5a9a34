import { actorIds, judgeCandidate } from "../../provider/dynamic-provider/ownership";
import { normalizeFields } from "../../provider/dynamic-provider/normalize";
import type { ApiToken } from "../../provider/client/types";

describe("actorIds reads createdBy leniently", () => {
  it.each([
    ["identity in id, kind in type", { id: "tok-1", type: "api-token" }, ["tok-1"]],
    [
      "the spec's reading: kind in id, identity in type",
      { id: "api-token", type: "tok-1" },
      ["tok-1"],
    ],
    ["the docs' example identifies nobody", { id: "user", type: "text" }, []],
    ["a bare id", "tok-1", ["tok-1"]],
    ["a bare kind", "api-token", []],
    ["nested", { type: "api-token", apiToken: { id: "tok-1", name: "ci" } }, ["tok-1"]],
    ["tokenId", { tokenId: "tok-1", type: "api-token" }, ["tok-1"]],
    ["absent", undefined, []],
    ["null", null, []],
  ])("%s", (_label, actor, ids) => {
    expect(actorIds(actor as never)).toEqual(ids);
  });
});

describe("judgeCandidate: a token is ours only when proven", () => {
  const body = normalizeFields({ name: "ci", permissions: ["RuleRead"], allowedCIDRBlocks: [] });
  const sent = Date.parse("2026-12-01T12:00:00.000Z");
  const window = { sentAfter: sent, listedBefore: sent + 10_000 };
  const token = (over: Partial<ApiToken>): ApiToken => ({
    id: "t1",
    name: "ci",
    permissions: ["RuleRead"],
    allowedCIDRBlocks: [],
    createdAt: new Date(sent + 500).toISOString(),
    createdBy: { id: "deployer", type: "api-token" },
    ...over,
  });

  it("made by the deployer after the request left, never used, matching: ours", () => {
    expect(judgeCandidate(token({}), body, "deployer", window)).toBe("ours");
    // Stamped in whole seconds just before the request's earliest send time.
    expect(
      judgeCandidate(token({ createdAt: "2026-12-01T11:59:59Z" }), body, "deployer", window),
    ).toBe("ours");
  });
  it("made by a person or another stack's token: someone else's", () => {
    expect(
      judgeCandidate(token({ createdBy: { id: "u-1", type: "user" } }), body, "deployer", window),
    ).toBe("unrelated");
    expect(
      judgeCandidate(token({ createdBy: { id: "other-deployer" } }), body, "deployer", window),
    ).toBe("unrelated");
  });
  it("made before the request left, or already used: not ours", () => {
    expect(
      judgeCandidate(
        token({ createdAt: new Date(sent - 5000).toISOString() }),
        body,
        "deployer",
        window,
      ),
    ).toBe("unrelated");
    expect(
      judgeCandidate(
        token({ lastUsedAt: new Date(sent + 900).toISOString() }),
        body,
        "deployer",
        window,
      ),
    ).toBe("unrelated");
  });
  it("a maker nobody can read, or an impossible stamp: unproven (never adopted)", () => {
    expect(
      judgeCandidate(token({ createdBy: { id: "user", type: "text" } }), body, "deployer", window),
    ).toBe("unproven");
    expect(judgeCandidate(token({ createdBy: null }), body, "deployer", window)).toBe("unproven");
    expect(
      judgeCandidate(
        token({ createdAt: new Date(sent + 60_000).toISOString() }),
        body,
        "deployer",
        window,
      ),
    ).toBe("unproven");
  });
  it("other fields: unrelated", () => {
    expect(judgeCandidate(token({ name: "cd" }), body, "deployer", window)).toBe("unrelated");
  });
});

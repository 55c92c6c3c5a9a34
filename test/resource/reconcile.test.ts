import {
  PantherApiError,
  PantherNetworkError,
  PantherResponseError,
} from "../../provider/client/errors";
import type { ApiToken } from "../../provider/client/types";
import {
  CLOCK_SKEW_MS,
  findCandidates,
  isAmbiguousCreateFailure,
} from "../../provider/resource/reconcile";

const request = {
  operation: "create",
  method: "POST",
  path: "/api-tokens",
  origin: "https://p",
  attempts: 1,
};

describe("isAmbiguousCreateFailure", () => {
  it.each([
    [
      "a timeout",
      new PantherNetworkError(request, true, "UND_ERR_HEADERS_TIMEOUT", "headers timeout"),
      true,
    ],
    ["a reset", new PantherNetworkError(request, false, "ECONNRESET", "socket hang up"), true],
    [
      "a closed socket",
      new PantherNetworkError(request, false, "UND_ERR_SOCKET", "other side closed"),
      true,
    ],
    [
      "an unreadable 200",
      new PantherResponseError(request, 200, "a body that is not valid JSON"),
      true,
    ],
    ["a 502", new PantherApiError(request, 502, undefined), true],
    ["a 500", new PantherApiError(request, 500, undefined), true],
    [
      "connection refused",
      new PantherNetworkError(request, false, "ECONNREFUSED", "refused"),
      false,
    ],
    [
      "a connect timeout",
      new PantherNetworkError(request, true, "UND_ERR_CONNECT_TIMEOUT", "connect"),
      false,
    ],
    ["a 400", new PantherApiError(request, 400, "bad"), false],
    ["a 401", new PantherApiError(request, 401, undefined), false],
    ["a 403", new PantherApiError(request, 403, undefined), false],
    ["a 429", new PantherApiError(request, 429, undefined), false],
    ["a plain error", new Error("boom"), false],
  ])("%s → %s", (_label, error, ambiguous) => {
    expect(isAmbiguousCreateFailure(error)).toBe(ambiguous);
  });
});

describe("findCandidates", () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const started = Date.parse("2026-11-22T10:00:00Z");
  const token = (id: string, createdAt: number, extra: Partial<ApiToken> = {}): ApiToken => ({
    id,
    name: "ci",
    permissions: ["RuleRead", "AlertRead"],
    allowedCIDRBlocks: ["2001:db8::/32"],
    createdAt: at(createdAt),
    ...extra,
  });
  const body = {
    name: "ci",
    permissions: ["AlertRead", "RuleRead"],
    allowedCIDRBlocks: ["2001:DB8::/32"],
  };

  it("matches name, permission set and CIDR set within the call's window, newest first", () => {
    const found = findCandidates(
      [
        token("old", started - CLOCK_SKEW_MS - 60_000),
        token("ours", started + 2_000),
        token("skewed", started - 60_000),
        token("other-name", started + 1_000, { name: "cd" }),
        token("other-perms", started + 1_000, { permissions: ["RuleRead"] }),
        token("other-cidrs", started + 1_000, { allowedCIDRBlocks: [] }),
        token("late", started + 10_000 + CLOCK_SKEW_MS + 1),
      ],
      body,
      started,
      started + 10_000,
    );
    expect(found.map((t) => t.id)).toEqual(["ours", "skewed"]);
  });
});

/** The error family: `applied` by construction, and type guards that work across copies. */
import {
  PantherApiError,
  PantherConfigError,
  PantherError,
  PantherNetworkError,
  PantherRedirectError,
  PantherResponseError,
  isPantherApiError,
  isPantherNetworkError,
  isPantherResponseError,
} from "../../provider/client/errors";

const request = {
  operation: "create",
  method: "POST",
  path: "/api-tokens",
  origin: "https://p",
  attempts: 1,
};

describe("applied", () => {
  it.each<[string, PantherError, "no" | "maybe" | "yes"]>([
    ["a 400", new PantherApiError(request, 400, undefined), "no"],
    ["a 401", new PantherApiError(request, 401, undefined), "no"],
    ["a 403", new PantherApiError(request, 403, undefined), "no"],
    ["a 404", new PantherApiError(request, 404, undefined), "no"],
    ["a 409", new PantherApiError(request, 409, undefined), "no"],
    ["a 413", new PantherApiError(request, 413, undefined), "no"],
    ["a 429", new PantherApiError(request, 429, undefined, 1), "no"],
    ["a 500", new PantherApiError(request, 500, undefined), "maybe"],
    ["a 502", new PantherApiError(request, 502, undefined), "maybe"],
    ["a 503", new PantherApiError(request, 503, undefined), "maybe"],
    ["a 504", new PantherApiError(request, 504, undefined), "maybe"],
    ["a redirect", new PantherRedirectError(request, 302, undefined), "no"],
    ["connection refused", new PantherNetworkError(request, false, "ECONNREFUSED", "x"), "no"],
    [
      "a connect timeout",
      new PantherNetworkError(request, true, "UND_ERR_CONNECT_TIMEOUT", "x"),
      "no",
    ],
    ["a DNS failure", new PantherNetworkError(request, false, "ENOTFOUND", "x"), "no"],
    ["a reset", new PantherNetworkError(request, false, "ECONNRESET", "x"), "maybe"],
    ["a closed socket", new PantherNetworkError(request, false, "UND_ERR_SOCKET", "x"), "maybe"],
    [
      "a headers timeout",
      new PantherNetworkError(request, true, "UND_ERR_HEADERS_TIMEOUT", "x"),
      "maybe",
    ],
    [
      "a body timeout",
      new PantherNetworkError(request, true, "UND_ERR_BODY_TIMEOUT", "x"),
      "maybe",
    ],
    [
      "an unknown network failure",
      new PantherNetworkError(request, false, undefined, "x"),
      "maybe",
    ],
    ["an unreadable 200", new PantherResponseError(request, 200, "a body"), "yes"],
    ["a config error", new PantherConfigError("no URL"), "no"],
    ["a bare PantherError (nothing known)", new PantherError("PANTHER_NETWORK", "x"), "maybe"],
  ])("%s: %s", (_label, error, applied) => {
    expect(error.applied).toBe(applied);
    // A plain data property: it survives JSON and structured copies.
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ applied });
  });
});

describe("type guards", () => {
  const api = new PantherApiError(request, 404, "gone");
  const network = new PantherNetworkError(request, true, "UND_ERR_HEADERS_TIMEOUT", "slow");
  const response = new PantherResponseError(request, 200, "a body");
  const config = new PantherConfigError("no URL");

  it("tell the kinds apart", () => {
    expect([api, network, response, config].map(isPantherApiError)).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect([api, network, response, config].map(isPantherNetworkError)).toEqual([
      false,
      true,
      false,
      false,
    ]);
    expect([api, network, response, config].map(isPantherResponseError)).toEqual([
      false,
      false,
      true,
      false,
    ]);
  });

  it("match every code of their kind", () => {
    for (const status of [400, 401, 403, 404, 409, 429, 500, 503]) {
      expect(isPantherApiError(new PantherApiError(request, status, undefined))).toBe(true);
    }
    expect(isPantherNetworkError(new PantherNetworkError(request, false, "ECONNRESET", "x"))).toBe(
      true,
    );
  });

  it("match by code, not class: an error from another copy of the package narrows too", () => {
    // What a second copy's error looks like to this copy: same shape, another class.
    class OtherCopyError extends Error {
      readonly code = "PANTHER_SERVER_ERROR";
      readonly status = 504;
      readonly applied = "maybe";
    }
    const foreign: unknown = new OtherCopyError("from elsewhere");
    expect(foreign instanceof PantherApiError).toBe(false);
    expect(isPantherApiError(foreign)).toBe(true);
    if (isPantherApiError(foreign)) expect(foreign.status).toBe(504);
    expect(
      isPantherNetworkError({ code: "PANTHER_TIMEOUT", causeCode: "UND_ERR_HEADERS_TIMEOUT" }),
    ).toBe(true);
    expect(isPantherResponseError({ code: "PANTHER_INVALID_RESPONSE" })).toBe(true);
  });

  it("reject what is not a Panther error", () => {
    for (const value of [
      undefined,
      null,
      "PANTHER_NOT_FOUND",
      new Error("boom"),
      Object.assign(new Error("reset"), { code: "ECONNRESET" }),
      { code: 404 },
    ]) {
      expect(isPantherApiError(value)).toBe(false);
      expect(isPantherNetworkError(value)).toBe(false);
      expect(isPantherResponseError(value)).toBe(false);
    }
  });
});

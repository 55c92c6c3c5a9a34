import { PantherClient } from "../../provider/client/client";
import { isPantherError, type PantherError } from "../../provider/client/errors";
import { isLoopbackHost, parseBaseUrl } from "../../provider/client/url";

describe("parseBaseUrl", () => {
  it.each([
    ["https://api.acme.runpanther.net/public/graphql", "https://api.acme.runpanther.net", ""],
    ["https://api.acme.runpanther.net/public/graphql/", "https://api.acme.runpanther.net", ""],
    ["https://api.acme.runpanther.net", "https://api.acme.runpanther.net", ""],
    ["https://api.acme.runpanther.net/", "https://api.acme.runpanther.net", ""],
    [
      "https://abc.execute-api.us-east-1.amazonaws.com/v1/public/graphql",
      "https://abc.execute-api.us-east-1.amazonaws.com",
      "/v1",
    ],
    [
      "https://abc.execute-api.us-east-1.amazonaws.com/v1/",
      "https://abc.execute-api.us-east-1.amazonaws.com",
      "/v1",
    ],
    ["  https://API.acme.runpanther.net/PUBLIC/GRAPHQL  ", "https://api.acme.runpanther.net", ""],
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010", ""],
    ["http://localhost:4010/public/graphql", "http://localhost:4010", ""],
    ["http://[::1]:4010/", "http://[::1]:4010", ""],
  ])("accepts %s", (input, origin, basePath) => {
    expect(parseBaseUrl(input)).toEqual({ origin, basePath });
  });

  it.each([
    ["http://api.acme.runpanther.net/public/graphql", /must use https/],
    ["ftp://api.acme.runpanther.net", /must use https/],
    ["http://10.0.0.5:4010", /must use https/],
    ["http://api.localhost:4010", /must use https/],
    ["http://localhost.:4010", /must use https/],
    ["https://user:pw@api.acme.runpanther.net", /user name or password/],
    ["https://api.acme.runpanther.net/public/graphql?x=1", /query string or fragment/],
    ["https://api.acme.runpanther.net/#frag", /query string or fragment/],
    ["api.acme.runpanther.net", /not a valid URL/],
    ["", /not a valid URL/],
  ])("refuses %s", (input, message) => {
    let caught: unknown;
    try {
      parseBaseUrl(input);
    } catch (error) {
      caught = error;
    }
    expect(isPantherError(caught, "PANTHER_CONFIG")).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it("never echoes a password given in the URL", () => {
    expect(() =>
      parseBaseUrl("https://user:sup3r-s3cret-passw0rd@api.acme.runpanther.net"),
    ).toThrow(
      expect.objectContaining({
        message: expect.not.stringContaining("sup3r-s3cret-passw0rd") as unknown,
      }) as Error,
    );
  });
});

/** The PantherError `fn` throws. */
function thrown(fn: () => unknown): PantherError {
  try {
    fn();
  } catch (error) {
    if (isPantherError(error)) return error;
    throw error;
  }
  throw new Error("expected a PantherError");
}

describe("URL errors quote nothing of the URL but its scheme", () => {
  // A key pasted into the URL by mistake, in each place a URL can hold it.
  const secret = "Pk7sQ2wX9vL4mN8rT1yB";
  it.each([
    [secret, /not a valid URL; use the API URL shown in the Panther Console/],
    [`api.${secret}.runpanther.net/public/graphql`, /not a valid URL/],
    [`https://corp7734.runpanther.net:${secret}/`, /not a valid URL/],
    [
      `http://${secret}.corp7734.test/public/graphql`,
      /must use https:\/\/ but uses plain http:\/\//,
    ],
    [`ftp://${secret}.corp7734.test`, /must use https:\/\/ but is not https:\/\//],
    [`https://user:${secret}@corp7734.runpanther.net`, /user name or password/],
    [`https://${secret}@corp7734.runpanther.net`, /user name or password/],
    [`https://corp7734.runpanther.net/public/graphql?token=${secret}`, /it has a query string;/],
    [`https://corp7734.runpanther.net/${secret}#${secret}`, /it has a fragment;/],
    [`https://corp7734.runpanther.net/?a=${secret}#x`, /it has a query string and a fragment;/],
  ])("%s", (input, message) => {
    const error = thrown(() => parseBaseUrl(input));
    expect(error).toMatchObject({ code: "PANTHER_CONFIG", applied: "no" });
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/panther:url or PANTHER_API_URL/);
    for (let i = 0; i + 8 <= secret.length; i++) {
      expect(error.message.toLowerCase()).not.toContain(secret.slice(i, i + 8).toLowerCase());
    }
    // Nor the parts around it: the host and path are the user's, whatever they hold.
    expect(error.message).not.toContain("corp7734");
  });

  it("a client refuses a URL that contains its API key, quoting neither", () => {
    const apiKey = "Xq3vB8nM2kL7pR4sT9wY6zA1cD5fG0hJ";
    for (const url of [
      `https://corp7734.runpanther.net/${apiKey}/public/graphql`,
      `https://${apiKey.toLowerCase()}.corp7734.runpanther.net`,
      `https://corp7734.runpanther.net/?k=${encodeURIComponent(apiKey)}`,
      `http://127.0.0.1:4010/${apiKey}`,
    ]) {
      const error = thrown(() => new PantherClient({ url, apiKey }));
      expect(error).toMatchObject({ code: "PANTHER_CONFIG", applied: "no" });
      expect(error.message).toMatch(/contains the API key/);
      expect(error.message).not.toContain("corp7734");
      expect(error.message.toLowerCase()).not.toContain(apiKey.slice(0, 8).toLowerCase());
    }
    // The same URL without the key is fine.
    expect(new PantherClient({ url: "http://127.0.0.1:4010/", apiKey }).origin).toBe(
      "http://127.0.0.1:4010",
    );
  });
});

describe("isLoopbackHost", () => {
  it.each(["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "127.255.255.255", "[::1]"])(
    "%s is loopback",
    (h) => {
      expect(isLoopbackHost(h)).toBe(true);
    },
  );
  it.each([
    "10.0.0.1",
    "128.0.0.1",
    "127.256.0.1",
    "example.com",
    "localhost.example.com",
    "api.localhost",
    "localhost.",
    "[::2]",
    "[::ffff:7f00:1]",
  ])("%s is not", (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});

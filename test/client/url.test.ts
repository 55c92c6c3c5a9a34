import { isPantherError } from "../../provider/client/errors";
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

describe("isLoopbackHost", () => {
  it.each(["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "api.localhost"])(
    "%s is loopback",
    (h) => {
      expect(isLoopbackHost(h)).toBe(true);
    },
  );
  it.each(["10.0.0.1", "128.0.0.1", "example.com", "localhost.example.com", "[::2]"])(
    "%s is not",
    (h) => {
      expect(isLoopbackHost(h)).toBe(false);
    },
  );
});

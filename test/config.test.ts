import { readSettings } from "../provider/config";

const KEY = "pk_live_Zx9Qw7Rt5Yu3Io1Pa8Sd6Fg4Hj2Kl0Mn";

/** Settings that a key pasted into the wrong place breaks, with the message it must give. */
const BAD_SETTINGS: readonly [string, Record<string, string>, RegExp][] = [
  [
    "panther:lateLandingSeconds",
    { "panther:lateLandingSeconds": KEY },
    /panther:lateLandingSeconds \(or PANTHER_LATE_LANDING_SECONDS\) must be a number of seconds from 0 up to 900, e\.g\. 60/,
  ],
  [
    "panther:requestTimeoutSeconds",
    { "panther:requestTimeoutSeconds": KEY },
    /panther:requestTimeoutSeconds \(or PANTHER_API_TIMEOUT_SECONDS\) must be a number of seconds above 0 and up to 600/,
  ],
  [
    "panther:allowOriginChange",
    { "panther:allowOriginChange": KEY },
    /panther:allowOriginChange \(or PANTHER_ALLOW_ORIGIN_CHANGE\) must be true or false/,
  ],
  ["a negative window", { "panther:lateLandingSeconds": "-1" }, /from 0 up to 900/],
  ["a timeout of zero", { "panther:requestTimeoutSeconds": "0" }, /above 0 and up to 600/],
];

describe("configuration", () => {
  const base = {
    "panther:url": "https://api.acme.runpanther.net",
    "panther:token": "k".repeat(40),
  };

  it.each(BAD_SETTINGS)(
    "%s: the error says what is expected and never quotes the value",
    (_l, bad, message) => {
      const config: Record<string, string> = { ...base, ...bad };
      let error: unknown;
      try {
        readSettings((key) => config[key], {});
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: "PANTHER_CONFIG" });
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).toMatch(/not shown here/);
      for (const value of Object.values(bad)) {
        // No fragment of the value, not even a few characters of it.
        for (let i = 0; i + 6 <= value.length; i++)
          expect(text).not.toContain(value.slice(i, i + 6));
      }
    },
  );

  it("names everything missing and both ways to set it", () => {
    expect(() => readSettings(() => undefined, {})).toThrow(
      /missing the API URL \(pulumi config set panther:url .*, or export PANTHER_API_URL\) and the API key \(pulumi config set --secret panther:token <key>, or export PANTHER_API_TOKEN\)/,
    );
  });

  it("takes stack config over the environment, and defaults", () => {
    const settings = readSettings((key) => ({ ...base, "panther:lateLandingSeconds": "5" })[key], {
      PANTHER_LATE_LANDING_SECONDS: "90",
      PANTHER_API_TIMEOUT_SECONDS: "12",
    });
    expect(settings).toMatchObject({
      url: base["panther:url"],
      lateLandingMs: 5000,
      requestTimeoutMs: 12000,
      allowOriginChange: false,
    });
  });
});

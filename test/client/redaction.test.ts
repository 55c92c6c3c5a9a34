/**
 * Redaction before truncation: the deployer key echoed anywhere near a cut
 * must not leave the client, not even in part. For every text the client
 * quotes and cuts, the key is placed at every offset from 60 characters
 * before the cut to 5 after it.
 */
import { inspect } from "node:util";
import { MockAgent } from "undici";
import { PantherClient } from "../../provider/client/client";
import { isPantherApiError, type PantherError } from "../../provider/client/errors";
import { redact, redactAndCut } from "../../provider/client/errors/redact";
import { closeAllPools } from "../../provider/client/pool";
import { failure, leakedPieces, send, startLocalServer, type LocalServer } from "./helpers";

// Shaped like a real key (base64url); the padding around it uses characters a key never has.
const KEY = "Zk3_QvB8-nM2kL7pR4sT9wY6zA1cD5fG0hJxU3eWq2o";

let server: LocalServer;
let answer: (response: import("node:http").ServerResponse) => void;
beforeAll(async () => {
  server = await startLocalServer((_request, response) => {
    answer(response);
  });
});
afterAll(async () => {
  await server.close();
  await closeAllPools();
});

const client = () => new PantherClient({ url: server.url, apiKey: KEY, retry: { maxAttempts: 1 } });

/** Offsets from cut − 60 to cut + 5. */
const around = (cut: number): number[] => Array.from({ length: 66 }, (_, i) => cut - 60 + i);

/** Every form in which an error can be read; none may hold 8 characters of the key. */
function expectNoLeak(error: PantherError, offset: number): void {
  const cause = error.cause as { message?: unknown } | undefined;
  const forms: Record<string, string> = {
    message: error.message,
    inspect: inspect(error, { depth: 5, showHidden: true }),
    json: JSON.stringify(error),
    cause: inspect(cause, { depth: 5, showHidden: true }),
    causeMessage: typeof cause?.message === "string" ? cause.message : "",
  };
  for (const [form, text] of Object.entries(forms)) {
    expect({ offset, form, leaked: leakedPieces(text, KEY) }).toEqual({ offset, form, leaked: [] });
  }
}

const pad = (n: number): string => ".".repeat(n);
const tail = "~".repeat(80);

describe("Panther's message (cut at 500)", () => {
  it.each([
    [400, "message"],
    [403, "error"],
    [500, "message"],
  ])("a %s with the key in `%s` at every offset around the cut", async (status, field) => {
    for (const offset of around(500)) {
      answer = (response) => {
        send(response, status, { [field]: `${pad(offset)}${KEY}${tail}` });
      };
      const error = await failure(() => client().getToken("t1"));
      expect(error).toMatchObject({ status });
      expectNoLeak(error, offset);
      if (!isPantherApiError(error)) throw error;
      const said = error.pantherMessage ?? "";
      // Cut after redaction: the cut never shortens what precedes the key.
      expect(said.length).toBeLessThanOrEqual(500);
      expect(said.startsWith(pad(Math.min(offset, 499)))).toBe(true);
    }
  });

  it("a key Panther itself cut short at the end of its message is redacted too", async () => {
    answer = (response) => {
      send(response, 400, { message: `invalid key ${KEY.slice(0, 20)}` });
    };
    const error = await failure(() => client().getToken("t1"));
    expect(error.message).toContain("invalid key [REDACTED]");
    expectNoLeak(error, 0);
  });
});

describe("network error messages (cut at 300) and codes (cut at 60)", () => {
  async function networkFailure(error: Error): Promise<PantherError> {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get("https://api.acme.runpanther.net")
      .intercept({ path: "/api-tokens/t1", method: "GET" })
      .replyWithError(error);
    try {
      return await failure(() =>
        new PantherClient({
          url: "https://api.acme.runpanther.net",
          apiKey: KEY,
          retry: { maxAttempts: 1 },
          dispatcher: agent,
        }).getToken("t1"),
      );
    } finally {
      await agent.close();
    }
  }

  it("the key in the underlying message at every offset around the cut", async () => {
    for (const offset of around(300)) {
      const error = await networkFailure(
        Object.assign(new Error(`${pad(offset)}${KEY}${tail}`), { code: "ECONNRESET" }),
      );
      expect(error).toMatchObject({ code: "PANTHER_NETWORK", causeCode: "ECONNRESET" });
      expectNoLeak(error, offset);
    }
  });

  it("the key in the underlying code at every offset around the cut", async () => {
    for (const offset of around(60).filter((o) => o >= 0)) {
      const error = await networkFailure(
        Object.assign(new Error("failed"), { code: `${pad(offset)}${KEY}` }),
      );
      expectNoLeak(error, offset);
    }
  });
});

describe("response problems", () => {
  it("the key in the content-type of an unreadable body (cut at 100) at every offset", async () => {
    for (const offset of around(100)) {
      answer = (response) => {
        response.writeHead(200, { "content-type": `text/${pad(offset - 5)}${KEY}${tail}` });
        response.end("<html>");
      };
      const error = await failure(() => client().getToken("t1"));
      expect(error).toMatchObject({ code: "PANTHER_INVALID_RESPONSE" });
      expect(error.message).toMatch(/not valid JSON \(text\//);
      expectNoLeak(error, offset);
    }
  });

  it("the key in a redirect's Location host (cut at 100) at every offset", async () => {
    for (const offset of around(100)) {
      // The origin quoted starts with "https://"; URL parsing lowercases the host.
      answer = (response) => {
        response.writeHead(302, {
          location: `https://${"-".repeat(offset - 8)}${KEY}.example/api-tokens`,
        });
        response.end();
      };
      const error = await failure(() => client().getToken("t1"));
      expect(error).toMatchObject({ code: "PANTHER_REDIRECT" });
      expectNoLeak(error, offset);
    }
  });

  it("the key as a token id in the path is redacted", async () => {
    answer = (response) => {
      send(response, 404, { message: "not found" });
    };
    const error = await failure(() => client().getToken(`x${KEY}`));
    expect(error.message).toContain("/api-tokens/x[REDACTED]");
    expectNoLeak(error, 0);
  });
});

describe("unreadable listed tokens (id and name cut at 100)", () => {
  it("the key in an odd token's id or name at every offset", async () => {
    for (const offset of around(100)) {
      const text = `${pad(offset)}${KEY}${tail}`;
      answer = (response) => {
        send(response, 200, { results: [{ id: text, name: text, permissions: null }] });
      };
      const listing = await client().listTokens();
      const [odd] = listing.unreadable;
      expect(odd?.id?.length).toBeLessThanOrEqual(100);
      for (const form of [JSON.stringify(listing), inspect(listing, { depth: 5 })]) {
        expect({ offset, leaked: leakedPieces(form, KEY) }).toEqual({ offset, leaked: [] });
      }
    }
  });
});

describe("redact and redactAndCut", () => {
  it("redact ignores case and catches a key cut short at either end", () => {
    expect(redact(`a ${KEY.toLowerCase()} b`, [KEY])).toBe("a [REDACTED] b");
    expect(redact(`tail ${KEY.slice(0, 12)}`, [KEY])).toBe("tail [REDACTED]");
    expect(redact(`${KEY.slice(-12)} head`, [KEY])).toBe("[REDACTED] head");
    // Seven characters of it are not enough to tell it from a word.
    expect(redact(`tail ${KEY.slice(0, 7)}`, [KEY])).toBe(`tail ${KEY.slice(0, 7)}`);
    expect(redact("short secret abc", ["abc"])).toBe("short secret abc");
  });

  it("redactAndCut redacts, then cuts, marking the cut", () => {
    expect(redactAndCut(`${pad(95)}${KEY}`, [KEY], 100)).toBe(`${pad(95)}[RED…`);
    expect(redactAndCut("short", [KEY], 100)).toBe("short");
    expect(redactAndCut("x".repeat(101), [], 100)).toBe(`${"x".repeat(99)}…`);
    // A surrogate pair is never split.
    expect(redactAndCut(`${"x".repeat(98)}😀yy`, [], 100)).toBe(`${"x".repeat(98)}…`);
  });
});

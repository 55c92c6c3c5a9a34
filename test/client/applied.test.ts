/**
 * `applied` on every error, and the retry policy that follows it: create,
 * update and rotate are repeated only after an attempt that provably did
 * nothing (an update whose answer was lost may land late and undo a later
 * change; the provider waits that chance out).
 */
import { MockAgent } from "undici";
import { PantherClient, type PantherClientOptions } from "../../provider/client/client";
import { closeAllPools } from "../../provider/client/pool";
import { startEmulator, type Emulator, type FaultAction } from "pulumi-panther-emulator";
import { FakeClock, failure, startLocalServer, tokenBody } from "./helpers";

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
});
afterAll(async () => {
  await closeAllPools();
});

function client(options: Partial<PantherClientOptions> = {}): PantherClient {
  return new PantherClient({
    url: emulator.url,
    apiKey: emulator.adminKey,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    timeouts: { headersMs: 700 },
    ...options,
  });
}

const body = { name: "ci-deployer", permissions: ["RuleRead"], allowedCIDRBlocks: [] };
const counts = () => emulator.control.counters().byOperation;

/** A fault for the operation under test. */
type Action = FaultAction & { times?: number | "always" };

type Call = "create" | "rotate" | "get" | "list" | "update" | "delete";

/** Makes `operation`'s call on a fresh token (created through the control API, not counted). */
function caller(operation: Call): (c: PantherClient) => Promise<unknown> {
  const { token } = emulator.control.createToken({ name: "target", permissions: [] });
  switch (operation) {
    case "create":
      return (c) => c.createToken(body);
    case "rotate":
      return (c) => c.rotateToken(token.id);
    case "get":
      return (c) => c.getToken(token.id);
    case "list":
      return (c) => c.listTokens();
    case "update":
      return (c) => c.updateToken(token.id, body);
    case "delete":
      return (c) => c.deleteToken(token.id);
  }
}

describe("applied", () => {
  it.each<[string, "no" | "maybe", string, Action]>([
    ["400", "no", "PANTHER_BAD_REQUEST", { kind: "status", status: 400 }],
    ["401", "no", "PANTHER_UNAUTHORIZED", { kind: "status", status: 401 }],
    ["403", "no", "PANTHER_FORBIDDEN", { kind: "status", status: 403 }],
    ["404", "no", "PANTHER_NOT_FOUND", { kind: "status", status: 404 }],
    ["409", "no", "PANTHER_HTTP_ERROR", { kind: "status", status: 409 }],
    ["413", "no", "PANTHER_HTTP_ERROR", { kind: "status", status: 413 }],
    ["429", "no", "PANTHER_RATE_LIMITED", { kind: "status", status: 429, times: "always" }],
    ["a redirect", "no", "PANTHER_REDIRECT", { kind: "status", status: 307 }],
    ["500", "maybe", "PANTHER_SERVER_ERROR", { kind: "status", status: 500 }],
    ["502", "maybe", "PANTHER_SERVER_ERROR", { kind: "status", status: 502 }],
    ["503", "maybe", "PANTHER_SERVER_ERROR", { kind: "status", status: 503 }],
    ["504", "maybe", "PANTHER_SERVER_ERROR", { kind: "status", status: 504 }],
    ["a reset after sending", "maybe", "PANTHER_NETWORK", { kind: "reset" }],
    ["a lost answer", "maybe", "PANTHER_NETWORK", { kind: "dropAfterApply" }],
    ["a headers timeout", "maybe", "PANTHER_TIMEOUT", { kind: "delay", ms: 2500 }],
  ])("create answered with %s: applied is %s (%s)", async (_label, applied, code, fault) => {
    emulator.control.addFault({ operation: "create", ...fault });
    const error = await failure(() => client({ retry: { maxAttempts: 1 } }).createToken(body));
    expect(error).toMatchObject({ code, applied });
  });

  it("a 200 whose body cannot be read: applied is yes (the token exists)", async () => {
    emulator.control.addFault({ operation: "create", kind: "rawBody", status: 200, body: "{" });
    const error = await failure(() => client().createToken(body));
    expect(error).toMatchObject({ code: "PANTHER_INVALID_RESPONSE", applied: "yes" });
    expect(emulator.control.listTokens().filter((t) => t.name === body.name)).toHaveLength(1);
  });

  it("connection refused: applied is no", async () => {
    const server = await startLocalServer(() => undefined);
    const url = server.url;
    await server.close();
    const error = await failure(() =>
      new PantherClient({ url, apiKey: "k".repeat(40), retry: { maxAttempts: 1 } }).getToken("x"),
    );
    expect(error).toMatchObject({
      code: "PANTHER_NETWORK",
      causeCode: "ECONNREFUSED",
      applied: "no",
    });
  });

  it.each([
    ["a DNS failure", "ENOTFOUND", "no"],
    ["a DNS failure (transient)", "EAI_AGAIN", "no"],
    ["a connect timeout", "UND_ERR_CONNECT_TIMEOUT", "no"],
    ["a body timeout", "UND_ERR_BODY_TIMEOUT", "maybe"],
    ["a closed socket", "UND_ERR_SOCKET", "maybe"],
    ["an error without a code", undefined, "maybe"],
  ])("%s (%s): applied is %s", async (_label, code, applied) => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get("https://api.acme.runpanther.net")
      .intercept({ path: "/api-tokens/t1", method: "GET" })
      .replyWithError(Object.assign(new Error("failed"), code === undefined ? {} : { code }));
    const error = await failure(() =>
      new PantherClient({
        url: "https://api.acme.runpanther.net",
        apiKey: "k".repeat(40),
        retry: { maxAttempts: 1 },
        dispatcher: agent,
      }).getToken("t1"),
    );
    expect(error).toMatchObject({ applied, causeCode: code });
    await agent.close();
  });

  it("a configuration error: applied is no", () => {
    let error: unknown;
    try {
      new PantherClient({ url: "https://api.acme.runpanther.net", apiKey: " " });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "PANTHER_CONFIG", applied: "no" });
  });
});

describe("retries follow applied", () => {
  it.each<[Call, string, Action]>([
    ["create", "a 500", { kind: "status", status: 500, times: "always" }],
    ["create", "a 502", { kind: "status", status: 502, times: "always" }],
    ["create", "a 504", { kind: "status", status: 504, times: "always" }],
    ["create", "a reset after sending", { kind: "reset", times: "always" }],
    ["create", "a headers timeout", { kind: "delay", ms: 2500, times: "always" }],
    ["rotate", "a 500", { kind: "status", status: 500, times: "always" }],
    ["rotate", "a 502", { kind: "status", status: 502, times: "always" }],
    ["rotate", "a 503", { kind: "status", status: 503, times: "always" }],
    ["rotate", "a 504", { kind: "status", status: 504, times: "always" }],
    ["rotate", "a reset after sending", { kind: "reset", times: "always" }],
    ["rotate", "a lost answer", { kind: "dropAfterApply", times: "always" }],
    ["rotate", "a headers timeout", { kind: "delay", ms: 2500, times: "always" }],
    ["update", "a 502", { kind: "status", status: 502, times: "always" }],
    ["update", "a 504", { kind: "status", status: 504, times: "always" }],
    ["update", "a reset after sending", { kind: "reset", times: "always" }],
    ["update", "a lost answer", { kind: "dropAfterApply", times: "always" }],
    ["update", "a headers timeout", { kind: "delay", ms: 2500, times: "always" }],
  ])("not on POST %s: %s is sent exactly once", async (operation, _label, fault) => {
    const call = caller(operation);
    emulator.control.addFault({ operation, ...fault });
    emulator.control.resetCounters();
    const retries: string[] = [];
    const error = await failure(() => call(client({ onRetry: (e) => retries.push(e.reason) })));
    expect(error).toMatchObject({ applied: "maybe", attempts: 1 });
    expect(counts()[operation]).toBe(1);
    expect(retries).toEqual([]);
  });

  it.each<Call>(["create", "update", "rotate"])(
    "%s is repeated after a 429, which Panther refuses before doing anything",
    async (operation) => {
      const call = caller(operation);
      emulator.control.addFault({
        operation,
        times: 2,
        kind: "status",
        status: 429,
        headers: { "Retry-After": "0" },
      });
      emulator.control.resetCounters();
      await call(client());
      expect(counts()[operation]).toBe(3);
    },
  );

  it.each<Call>(["create", "rotate"])(
    "%s is repeated after a refused connection, and not after a closed socket",
    async (operation) => {
      const agent = new MockAgent();
      agent.disableNetConnect();
      const pool = agent.get("https://api.acme.runpanther.net");
      const path = operation === "create" ? "/api-tokens" : "/api-tokens/t1/rotate";
      const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      const closed = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
      pool.intercept({ path, method: "POST" }).replyWithError(refused).times(2);
      pool
        .intercept({ path, method: "POST" })
        .reply(200, tokenBody("t1", { value: "v".repeat(40) }));
      pool.intercept({ path, method: "POST" }).replyWithError(closed);
      pool
        .intercept({ path, method: "POST" })
        .reply(200, tokenBody("t1", { value: "w".repeat(40) }));
      const c = new PantherClient({
        url: "https://api.acme.runpanther.net",
        apiKey: "k".repeat(40),
        dispatcher: agent,
        clock: new FakeClock(),
      });
      const send = () => (operation === "create" ? c.createToken(body) : c.rotateToken("t1"));
      expect((await send()).value).toBe("v".repeat(40));
      const error = await failure(send);
      expect(error).toMatchObject({ causeCode: "UND_ERR_SOCKET", applied: "maybe", attempts: 1 });
      // The success after the closed socket was never asked for.
      expect(agent.pendingInterceptors()).toHaveLength(1);
      await agent.close();
    },
  );

  it.each<[Call, string, Action]>([
    ["get", "a 502", { kind: "status", status: 502 }],
    ["get", "a reset", { kind: "reset" }],
    ["list", "a 503", { kind: "status", status: 503 }],
    ["list", "a headers timeout", { kind: "delay", ms: 2500 }],
    ["delete", "a 502", { kind: "status", status: 502 }],
    ["delete", "a reset", { kind: "reset" }],
  ])("%s is repeated after %s, as before", async (operation, _label, fault) => {
    const call = caller(operation);
    emulator.control.addFault({ operation, ...fault });
    emulator.control.resetCounters();
    await call(client());
    expect(counts()[operation]).toBe(2);
  });

  it.each<[Call, number]>([
    ["get", 500],
    ["update", 500],
    ["delete", 400],
  ])("%s is not repeated after a %s", async (operation, status) => {
    const call = caller(operation);
    emulator.control.addFault({ operation, kind: "status", status });
    emulator.control.resetCounters();
    const error = await failure(() => call(client()));
    expect(error).toMatchObject({ status, attempts: 1 });
    expect(counts()[operation]).toBe(1);
  });
});

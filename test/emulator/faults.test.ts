/**
 * Injected faults, the rate limit and seeded random failures: what the
 * client sees, and whether the change was applied.
 */
import { EmulatorError, startEmulator, type Emulator } from "../../provider/emulator";
import { call, createViaApi, sleep } from "./helpers";

const NEW_TOKEN = { name: "new", permissions: ["RuleRead"] };

describe("emulator fault injection", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  it("a status fault answers 429 with Retry-After, does not apply the create, and is then used up", async () => {
    const id = emulator.control.addFault({
      operation: "create",
      kind: "status",
      status: 429,
      headers: { "Retry-After": "1" },
    });
    expect(emulator.control.pendingFaults()).toEqual([id]);
    const limited = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.json).toEqual({ message: "Too Many Requests" });
    expect(emulator.control.listTokens()).toHaveLength(1);
    expect(emulator.control.pendingFaults()).toEqual([]);

    const next = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(next.status).toBe(200);
    expect(emulator.control.listTokens()).toHaveLength(2);
  });

  it("a status fault can send an HTML 500 page, and the update is not applied", async () => {
    const target = emulator.control.createToken({ name: "before", permissions: [] }).token;
    const html = "<html><body><h1>500 Internal Server Error</h1></body></html>";
    emulator.control.addFault({
      operation: "update",
      kind: "status",
      status: 500,
      body: html,
      headers: { "Content-Type": "text/html" },
    });
    const answer = await call(emulator, "POST", `/api-tokens/${target.id}`, {
      key: emulator.adminKey,
      body: { name: "after", permissions: [] },
    });
    expect(answer.status).toBe(500);
    expect(answer.headers.get("content-type")).toBe("text/html");
    expect(answer.text).toBe(html);
    expect(emulator.control.getToken(target.id)?.name).toBe("before");
  });

  it("times, skip and operation decide which requests a fault hits", async () => {
    emulator.control.addFault({ operation: "get", kind: "status", status: 503, times: 2, skip: 1 });
    const statuses: number[] = [];
    for (let index = 0; index < 4; index++) {
      statuses.push(
        (await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey })).status,
      );
      // A list request is another operation: it neither triggers nor counts toward skip.
      expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
        200,
      );
    }
    expect(statuses).toEqual([200, 503, 503, 200]);
  });

  it('times: "always" hits every matching request until the faults are cleared', async () => {
    emulator.control.addFault({ kind: "status", status: 502, times: "always" });
    for (let index = 0; index < 5; index++) {
      expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
        502,
      );
    }
    expect(emulator.control.pendingFaults()).toHaveLength(1);
    emulator.control.clearFaults();
    expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
      200,
    );
  });

  it("tokenId limits a fault to requests about that token, with self resolved to the caller", async () => {
    const a = await createViaApi(emulator, { name: "a", permissions: [] });
    const b = await createViaApi(emulator, { name: "b", permissions: [] });
    emulator.control.addFault({
      operation: "get",
      tokenId: a.id,
      kind: "status",
      status: 504,
      times: 2,
    });
    expect(
      (await call(emulator, "GET", `/api-tokens/${b.id}`, { key: emulator.adminKey })).status,
    ).toBe(200);
    expect(
      (await call(emulator, "GET", `/api-tokens/${a.id}`, { key: emulator.adminKey })).status,
    ).toBe(504);
    expect((await call(emulator, "GET", "/api-tokens/self", { key: b.value })).status).toBe(200);
    expect((await call(emulator, "GET", "/api-tokens/self", { key: a.value })).status).toBe(504);
    expect(
      (await call(emulator, "GET", `/api-tokens/${a.id}`, { key: emulator.adminKey })).status,
    ).toBe(200);
  });

  it("a delay fault answers normally after the delay", async () => {
    emulator.control.addFault({ operation: "get", kind: "delay", ms: 250 });
    const started = Date.now();
    const answer = await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey });
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it("a delay fault trips a client timeout, and the server still applies the change", async () => {
    const target = emulator.control.createToken({ name: "before", permissions: [] }).token;
    emulator.control.addFault({ operation: "update", kind: "delay", ms: 500 });
    await expect(
      call(emulator, "POST", `/api-tokens/${target.id}`, {
        key: emulator.adminKey,
        body: { name: "after", permissions: [] },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    expect(emulator.control.getToken(target.id)?.name).toBe("before");
    const deadline = Date.now() + 2000;
    while (emulator.control.getToken(target.id)?.name !== "after" && Date.now() < deadline)
      await sleep(25);
    expect(emulator.control.getToken(target.id)?.name).toBe("after");
    expect(emulator.control.counters().byStatus).toEqual({ none: 1 });
  });

  it("dropAfterApply creates the token but never answers", async () => {
    emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
    await expect(
      call(emulator, "POST", "/api-tokens", { key: emulator.adminKey, body: NEW_TOKEN }),
    ).rejects.toThrow("fetch failed");
    const tokens = emulator.control.listTokens();
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toMatchObject({ name: "new", permissions: ["RuleRead"] });
    expect(emulator.control.counters()).toMatchObject({ requests: 1, byStatus: { none: 1 } });
  });

  it("dropAfterApply on rotate loses the new value while the old one already stopped working", async () => {
    const token = await createViaApi(emulator, { name: "t", permissions: [] });
    emulator.control.addFault({ operation: "rotate", tokenId: token.id, kind: "dropAfterApply" });
    await expect(
      call(emulator, "POST", "/api-tokens/self/rotate", { key: token.value }),
    ).rejects.toThrow();
    expect(emulator.control.authenticate(token.value)).toBeUndefined();
    expect(emulator.control.getToken(token.id)?.rotatedAt).toEqual(expect.any(String));
  });

  it("reset destroys the connection before anything is applied", async () => {
    const target = emulator.control.createToken({ name: "kept", permissions: [] }).token;
    emulator.control.addFault({ operation: "create", kind: "reset" });
    emulator.control.addFault({ operation: "delete", kind: "reset" });
    await expect(
      call(emulator, "POST", "/api-tokens", { key: emulator.adminKey, body: NEW_TOKEN }),
    ).rejects.toThrow("fetch failed");
    await expect(
      call(emulator, "DELETE", `/api-tokens/${target.id}`, { key: emulator.adminKey }),
    ).rejects.toThrow();
    expect(emulator.control.listTokens().map((token) => token.name)).toEqual([
      "emulator-admin",
      "kept",
    ]);
    expect(emulator.control.counters()).toMatchObject({ requests: 2, byStatus: { none: 2 } });
  });

  it("rawBody applies the change, then answers with the given bytes", async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "rawBody",
      status: 200,
      body: '{"id": "trunc',
    });
    const truncated = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(truncated.status).toBe(200);
    expect(truncated.headers.get("content-type")).toBe("application/json");
    expect(truncated.text).toBe('{"id": "trunc');
    expect(emulator.control.listTokens()).toHaveLength(2);

    emulator.control.addFault({
      operation: "list",
      kind: "rawBody",
      status: 200,
      body: "<html>gateway</html>",
      contentType: "text/html",
    });
    const html = await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
    expect(html.headers.get("content-type")).toBe("text/html");
    expect(html.text).toBe("<html>gateway</html>");
  });

  it("refuses a malformed fault at addFault instead of never matching", () => {
    const bad: unknown[] = [
      { kind: "status", status: 99 },
      { kind: "explode" },
      { kind: "reset", times: 0 },
      { kind: "reset", operation: "patch" },
      { kind: "delay", ms: -1 },
      { kind: "status", status: 503, headers: { "Bad Header": "x" } },
    ];
    for (const fault of bad) {
      expect(() => emulator.control.addFault(fault as never)).toThrow(EmulatorError);
    }
    expect(emulator.control.pendingFaults()).toEqual([]);
  });
});

describe("emulator rate limit", () => {
  it("answers 429 with Retry-After once the burst is spent, applies nothing, and refills over time", async () => {
    const emulator = await startEmulator();
    try {
      // One token per 2 s: the three requests below surely come faster than that.
      emulator.control.setRateLimit({ requestsPerSecond: 0.5, burst: 2, retryAfterSeconds: 7 });
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof call>> | undefined;
      for (let index = 0; index < 3; index++) {
        const answer = await call(emulator, "POST", "/api-tokens", {
          key: emulator.adminKey,
          body: NEW_TOKEN,
        });
        statuses.push(answer.status);
        if (answer.status === 429) limited = answer;
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(limited?.headers.get("retry-after")).toBe("7");
      expect(limited?.json).toEqual({ message: "rate limit exceeded" });
      expect(emulator.control.listTokens()).toHaveLength(3);

      // With a burst of 1 the first request empties the bucket; only a refill lets the second through.
      emulator.control.setRateLimit({ requestsPerSecond: 5, burst: 1, retryAfterSeconds: 1 });
      const get = async (): Promise<number> =>
        (await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status;
      expect(await get()).toBe(200);
      await sleep(300);
      expect(await get()).toBe(200);

      emulator.control.setRateLimit(null);
      for (let index = 0; index < 5; index++) {
        expect(
          (await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status,
        ).toBe(200);
      }
      expect(() => {
        emulator.control.setRateLimit({ requestsPerSecond: 0, burst: 1, retryAfterSeconds: 1 });
      }).toThrow(EmulatorError);
    } finally {
      await emulator.close();
    }
  });
});

describe("emulator random failures", () => {
  async function statusesOf(
    seed: number,
    count: number,
  ): Promise<{ statuses: number[]; tokens: number }> {
    const emulator = await startEmulator();
    try {
      emulator.control.setRandomFailures({ rate: 0.5, statuses: [502, 503], seed });
      const statuses: number[] = [];
      for (let index = 0; index < count; index++) {
        const answer = await call(emulator, "POST", "/api-tokens", {
          key: emulator.adminKey,
          body: { name: `t${index}`, permissions: [] },
        });
        statuses.push(answer.status);
        if (answer.status !== 200) {
          expect(answer.json).toEqual({
            message: expect.stringMatching(/ \(injected\)$/) as unknown,
          });
        }
      }
      return { statuses, tokens: emulator.control.listTokens().length };
    } finally {
      await emulator.close();
    }
  }

  it("the same seed fails the same requests, and failed creates are not applied", async () => {
    const first = await statusesOf(7, 40);
    const second = await statusesOf(7, 40);
    const other = await statusesOf(8, 40);
    expect(second.statuses).toEqual(first.statuses);
    expect(other.statuses).not.toEqual(first.statuses);
    expect(new Set(first.statuses)).toEqual(new Set([200, 502, 503]));
    const successes = first.statuses.filter((status) => status === 200).length;
    expect(successes).toBeGreaterThan(8);
    expect(successes).toBeLessThan(32);
    expect(first.tokens).toBe(1 + successes);
  });

  it("rate 1 fails every request and rate 0 none; null turns failures off", async () => {
    const emulator = await startEmulator();
    try {
      emulator.control.setRandomFailures({ rate: 1, statuses: [500], seed: 1 });
      for (let index = 0; index < 5; index++) {
        const answer = await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
        expect(answer.status).toBe(500);
        expect(answer.json).toEqual({ message: "Internal Server Error (injected)" });
      }
      emulator.control.setRandomFailures({ rate: 0, statuses: [500], seed: 1 });
      expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
        200,
      );
      emulator.control.setRandomFailures(null);
      expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
        200,
      );
      expect(emulator.control.counters().byStatus).toEqual({ "200": 2, "500": 5 });
    } finally {
      await emulator.close();
    }
  });
});

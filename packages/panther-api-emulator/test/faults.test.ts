/**
 * Injected faults: what the client sees, and whether the change was applied.
 */
import { EmulatorError, startEmulator, type Emulator } from "../src";
import { call, createViaApi, sleep } from "./helpers";

const NEW_TOKEN = { name: "new", permissions: ["RuleRead"] };

describe("emulator fault injection", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  it("a status fault answers 429 with Retry-After, does not apply the create, and is then used up", async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "status",
      status: 429,
      headers: { "Retry-After": "1" },
    });
    const limited = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.json).toEqual({ message: "Too Many Requests" });
    expect(emulator.control.listTokens()).toHaveLength(1);

    // Used up: the next create is answered and applied normally.
    const next = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(next.status).toBe(200);
    expect(emulator.control.listTokens()).toHaveLength(2);
    expect(emulator.control.counters()).toMatchObject({
      requests: 2,
      byOperation: { create: 2 },
      byStatus: { "200": 1, "429": 1 },
    });
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
    emulator.control.clearFaults();
    expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
      200,
    );
    expect(emulator.control.counters().byStatus).toEqual({ "200": 1, "502": 5 });
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

  it("refuses a malformed fault at addFault instead of never matching", async () => {
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
    // None was added: as many requests as refused faults are all answered normally.
    for (let index = 0; index < bad.length; index++) {
      expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
        200,
      );
    }
    expect(emulator.control.counters()).toMatchObject({
      requests: bad.length,
      byStatus: { "200": bad.length },
    });
  });
});

/**
 * Late landings behind a gateway: the client is answered (504, a reset, or
 * nothing) without the request being applied, and the request is applied
 * later, as Panther would if the gateway delivered it late.
 */
import { CONTROL_HEADER, EmulatorError, startEmulator, type Emulator } from "../src";
import { call, waitFor } from "./helpers";

const NEW_TOKEN = { name: "late", permissions: ["RuleRead"] };
const ZERO = { create: 0, list: 0, get: 0, update: 0, delete: 0, rotate: 0, other: 0 };

describe("lateLanding faults", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  const names = (): string[] => emulator.control.listTokens().map((token) => token.name);

  it("answers 504 without applying, then applies the create applyAfterMs later", async () => {
    emulator.control.addFault({ operation: "create", kind: "lateLanding", applyAfterMs: 200 });
    const started = Date.now();
    const answer = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(answer.status).toBe(504);
    expect(answer.json).toEqual({ message: "Gateway Timeout" });
    expect(names()).toEqual(["emulator-admin"]);
    expect(emulator.control.counters().lateApplied.create).toBe(0);

    await waitFor(() => emulator.control.counters().lateApplied.create === 1, "the landing");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(names()).toEqual(["emulator-admin", "late"]);
    expect(emulator.control.counters()).toMatchObject({
      requests: 1,
      byStatus: { "504": 1 },
      lateApplied: { ...ZERO, create: 1 },
    });
    expect(emulator.control.recentRequests()[0]?.lateAppliedStatus).toBe(200);
  });

  it("answers any 5xx given as status", async () => {
    emulator.control.addFault({ kind: "lateLanding", status: 502, applyAfterMs: 60_000 });
    const answer = await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
    expect([answer.status, answer.json]).toEqual([502, { message: "Bad Gateway" }]);
  });

  it("landings apply in the order they fall due, not the order they arrived", async () => {
    const target = emulator.control.createToken({ name: "start", permissions: [] }).token;
    // Far enough apart that the second request, sent after the first is answered, is due first.
    emulator.control.addFault({ operation: "update", kind: "lateLanding", applyAfterMs: 300 });
    emulator.control.addFault({ operation: "update", kind: "lateLanding", applyAfterMs: 80 });
    for (const name of ["due-second", "due-first"]) {
      const answer = await call(emulator, "POST", `/api-tokens/${target.id}`, {
        key: emulator.adminKey,
        body: { name, permissions: [] },
      });
      expect(answer.status).toBe(504);
    }
    expect(emulator.control.getToken(target.id)?.name).toBe("start");
    await waitFor(() => emulator.control.counters().lateApplied.update === 2, "both landings");
    // Landed in due order: the 80 ms one first, then the 300 ms one.
    expect(emulator.control.getToken(target.id)?.name).toBe("due-second");
    expect(emulator.control.counters().lateApplied.update).toBe(2);
  });

  it("a late landing added over the control API answers 504 and lands later", async () => {
    const admin = { [CONTROL_HEADER]: emulator.adminKey };
    const fault = await call(emulator, "POST", "/_emulator/faults", {
      headers: admin,
      body: { operation: "create", kind: "lateLanding", answer: "status", applyAfterMs: 50 },
    });
    expect(fault.status).toBe(200);
    const answer = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    });
    expect(answer.status).toBe(504);
    await waitFor(() => emulator.control.counters().lateApplied.create === 1, "the landing");
    expect(names()).toEqual(["emulator-admin", "late"]);
  });

  it('answer "reset" resets the connection, and the request still lands', async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "lateLanding",
      answer: "reset",
      applyAfterMs: 100,
    });
    await expect(
      call(emulator, "POST", "/api-tokens", { key: emulator.adminKey, body: NEW_TOKEN }),
    ).rejects.toThrow("fetch failed");
    expect(names()).toEqual(["emulator-admin"]);
    await waitFor(() => emulator.control.counters().lateApplied.create === 1, "the landing");
    expect(names()).toEqual(["emulator-admin", "late"]);
    expect(emulator.control.counters()).toMatchObject({ requests: 1, byStatus: { none: 1 } });
  });

  it('answer "hang" answers nothing; a client that gives up is counted, and the request lands later', async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "lateLanding",
      answer: "hang",
      // Well after the client below gives up.
      applyAfterMs: 250,
    });
    await expect(
      call(emulator, "POST", "/api-tokens", {
        key: emulator.adminKey,
        body: NEW_TOKEN,
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    await waitFor(() => emulator.control.counters().byStatus["none"] === 1, "the client to close");
    expect(names()).toEqual(["emulator-admin"]);
    await waitFor(() => emulator.control.counters().lateApplied.create === 1, "the landing");
    expect(names()).toEqual(["emulator-admin", "late"]);
    expect(emulator.control.counters().byStatus).toEqual({ none: 1 });
  });

  it('answer "hang" closes the connection once the request has landed', async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "lateLanding",
      answer: "hang",
      applyAfterMs: 200,
    });
    const started = Date.now();
    const tokensWhenClosed = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    }).then(
      () => "answered",
      () => names(),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(tokensWhenClosed).toEqual(["emulator-admin", "late"]);
    expect(emulator.control.counters()).toMatchObject({
      byStatus: { none: 1 },
      lateApplied: { ...ZERO, create: 1 },
    });
  });

  it("a landing is checked when it lands: a key rotated away meanwhile gets 401 and changes nothing", async () => {
    const deployer = emulator.control.createToken({
      name: "deployer",
      permissions: ["OrganizationAPITokenModify"],
    });
    emulator.control.addFault({ operation: "create", kind: "lateLanding", applyAfterMs: 100 });
    await call(emulator, "POST", "/api-tokens", { key: deployer.value, body: NEW_TOKEN });
    emulator.control.rotateToken(deployer.token.id);
    await waitFor(() => emulator.control.counters().lateApplied.create === 1, "the landing");
    expect(names()).toEqual(["emulator-admin", "deployer"]);
    expect(emulator.control.counters().lateApplied.create).toBe(1);
    expect(emulator.control.recentRequests()[0]?.lateAppliedStatus).toBe(401);
  });

  it("refuses a malformed late landing at addFault", async () => {
    const bad: unknown[] = [
      { kind: "lateLanding" },
      { kind: "lateLanding", applyAfterMs: -1 },
      { kind: "lateLanding", applyAfterMs: 86_400_001 },
      { kind: "lateLanding", applyAfterMs: 10, status: 404 },
      { kind: "lateLanding", applyAfterMs: 10, status: 600 },
      { kind: "lateLanding", applyAfterMs: 10, answer: "reset", status: 502 },
      { kind: "lateLanding", applyAfterMs: 10, answer: "explode" },
    ];
    for (const fault of bad) {
      expect(() => emulator.control.addFault(fault as never)).toThrow(EmulatorError);
    }
    // None was added: as many creates as refused faults are all answered and applied at once.
    for (let index = 0; index < bad.length; index++) {
      const answer = await call(emulator, "POST", "/api-tokens", {
        key: emulator.adminKey,
        body: NEW_TOKEN,
      });
      expect(answer.status).toBe(200);
    }
    expect(names()).toHaveLength(1 + bad.length);
    expect(emulator.control.counters()).toMatchObject({
      requests: bad.length,
      byStatus: { "200": bad.length },
      lateApplied: ZERO,
    });
  });
});

describe("lateLanding and close", () => {
  it("close cancels pending landings: nothing lands afterwards", async () => {
    const emulator = await startEmulator();
    emulator.control.addFault({ operation: "create", kind: "lateLanding", applyAfterMs: 100 });
    emulator.control.addFault({
      operation: "create",
      kind: "lateLanding",
      answer: "hang",
      applyAfterMs: 100,
    });
    await call(emulator, "POST", "/api-tokens", { key: emulator.adminKey, body: NEW_TOKEN });
    const hanging = call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: NEW_TOKEN,
    }).then(
      () => "answered",
      () => "failed",
    );
    await waitFor(
      () => emulator.control.counters().byOperation.create === 2,
      "both requests to arrive",
    );
    await emulator.close();
    expect(await hanging).toBe("failed");
    // Both were due 100 ms after arriving; well past that, neither has landed.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(emulator.control.listTokens()).toHaveLength(1);
    expect(emulator.control.counters().lateApplied.create).toBe(0);
  });
});

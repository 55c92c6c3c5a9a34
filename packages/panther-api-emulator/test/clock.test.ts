/**
 * A Panther whose clock disagrees with ours: `clockOffsetMs` moves every
 * stamp and the `Date` header, `dateHeaderSkewMs` the header only, both
 * changeable at run time; propagation delays keep measuring real time.
 */
import {
  CONTROL_HEADER,
  createEmulatorCore,
  EmulatorError,
  startEmulator,
  type Emulator,
} from "../src";
import { asToken, call, headerValues, rawCall } from "./helpers";

const HOUR = 3_600_000;

/** Milliseconds between a stamp or HTTP date and `expected`, for tolerant real-time checks. */
function distance(text: string, expected: number): number {
  return Math.abs(Date.parse(text) - expected);
}

describe("emulator clock over HTTP", () => {
  let emulator: Emulator;
  afterEach(() => emulator.close());

  it("clockOffsetMs moves every stamp and the single Date header", async () => {
    emulator = await startEmulator({ clockOffsetMs: -2 * HOUR });
    const created = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: { name: "t", permissions: [] },
    });
    const token = asToken(created.json);
    const expected = Date.now() - 2 * HOUR;
    expect(distance(token["createdAt"] as string, expected)).toBeLessThan(5000);
    expect(distance(created.headers.get("date") ?? "", expected)).toBeLessThan(5000);

    const rotated = await call(emulator, "POST", `/api-tokens/${token.id}/rotate`, {
      key: emulator.adminKey,
    });
    const value = asToken(rotated.json)["value"] as string;
    await call(emulator, "GET", "/api-tokens/self", { key: value });
    const stored = emulator.control.getToken(token.id);
    for (const stamp of [stored?.updatedAt, stored?.rotatedAt, stored?.lastUsedAt]) {
      expect(distance(stamp ?? "", Date.now() - 2 * HOUR)).toBeLessThan(5000);
    }
    const [recorded] = emulator.control.recentRequests();
    expect(distance(recorded?.receivedAt ?? "", Date.now() - 2 * HOUR)).toBeLessThan(5000);

    // Node's own Date header would say the real time; there must be one header, ours.
    const raw = await rawCall(emulator, "GET", "/api-tokens/self", {
      "x-api-key": emulator.adminKey,
    });
    const dates = headerValues(raw.rawHeaders, "date");
    expect(dates).toHaveLength(1);
    expect(distance(dates[0] ?? "", Date.now() - 2 * HOUR)).toBeLessThan(5000);
  });

  it("dateHeaderSkewMs moves only the Date header, on every kind of answer", async () => {
    emulator = await startEmulator({ dateHeaderSkewMs: 90_000 });
    emulator.control.addFault({ operation: "list", kind: "status", status: 503 });
    const created = emulator.control.createToken({ name: "t", permissions: [] }).token;
    expect(distance(created.createdAt, Date.now())).toBeLessThan(5000);

    const answers = [
      await rawCall(emulator, "GET", "/api-tokens/self", { "x-api-key": emulator.adminKey }),
      await rawCall(emulator, "GET", "/api-tokens/self"),
      await rawCall(emulator, "GET", "/api-tokens", { "x-api-key": emulator.adminKey }),
      await rawCall(emulator, "DELETE", `/api-tokens/${created.id}`, {
        "x-api-key": emulator.adminKey,
      }),
      await rawCall(emulator, "GET", "/_emulator/counters", {
        [CONTROL_HEADER]: emulator.adminKey,
      }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 401, 503, 204, 200]);
    for (const answer of answers) {
      const dates = headerValues(answer.rawHeaders, "date");
      expect(dates).toHaveLength(1);
      expect(distance(dates[0] ?? "", Date.now() + 90_000)).toBeLessThan(5000);
    }
  });

  it("setClock changes later stamps and headers, in-process and over the control API", async () => {
    emulator = await startEmulator();
    emulator.control.setClock({ offsetMs: 6 * HOUR });
    const ahead = emulator.control.createToken({ name: "ahead", permissions: [] }).token;
    expect(distance(ahead.createdAt, Date.now() + 6 * HOUR)).toBeLessThan(5000);

    const put = await call(emulator, "PUT", "/_emulator/clock", {
      headers: { [CONTROL_HEADER]: emulator.adminKey },
      body: { offsetMs: -HOUR, dateHeaderSkewMs: -30_000 },
    });
    expect(put.status).toBe(204);
    const answer = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: { name: "behind", permissions: [] },
    });
    expect(distance(asToken(answer.json)["createdAt"] as string, Date.now() - HOUR)).toBeLessThan(
      5000,
    );
    expect(distance(answer.headers.get("date") ?? "", Date.now() - HOUR - 30_000)).toBeLessThan(
      5000,
    );
    // The earlier token keeps the stamp it was written with.
    expect(emulator.control.getToken(ahead.id)?.createdAt).toBe(ahead.createdAt);

    const bad = await call(emulator, "PUT", "/_emulator/clock", {
      headers: { [CONTROL_HEADER]: emulator.adminKey },
      body: { offsetMs: 25 * HOUR },
    });
    expect([bad.status, bad.json]).toEqual([
      400,
      { message: "offsetMs must be a number of milliseconds from -86400000 to 86400000" },
    ]);
  });
});

describe("emulator clock on a virtual base clock", () => {
  const T0 = Date.parse("2030-06-01T12:00:00.000Z");

  it("stamps and the Date header are exactly base + offset (+ skew for the header)", () => {
    let now = T0;
    const core = createEmulatorCore({
      now: () => now,
      clockOffsetMs: -45_000,
      dateHeaderSkewMs: 2_000,
    });
    const answer = core.handle({
      method: "POST",
      path: "/api-tokens",
      headers: { "x-api-key": core.adminKey },
      body: JSON.stringify({ name: "t", permissions: [] }),
    });
    expect(answer.status).toBe(200);
    const token = asToken(JSON.parse(answer.body));
    expect(token["createdAt"]).toBe("2030-06-01T11:59:15.000Z");
    expect(answer.headers["date"]).toBe("Sat, 01 Jun 2030 11:59:17 GMT");

    now += 10_000;
    core.control.setClock({ dateHeaderSkewMs: 0 });
    const get = core.handle({
      method: "GET",
      path: `/api-tokens/${token.id}`,
      headers: { "x-api-key": core.adminKey },
      body: "",
    });
    expect(get.headers["date"]).toBe("Sat, 01 Jun 2030 11:59:25 GMT");
    expect(core.control.getToken(core.adminTokenId)?.lastUsedAt).toBe("2030-06-01T11:59:25.000Z");
  });

  it("a changed offset neither shortens nor lengthens a propagation delay", () => {
    let now = T0;
    const core = createEmulatorCore({ now: () => now, propagationDelayMs: 1000 });
    const { value } = core.control.createToken({ name: "slow", permissions: [] });
    const self = (): number =>
      core.handle({
        method: "GET",
        path: "/api-tokens/self",
        headers: { "x-api-key": value },
        body: "",
      }).status;
    core.control.setClock({ offsetMs: HOUR });
    now += 999;
    expect(self()).toBe(401);
    core.control.setClock({ offsetMs: -HOUR });
    now += 1;
    expect(self()).toBe(200);
  });

  it("refuses offsets beyond 24 hours or not numbers, changing nothing", () => {
    for (const options of [
      { clockOffsetMs: 86_400_001 },
      { clockOffsetMs: Number.NaN },
      { dateHeaderSkewMs: -86_400_001 },
    ]) {
      expect(() => createEmulatorCore(options)).toThrow(
        expect.objectContaining({ code: "EMULATOR_INVALID_OPTION" }) as Error,
      );
    }
    const now = T0;
    const core = createEmulatorCore({ now: () => now, clockOffsetMs: 1000 });
    expect(() => {
      core.control.setClock({ offsetMs: 0, dateHeaderSkewMs: Infinity });
    }).toThrow(EmulatorError);
    // Neither field changed: the valid offsetMs beside the bad skew was not applied.
    expect(core.control.createToken({ name: "t", permissions: [] }).token.createdAt).toBe(
      new Date(T0 + 1000).toISOString(),
    );
  });
});

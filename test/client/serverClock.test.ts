import { PantherClient } from "../../provider/client/client";
import { closeAllPools } from "../../provider/client/pool";
import { ServerClock, parseHttpDate } from "../../provider/client/serverClock";
import { startEmulator } from "pulumi-panther-emulator";
import { FakeClock, failure, send, startLocalServer, tokenBody } from "./helpers";

afterAll(async () => {
  await closeAllPools();
});

const MINUTES_15 = 15 * 60_000;
const httpDate = (ms: number): string => new Date(ms).toUTCString();

describe("ServerClock", () => {
  it("knows nothing before the first Date header", () => {
    const clock = new ServerClock(() => 1_700_000_000_000);
    expect(clock.offset()).toBeUndefined();
    expect(clock.toPanther(1_700_000_000_000)).toBeUndefined();
    expect(clock.now()).toBeUndefined();
  });

  it("bounds a Panther clock 15 minutes ahead", () => {
    const clock = new ServerClock();
    // Sent at …250, received at …550; Panther stamped its answer at …350 + 15 min, in whole seconds.
    clock.observe(httpDate(1_700_000_900_000), 1_700_000_000_250, 1_700_000_000_550);
    expect(clock.offset()).toEqual({ low: 899_450, high: 900_750 });
  });

  it("bounds a Panther clock 15 minutes behind", () => {
    const clock = new ServerClock();
    clock.observe(
      httpDate(1_700_000_000_350 - MINUTES_15 - 350),
      1_700_000_000_250,
      1_700_000_000_550,
    );
    expect(clock.offset()).toEqual({ low: -900_550, high: -899_250 });
  });

  it("tightens with every response and converts local times into Panther's", () => {
    const clock = new ServerClock(() => 1_700_000_000_000);
    clock.observe(httpDate(1_700_000_900_000), 1_700_000_000_250, 1_700_000_000_550);
    clock.observe(httpDate(1_700_000_910_000), 1_700_000_010_700, 1_700_000_010_800);
    expect(clock.offset()).toEqual({ low: 899_450, high: 900_300 });
    expect(clock.toPanther(1_700_000_000_000)).toEqual({
      earliest: 1_700_000_899_450,
      latest: 1_700_000_900_300,
    });
    expect(clock.now()).toEqual({ earliest: 1_700_000_899_450, latest: 1_700_000_900_300 });
    // A looser interval that still agrees changes nothing.
    clock.observe(httpDate(1_700_000_920_000), 1_700_000_019_000, 1_700_000_021_000);
    expect(clock.offset()).toEqual({ low: 899_450, high: 900_300 });
  });

  it("starts again when an interval disagrees (a clock jump, another server)", () => {
    const clock = new ServerClock();
    clock.observe(httpDate(1_700_000_900_000), 1_700_000_000_250, 1_700_000_000_550);
    // Panther's clock is now an hour ahead.
    clock.observe(httpDate(1_700_003_620_000), 1_700_000_020_000, 1_700_000_020_100);
    expect(clock.offset()).toEqual({ low: 3_599_900, high: 3_601_000 });
    // Intervals that only touch do not intersect either: (3 601 000, 3 602 500) follows.
    clock.observe(httpDate(1_700_003_640_000), 1_700_000_038_500, 1_700_000_039_000);
    expect(clock.offset()).toEqual({ low: 3_601_000, high: 3_602_500 });
  });

  it("ignores a missing or unreadable Date header and impossible stamps", () => {
    const clock = new ServerClock();
    for (const header of [
      undefined,
      "",
      "yesterday",
      "0",
      "1700000000",
      "2023-11-14T22:28:20Z",
      "Tue, 14 Nov 2023 22:28:20",
      "Tue, 14 Nov 2023 22:28:20 PST",
      "Sunday, 06-Nov-94 08:49:37 GMT",
    ]) {
      clock.observe(header, 1_700_000_000_000, 1_700_000_000_100);
    }
    expect(clock.offset()).toBeUndefined();
    clock.observe(httpDate(1_700_000_000_000), 1_700_000_000_100, 1_700_000_000_000);
    clock.observe(httpDate(1_700_000_000_000), Number.NaN, 1_700_000_000_000);
    expect(clock.offset()).toBeUndefined();
    clock.observe(httpDate(1_700_000_900_000), 1_700_000_000_250, 1_700_000_000_550);
    clock.observe("garbage", 1_700_000_000_250, 1_700_000_000_550);
    expect(clock.offset()).toEqual({ low: 899_450, high: 900_750 });
  });

  it("reads IMF-fixdate only", () => {
    expect(parseHttpDate("Tue, 14 Nov 2023 22:28:20 GMT")).toBe(1_700_000_900_000);
    expect(parseHttpDate(" Tue, 14 Nov 2023 22:28:20 GMT ")).toBe(1_700_000_900_000);
    expect(parseHttpDate("Tue, 14 Nov 2023 22:28:20 UTC")).toBeUndefined();
  });
});

describe("the client's clock", () => {
  it("learns from every response, errors included, with the client's own clock for the stamps", async () => {
    let date = 1_700_000_900_000;
    let status = 200;
    const server = await startLocalServer((_request, response) => {
      response.sendDate = false;
      send(response, status, status === 200 ? tokenBody("t1") : { message: "no such token" }, {
        Date: httpDate(date),
      });
    });
    const fake = new FakeClock(1_700_000_000_000);
    const client = new PantherClient({ url: server.url, apiKey: "k".repeat(40), clock: fake });
    expect(client.pantherClock.offset()).toBeUndefined();

    await client.getToken("t1");
    // The fake clock did not move between send and receive: the interval is the header's second.
    expect(client.pantherClock.offset()).toEqual({ low: 900_000, high: 901_000 });
    expect(client.pantherClock.now()).toEqual({
      earliest: 1_700_000_900_000,
      latest: 1_700_000_901_000,
    });

    fake.time += 10_250;
    date = 1_700_000_910_000;
    status = 404;
    await failure(() => client.getToken("t2"));
    expect(client.pantherClock.offset()).toEqual({ low: 900_000, high: 900_750 });
    expect(server.requests).toHaveLength(2);

    await server.close();
    await failure(() => client.getToken("t3"));
    expect(client.pantherClock.offset()).toEqual({ low: 900_000, high: 900_750 });
  });

  it("with real time, finds the emulator's clock to be ours", async () => {
    const emulator = await startEmulator();
    try {
      const client = new PantherClient({ url: emulator.url, apiKey: emulator.adminKey });
      const before = Date.now();
      await client.getToken("self");
      await client.getToken("self");
      const elapsed = Date.now() - before;
      const offset = client.pantherClock.offset();
      expect(offset).toBeDefined();
      expect(offset?.low).toBeLessThanOrEqual(0);
      expect(offset?.high).toBeGreaterThan(0);
      expect((offset?.high ?? 0) - (offset?.low ?? 0)).toBeLessThanOrEqual(1000 + elapsed);
    } finally {
      await emulator.close();
    }
  });
});

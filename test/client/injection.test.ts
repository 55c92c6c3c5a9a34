/** The injectable clock and dispatcher that make fault tests deterministic. */
import { Agent, type Dispatcher } from "undici";
import { PantherClient } from "../../provider/client/client";
import { closeAllPools } from "../../provider/client/pool";
import { startEmulator, type Emulator } from "pulumi-panther-emulator";
import { FakeClock, failure } from "./helpers";

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

const counts = () => emulator.control.counters().byOperation;

describe("clock", () => {
  it("makes a 5-attempt backoff cost no wall time", async () => {
    emulator.control.addFault({ operation: "get", times: "always", kind: "status", status: 503 });
    emulator.control.resetCounters();
    const clock = new FakeClock();
    const started = Date.now();
    const error = await failure(() =>
      new PantherClient({
        url: emulator.url,
        apiKey: emulator.adminKey,
        retry: { baseDelayMs: 10_000, maxDelayMs: 60_000, maxElapsedMs: 600_000 },
        random: () => 0.5,
        clock,
      }).getToken("self"),
    );
    expect(error).toMatchObject({ code: "PANTHER_SERVER_ERROR", attempts: 5 });
    expect(counts().get).toBe(5);
    // Half of each jitter window: 10 s, 20 s, 40 s, then the 60 s cap.
    expect(clock.slept).toEqual([5_000, 10_000, 20_000, 30_000]);
    expect(clock.now() - 1_700_000_000_000).toBe(65_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("is what the total time budget is measured with", async () => {
    emulator.control.addFault({ operation: "get", times: "always", kind: "status", status: 503 });
    emulator.control.resetCounters();
    const clock = new FakeClock();
    await failure(() =>
      new PantherClient({
        url: emulator.url,
        apiKey: emulator.adminKey,
        retry: { baseDelayMs: 10_000, maxDelayMs: 60_000, maxElapsedMs: 25_000 },
        random: () => 0.5,
        clock,
      }).getToken("self"),
    );
    // 5 s + 10 s fit in 25 s; the third wait (20 s) would end at 35 s. Real time would allow it.
    expect(clock.slept).toEqual([5_000, 10_000]);
    expect(counts().get).toBe(3);
  });
});

describe("dispatcher", () => {
  class RecordingAgent extends Agent {
    readonly seen: string[] = [];
    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      this.seen.push(`${options.method} ${options.path}`);
      return super.dispatch(options, handler);
    }
  }

  it("receives every request instead of the shared pool", async () => {
    const agent = new RecordingAgent();
    emulator.control.addFault({ operation: "get", kind: "status", status: 502 });
    emulator.control.resetCounters();
    const client = new PantherClient({
      url: `${emulator.url}/public/graphql`,
      apiKey: emulator.adminKey,
      retry: { baseDelayMs: 1 },
      dispatcher: agent,
    });
    expect((await client.getToken("self")).id).toBe(emulator.adminTokenId);
    await client.deleteToken(emulator.control.createToken({ name: "x", permissions: [] }).token.id);
    expect(agent.seen).toEqual([
      "GET /api-tokens/self",
      "GET /api-tokens/self",
      expect.stringMatching(/^DELETE \/api-tokens\/[0-9a-f-]+$/) as string,
    ]);
    expect(counts()).toMatchObject({ get: 2, delete: 1 });
    await agent.close();
  });
});

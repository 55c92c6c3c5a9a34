/**
 * 100 tokens in one stack, applied with the engine's default parallelism
 * against a Panther that rate-limits (429 with Retry-After) and fails a share
 * of requests with 5xx. Bounded: 100 tokens, one up and one destroy.
 */
import { defaultParallelism } from "../support/engine";
import { TestStack, type TokenDecl } from "./stack";

const COUNT = 100;
const decls: TokenDecl[] = Array.from({ length: COUNT }, (_, i) => ({
  name: `svc-${String(i).padStart(3, "0")}`,
  args: { name: `svc-${String(i).padStart(3, "0")}`, permissions: ["AlertRead", "RuleRead"] },
}));

jest.setTimeout(180_000);

it("100 tokens under rate limiting and 5xx: everything completes, near the minimum request count, on reused connections", async () => {
  // Idle connections kept 60 s, as load-balancers in front of APIs commonly do: a client that
  // reuses connections then opens no more than its parallelism.
  const stack = await TestStack.start({ emulator: { pageSize: 50, keepAliveTimeoutMs: 60_000 } });
  try {
    const control = stack.emulator.control;
    control.setRateLimit({ requestsPerSecond: 60, burst: 20, retryAfterSeconds: 1 });
    control.setRandomFailures({ rate: 0.1, statuses: [502, 503, 504], seed: 20261122 });
    control.resetCounters();
    const started = Date.now();

    const up = await stack.up(decls);
    const upSeconds = (Date.now() - started) / 1000;
    expect(up.result.errors).toEqual([]);
    expect(up.result.ok).toBe(true);
    expect(stack.engine.state()).toHaveLength(COUNT);
    const live = control.listTokens().filter((t) => t.name.startsWith("svc-"));
    expect(live).toHaveLength(COUNT); // no duplicate from a retried or reconciled create
    for (const resource of stack.engine.state()) {
      expect(control.authenticate(String(resource.outputs["value"]))).toBe(resource.id);
    }
    const upCounts = control.counters();
    const refused =
      (upCounts.byStatus["429"] ?? 0) +
      (upCounts.byStatus["502"] ?? 0) +
      (upCounts.byStatus["503"] ?? 0) +
      (upCounts.byStatus["504"] ?? 0);
    // Beyond the 100 creates, only refused requests repeated and the listings
    // that reconcile creates answered with a 5xx; in all, under twice the minimum.
    expect(upCounts.requests).toBeLessThanOrEqual(COUNT + refused + upCounts.byOperation.list);
    expect(upCounts.requests).toBeLessThan(2 * COUNT);
    expect(upCounts.connections).toBeLessThanOrEqual(defaultParallelism() + 4);

    control.resetCounters();
    const destroy = await stack.destroy();
    expect(destroy.result.ok).toBe(true);
    expect(control.listTokens().filter((t) => t.name.startsWith("svc-"))).toHaveLength(0);
    const downCounts = control.counters();
    const downRefused =
      (downCounts.byStatus["429"] ?? 0) +
      (downCounts.byStatus["502"] ?? 0) +
      (downCounts.byStatus["503"] ?? 0) +
      (downCounts.byStatus["504"] ?? 0);
    expect(downCounts.requests).toBe(COUNT + downRefused);
    expect(downCounts.connections).toBeLessThanOrEqual(defaultParallelism() + 4);

    console.log(
      `load: up ${upSeconds.toFixed(1)} s, ${upCounts.requests} requests (${refused} refused), ` +
        `${upCounts.connections} connections; destroy ${downCounts.requests} requests (${downRefused} refused)`,
    );
  } finally {
    await stack.close();
  }
});

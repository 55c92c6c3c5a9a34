/** The Panther API calls of a step, as the emulator counted them, and how they are shown. */
import type { EmulatorCounters } from "pulumi-panther-emulator";

export type Operation = keyof EmulatorCounters["byOperation"];
export type Calls = Partial<Record<Operation, number>>;

export const API_ROUTE: Record<Operation, string> = {
  create: "POST   /api-tokens",
  list: "GET    /api-tokens",
  get: "GET    /api-tokens/{id}",
  update: "POST   /api-tokens/{id}",
  rotate: "POST   /api-tokens/{id}/rotate",
  delete: "DELETE /api-tokens/{id}",
  other: "(no such route)",
};

export function callsBetween(before: EmulatorCounters, after: EmulatorCounters): Calls {
  const out: Calls = {};
  for (const operation of Object.keys(API_ROUTE) as Operation[]) {
    const n = after.byOperation[operation] - before.byOperation[operation];
    if (n > 0) out[operation] = n;
  }
  return out;
}

export function callLines(
  calls: Calls,
  before: EmulatorCounters,
  after: EmulatorCounters,
): string[] {
  const lines = (Object.keys(API_ROUTE) as Operation[])
    .filter((op) => (calls[op] ?? 0) > 0)
    .map((op) => `${API_ROUTE[op]}  ×${String(calls[op] ?? 0)}`);
  const earlier = new Map(Object.entries(before.byStatus));
  const failed = Object.entries(after.byStatus)
    .map(([status, n]) => [status, n - (earlier.get(status) ?? 0)] as const)
    .filter(([status, n]) => n > 0 && !status.startsWith("2"));
  if (failed.length > 0) {
    lines.push(`answers not 2xx: ${failed.map(([s, n]) => `${s} ×${String(n)}`).join(", ")}`);
  }
  return lines.length > 0 ? lines : ["none"];
}

export function sameCalls(calls: Calls, expected: Calls): boolean {
  const norm = (c: Calls): string =>
    JSON.stringify(
      Object.entries(c)
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  return norm(calls) === norm(expected);
}

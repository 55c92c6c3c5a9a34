import { Pool } from "undici";

/** Per-phase timeouts of every request, in ms. */
export interface Timeouts {
  /** Establishing the TCP and TLS connection. Default 10 000. */
  readonly connectMs: number;
  /** From sending the request until the response headers arrive. Default 30 000. */
  readonly headersMs: number;
  /** Maximum idle time between two chunks of the response body. Default 30 000. */
  readonly bodyMs: number;
}

/** Timeouts used unless the caller gives others. Panther's own clients use 30 to 60 s. */
export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

/** Responses larger than this are refused (a token page is a few KiB). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

// One keep-alive pool per origin and timeout set, shared by every client in
// the process: the provider host builds a client per configure, and many
// resources run through one host, so connections are reused across them.
const pools = new Map<string, Pool>();
/** The pool {@link poolFor} answered last, and for what. */
let last: { origin: string; timeouts: Timeouts; pool: Pool } | undefined;

/**
 * The shared keep-alive pool for `origin` with the given timeouts.
 *
 * @internal Not in the shipped declarations, which must not name undici types.
 */
export function poolFor(origin: string, timeouts: Timeouts): Pool {
  // Every request asks; the answer is almost always the one before.
  if (last !== undefined && last.origin === origin && last.timeouts === timeouts) return last.pool;
  const key = `${origin}|${timeouts.connectMs}|${timeouts.headersMs}|${timeouts.bodyMs}`;
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new Pool(origin, {
      connections: 32,
      pipelining: 1,
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      maxResponseSize: MAX_RESPONSE_BYTES,
    });
    pools.set(key, pool);
  }
  last = { origin, timeouts, pool };
  return pool;
}

/**
 * Closes every pool this package opened. Programs that use the client
 * directly can call it to let the process exit without waiting for idle
 * keep-alive connections to time out.
 */
export async function closeAllPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  last = undefined;
  await Promise.all(all.map((pool) => pool.close()));
}

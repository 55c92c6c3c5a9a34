/**
 * Waiting until a new token value works. Panther documents that a new value
 * can take 30 to 60 seconds to start authenticating; a consumer handed the
 * value right away would see 401s. With `waitUntilUsable`, create and
 * rotate return only once `GET /api-tokens/self` made with the new value gets
 * any answer but 401 (a 403 from a CIDR allow-list still proves the value is
 * live), or fail when the timeout passes. Each probe's own timeout is the time
 * left, so the wait ends within a tenth of a second of `usableTimeoutSeconds`.
 */
import { isPantherApiError, isPantherError } from "../client/errors";
import type { TokenApi } from "../connect";
import type { Session } from "./session";

/** Default wait, in seconds. */
export const DEFAULT_USABLE_TIMEOUT_SECONDS = 120;
/** The shortest time a probe is given to answer, in ms (the first probe runs even past a tiny timeout). */
const MIN_PROBE_MS = 100;
/** The longest time a probe is given to answer, in ms. */
const MAX_PROBE_MS = 30_000;

/** How one probe of a new value ended: `live`, or what was seen instead (`401`, `503`, `timeout`, ...). */
async function probe(client: TokenApi): Promise<string> {
  try {
    await client.getToken("self");
    return "live";
  } catch (error) {
    if (isPantherError(error, "PANTHER_UNAUTHORIZED")) return "401";
    if (isPantherApiError(error) && (error.status >= 500 || error.status === 429)) {
      return String(error.status);
    }
    if (isPantherError(error, "PANTHER_NETWORK", "PANTHER_TIMEOUT", "PANTHER_INVALID_RESPONSE")) {
      return error.code === "PANTHER_TIMEOUT" ? "timeout" : "no answer";
    }
    // Any other answer (403, 404, ...) came from Panther having accepted the key.
    return "live";
  }
}

function summary(seen: ReadonlyMap<string, number>): string {
  return [...seen.entries()].map(([what, n]) => `${what} ×${n}`).join(", ");
}

/**
 * Polls until `value` authenticates, with a delay growing from 1 s to 5 s,
 * each probe bounded by the time left. Prints a progress line per attempt
 * after the first. Returns the milliseconds waited; throws when
 * `timeoutSeconds` pass first, saying what Panther answered.
 */
export async function waitUntilUsable(
  session: Session,
  value: string,
  tokenId: string,
  timeoutSeconds: number,
): Promise<number> {
  const started = session.now();
  const deadline = started + timeoutSeconds * 1000;
  const seen = new Map<string, number>();
  for (let attempt = 1, delay = 1000; ; attempt++, delay = Math.min(5000, delay * 2)) {
    const probeMs = Math.min(MAX_PROBE_MS, Math.max(MIN_PROBE_MS, deadline - session.now()));
    const outcome = await probe(session.probeClient(value, probeMs));
    if (outcome === "live") {
      const waited = session.now() - started;
      if (attempt > 1) {
        session.progress(`token ${tokenId}: new value works after ${(waited / 1000).toFixed(1)} s`);
      }
      return waited;
    }
    seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
    const left = deadline - session.now();
    if (left <= 0) {
      throw new Error(
        `The new value of Panther token ${tokenId} did not start working within ${timeoutSeconds} s ` +
          `(Panther answered: ${summary(seen)}). Panther can take 30 to 60 seconds to accept a new value; ` +
          `raise usableTimeoutSeconds, or run pulumi up again later.`,
      );
    }
    session.progress(
      `token ${tokenId}: waiting for the new value to work (attempt ${attempt}: ${outcome}, ${Math.ceil(left / 1000)} s left)`,
    );
    await session.sleep(Math.min(delay, left));
  }
}

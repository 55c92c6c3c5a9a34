/**
 * Waiting until a new token value works. Panther documents that a new value
 * can take 30 to 60 seconds to start authenticating; a consumer handed the
 * value right away would see 401s. With `waitUntilUsable`, create and
 * rotate return only once `GET /api-tokens/self` made with the new value gets
 * any answer but 401 (a 403 from a CIDR allow-list still proves the value is
 * live), or fail when the timeout passes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PantherClient } from "../client/client";
import { isPantherError } from "../client/errors";

/** Default wait, in seconds. */
export const DEFAULT_USABLE_TIMEOUT_SECONDS = 120;

/** How one probe of a new value ended. */
type Probe = "live" | "not-yet";

async function probe(client: PantherClient): Promise<Probe> {
  try {
    await client.getToken("self");
    return "live";
  } catch (error) {
    if (isPantherError(error, "PANTHER_UNAUTHORIZED")) return "not-yet";
    if (
      isPantherError(
        error,
        "PANTHER_NETWORK",
        "PANTHER_TIMEOUT",
        "PANTHER_SERVER_ERROR",
        "PANTHER_RATE_LIMITED",
      )
    ) {
      return "not-yet";
    }
    // Any other answer (403, 404, ...) came from Panther having accepted the key.
    return "live";
  }
}

/**
 * Polls until `probeClient` (a client holding the new value) authenticates,
 * with a delay growing from 1 s to 5 s. Prints a progress line per attempt
 * after the first. Throws when `timeoutSeconds` pass first.
 */
export async function waitUntilUsable(
  probeClient: PantherClient,
  tokenId: string,
  timeoutSeconds: number,
  progress: (line: string) => void,
): Promise<number> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  for (let attempt = 1, delay = 1000; ; attempt++, delay = Math.min(5000, delay * 2)) {
    if ((await probe(probeClient)) === "live") {
      const waited = Date.now() - started;
      if (attempt > 1)
        progress(`token ${tokenId}: new value works after ${(waited / 1000).toFixed(1)} s`);
      return waited;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(
        `The new value of Panther token ${tokenId} did not start working within ${timeoutSeconds} s ` +
          `(Panther answered 401 each time). Panther can take 30 to 60 seconds to accept a new value; ` +
          `raise usableTimeoutSeconds, or run pulumi up again later.`,
      );
    }
    progress(
      `token ${tokenId}: waiting for the new value to work (attempt ${attempt}, ${Math.ceil(left / 1000)} s left)`,
    );
    await sleep(Math.min(delay, left));
  }
}

/**
 * Making create safe without an idempotency key.
 *
 * Panther's create is not idempotent and takes no client token, so when the
 * answer to a create is lost (timeout, reset, a 5xx from a gateway, an
 * unreadable 200) the token may or may not exist, and if it exists its value
 * is lost with the answer. Blindly retrying could leave an orphaned live
 * credential; giving up could too.
 *
 * What we do instead: list the tokens and look for the one the failed call
 * created: same name, same permissions, same CIDR blocks, created within the
 * window of the call (with slack for clock skew). Then:
 * - exactly one match: it is ours. Rotate it, which yields a value we know
 *   (the lost one dies with the rotation; nobody ever saw it), and track it.
 * - none: the create did not happen, or has not happened yet: after a
 *   timeout or a 504 the request may still be in flight behind a gateway, so
 *   the listing is repeated after short waits (LATE_LISTING_DELAYS_MS) before
 *   concluding. Then create again (bounded).
 * - several: tokens with this definition were created in the window by
 *   someone else or by an earlier interrupted run. Track the newest so it is
 *   not orphaned, and fail loudly naming the others so a person decides.
 * A normal create stays one API call: this runs only after an ambiguous failure.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PantherClient } from "../client/client";
import { isPantherApiError, isPantherError, isPantherNetworkError } from "../client/errors";
import { DEFAULT_RETRY_POLICY, NOT_SENT_NETWORK_CODES } from "../client/retry";
import type { ApiToken, ApiTokenWithValue, ModifyApiToken } from "../client/types";
import { normalizeCidrs, sortedSet } from "./outputs";
import { messageOf } from "./partial";

/** Slack around the call's start and end for Panther's clock against ours. */
export const CLOCK_SKEW_MS = 5 * 60_000;
/**
 * Creates attempted in all when earlier ones provably did nothing: as many as
 * the attempts of a call that is safe to repeat.
 */
export const MAX_CREATE_ATTEMPTS = DEFAULT_RETRY_POLICY.maxAttempts;
/**
 * Waits before listing again when a create that timed out (or got a 504) has
 * left no trace yet: the request may still be on its way through a gateway.
 */
export const LATE_LISTING_DELAYS_MS: readonly number[] = [2_000, 5_000];

/** Whether the failed request may still be in flight (so a token can still appear). */
function mayStillLand(error: unknown): boolean {
  return (
    isPantherError(error, "PANTHER_TIMEOUT") || (isPantherApiError(error) && error.status === 504)
  );
}

/** Whether a failed create may have created the token anyway. */
export function isAmbiguousCreateFailure(error: unknown): boolean {
  if (isPantherNetworkError(error)) {
    // Connection refused, connect timeout and the like: the request never left.
    const code = error.causeCode;
    return !(code !== undefined && NOT_SENT_NETWORK_CODES.has(code));
  }
  return isPantherError(error, "PANTHER_INVALID_RESPONSE", "PANTHER_SERVER_ERROR");
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Tokens matching `body` created between `from` and `to` (ms), newest first. */
export function findCandidates(
  tokens: readonly ApiToken[],
  body: ModifyApiToken,
  from: number,
  to: number,
): ApiToken[] {
  const permissions = sortedSet(body.permissions);
  const cidrs = normalizeCidrs(body.allowedCIDRBlocks);
  return tokens
    .filter((t) => {
      const created = Date.parse(t.createdAt);
      return (
        t.name === body.name &&
        sameSet(sortedSet(t.permissions), permissions) &&
        sameSet(normalizeCidrs(t.allowedCIDRBlocks), cidrs) &&
        !Number.isNaN(created) &&
        created >= from - CLOCK_SKEW_MS &&
        created <= to + CLOCK_SKEW_MS
      );
    })
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** What a create ended with. */
export type CreateOutcome =
  | { readonly kind: "created"; readonly token: ApiTokenWithValue }
  /** The create's answer was lost; this token was found and must be rotated to get a value. */
  | { readonly kind: "found"; readonly token: ApiToken; readonly others: readonly ApiToken[] };

/**
 * Creates a token, reconciling ambiguous failures as described above.
 * Throws when the create definitely failed (nothing exists), or when the
 * outcome could not be established (the error says what to check).
 */
export async function createReconciled(
  client: PantherClient,
  body: ModifyApiToken,
): Promise<CreateOutcome> {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    try {
      return { kind: "created", token: await client.createToken(body) };
    } catch (error) {
      if (!isAmbiguousCreateFailure(error)) throw error;
      let candidates: ApiToken[];
      try {
        candidates = await findAfter(
          client,
          body,
          started,
          mayStillLand(error) ? LATE_LISTING_DELAYS_MS : [],
        );
      } catch (listError) {
        throw new Error(
          `Creating Panther token "${body.name}" may have succeeded, but the answer was lost ` +
            `(${messageOf(error)}) and listing tokens to find it failed ` +
            `(${messageOf(listError)}). Look for a token named ` +
            `"${body.name}" created just now in the Panther Console (Settings → API Tokens): delete it, or adopt it ` +
            `with adoptTokenId, then run pulumi up again.`,
          { cause: listError },
        );
      }
      const [newest, ...others] = candidates;
      if (newest !== undefined) return { kind: "found", token: newest, others };
      if (attempt >= MAX_CREATE_ATTEMPTS) throw error;
    }
  }
}

/** Candidates for `body`, listing again after each of `delays` while none has appeared. */
async function findAfter(
  client: PantherClient,
  body: ModifyApiToken,
  started: number,
  delays: readonly number[],
): Promise<ApiToken[]> {
  let candidates = findCandidates((await client.listTokens()).tokens, body, started, Date.now());
  for (const delay of delays) {
    if (candidates.length > 0) break;
    await sleep(delay);
    candidates = findCandidates((await client.listTokens()).tokens, body, started, Date.now());
  }
  return candidates;
}

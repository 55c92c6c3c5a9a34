/**
 * Rotating a token so that the value stored is the one Panther accepts.
 *
 * A rotation invalidates the previous value at once, and its answer is the
 * only place the new value ever appears. When the answer is lost (timeout,
 * reset, 5xx), the rotation may have happened — or may still happen: behind
 * an API gateway a request can land long after its 504. Rotating again at
 * once would be killed by that late landing, leaving state with a value that
 * no longer works while `up` reports success. So:
 * 1. After an answer is lost, watch the token (`GET`) until Panther reports a
 *    rotation made after the request left (it landed: its value is lost, and
 *    rotating again is safe), or until the late-landing window
 *    (`panther:lateLandingSeconds`) ends without one (it is taken not to
 *    land any more).
 * 2. Then rotate again, at most {@link MAX_ROTATIONS} rotations in all.
 * A landing later than the window is not prevented: it makes the stored
 * value stale, which the next `pulumi refresh` reports and the next
 * `pulumi up` repairs.
 *
 * The deployer's own token is never rotated again after a lost answer: the
 * old key may already be dead, and a second rotation could lose both values.
 */
import { isPantherApiError, isPantherError, isPantherResponseError } from "../client/errors";
import type { ApiToken, ApiTokenWithValue } from "../client/types";
import { messageOf } from "./errors";
import { STAMP_GRANULARITY_MS } from "./ownership";
import type { Session } from "./session";

/** Rotations attempted in all when answers are lost. */
export const MAX_ROTATIONS = 3;

/** Waits between looks at a token while a lost request may still land, in ms. */
export const WATCH_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 15_000];

/** A rotation that succeeded, with Panther's stamp of it. */
export interface Rotation {
  readonly token: ApiTokenWithValue;
  /** Panther's stamp of this rotation (its `rotatedAt`), on Panther's clock. */
  readonly issuedAt: string;
}

/** Why a rotation did not give a value. */
export type RotationOutcome =
  /** Panther refused or never received it: the old value still works. */
  | "not-applied"
  /** It may or may not have happened: the old value may no longer work. */
  | "unknown"
  /** It happened, its answer was lost: the old value no longer works. */
  | "applied-value-lost"
  /** The token no longer exists. */
  | "gone";

export class RotationFailed extends Error {
  readonly outcome: RotationOutcome;
  constructor(message: string, outcome: RotationOutcome, cause: unknown) {
    super(message, { cause });
    this.name = "RotationFailed";
    this.outcome = outcome;
  }
}

function timeOf(text: string | null | undefined): number | undefined {
  if (typeof text !== "string") return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Looks at the token until `done(token)` holds or `until` (local time)
 * passes; returns the last token seen and whether `done` held. `what` names
 * the wait in progress lines.
 */
async function watch(
  session: Session,
  id: string,
  until: number,
  what: string,
  done: (token: ApiToken) => boolean,
): Promise<{ token: ApiToken; done: boolean }> {
  for (let i = 0; ; i++) {
    let token: ApiToken;
    try {
      token = await session.client().getToken(id);
    } catch (error) {
      if (isPantherError(error, "PANTHER_NOT_FOUND")) {
        throw new RotationFailed(
          `Panther token ${id} no longer exists (deleted outside this stack).`,
          "gone",
          error,
        );
      }
      throw error;
    }
    if (done(token)) return { token, done: true };
    const left = until - session.now();
    if (left <= 0) return { token, done: false };
    const delay = Math.min(WATCH_DELAYS_MS[Math.min(i, WATCH_DELAYS_MS.length - 1)] ?? 1000, left);
    session.progress(`token ${id}: ${what} (${Math.ceil(left / 1000)} s left)`);
    await session.sleep(delay);
  }
}

/**
 * The rotation with Panther's stamp of it: from its answer; else, as some
 * servers answer without stamps, from the token's record (one GET), whose
 * fields then replace the answer's; else Panther's clock now.
 */
async function stamped(
  session: Session,
  id: string,
  rotated: ApiTokenWithValue,
): Promise<Rotation> {
  if (rotated.rotatedAt) return { token: rotated, issuedAt: rotated.rotatedAt };
  const record = await session
    .client()
    .getToken(id)
    .catch(() => undefined);
  const issuedAt =
    record?.rotatedAt ??
    rotated.updatedAt ??
    new Date(session.pantherTime(session.now()).earliest).toISOString();
  const token = record === undefined ? rotated : { ...record, value: rotated.value };
  return { token: { ...token, rotatedAt: issuedAt }, issuedAt };
}

/**
 * Rotates token `id` (see the module comment). `deployer` says whether it is
 * the deployer's own token. Throws {@link RotationFailed} saying what became
 * of the old value.
 */
export async function rotateReliably(
  session: Session,
  id: string,
  deployer: boolean,
): Promise<Rotation> {
  const windowMs = session.settings().lateLandingMs;
  let lastError: unknown;
  // What became of earlier attempts whose answers were lost.
  let earlier: "none" | "landed" | "unseen" = "none";
  // The latest rotation Panther was seen to report: a landing must come after it, so that an
  // earlier attempt's landing is never taken for a later one's.
  let baseline = -Infinity;
  for (let attempt = 1; attempt <= MAX_ROTATIONS; attempt++) {
    const sentLocal = session.now();
    try {
      return await stamped(session, id, await session.client().rotateToken(id));
    } catch (error) {
      lastError = error;
      if (isPantherError(error, "PANTHER_NOT_FOUND")) {
        throw new RotationFailed(
          `Panther token ${id} no longer exists (deleted outside this stack).`,
          "gone",
          error,
        );
      }
      if (!isPantherError(error) || error.applied === "no") {
        // Nothing happened in Panther now; an earlier lost attempt may have.
        const outcome =
          earlier === "none"
            ? "not-applied"
            : earlier === "landed"
              ? "applied-value-lost"
              : "unknown";
        throw new RotationFailed(messageOf(error), outcome, error);
      }
      if (deployer) {
        throw new RotationFailed(
          `${messageOf(error)} This is the deployer's own token: it is not rotated again, because the ` +
            `rotation may have taken effect (then panther:token no longer works and its new value was lost ` +
            `with the answer) and a second rotation with the old key could lose both values.`,
          "unknown",
          error,
        );
      }
      const sentAfter = session.pantherTime(sentLocal).earliest - STAMP_GRANULARITY_MS;
      session.progress(
        `token ${id}: the rotation got no usable answer (${shortReason(error)}); it may still take effect, ` +
          `so the token is watched for up to ${Math.round(windowMs / 1000)} s before rotating again`,
      );
      const seen = await watch(
        session,
        id,
        session.now() + windowMs,
        "waiting to see whether the lost rotation takes effect",
        (token) => {
          const at = timeOf(token.rotatedAt) ?? -Infinity;
          return at >= sentAfter && at > baseline;
        },
      );
      baseline = Math.max(baseline, timeOf(seen.token.rotatedAt) ?? -Infinity);
      if (seen.done) earlier = "landed";
      else if (earlier === "none") earlier = "unseen";
      session.progress(
        seen.done
          ? `token ${id}: the lost rotation took effect at ${String(seen.token.rotatedAt)}; rotating again for a value`
          : `token ${id}: the lost rotation did not take effect within ${Math.round(windowMs / 1000)} s; rotating again`,
      );
    }
  }
  throw new RotationFailed(
    `Rotating Panther token ${id} got no usable answer ${MAX_ROTATIONS} times: ${messageOf(lastError)}`,
    "unknown",
    lastError,
  );
}

function shortReason(error: unknown): string {
  if (isPantherApiError(error) || isPantherResponseError(error)) return String(error.status);
  return isPantherError(error) ? error.code : "error";
}

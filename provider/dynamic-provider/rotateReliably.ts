/**
 * Rotating a token so that the value stored is the one Panther accepts.
 *
 * A rotation invalidates the previous value at once, and its answer is the
 * only place the new value ever appears. When the answer is lost (timeout,
 * reset, 5xx), the rotation may have happened — or may still happen: behind
 * an API gateway a request can land long after its 504. Rotating again at
 * once would be killed by that late landing, leaving state with a value that
 * no longer works while `up` reports success. So:
 * 1. After an answer is lost, nothing more is sent to the token until the
 *    late-landing window (`panther:lateLandingSeconds`) from when the request
 *    left has passed: after it, that attempt can no longer land. The proof is
 *    the window, never a stamp compared with a clock (a gateway's `Date`
 *    and the backend's stamps may disagree).
 * 2. Then rotate again, at most {@link MAX_ROTATIONS} rotations in all.
 * A landing later than the window is not prevented: it makes the stored
 * value stale, which the next `pulumi refresh` reports and the next
 * `pulumi up` repairs.
 *
 * The deployer's own token is never rotated again after a lost answer: the
 * old key may already be dead, and a second rotation could lose both values.
 */
import { isPantherApiError, isPantherError, isPantherResponseError } from "../client/errors";
import type { ApiTokenWithValue } from "../client/types";
import { messageOf } from "../client/errors/thrown";
import { tokenGoneMessage, waitOutWindow } from "./modify";
import type { Session } from "./session";

/** Rotations attempted in all when answers are lost. */
export const MAX_ROTATIONS = 3;

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
 * the deployer's own token; `lastRotatedAt` is the token's `rotatedAt` as
 * last seen (it tells a landed attempt from one that did not land, for the
 * error's wording only). Throws {@link RotationFailed} saying what became of
 * the old value.
 */
export async function rotateReliably(
  session: Session,
  id: string,
  deployer: boolean,
  lastRotatedAt?: string,
): Promise<Rotation> {
  const windowS = Math.round(session.settings().lateLandingMs / 1000);
  let lastError: unknown;
  // What became of earlier attempts whose answers were lost.
  let earlier: "none" | "landed" | "unseen" = "none";
  let seen = lastRotatedAt;
  for (let attempt = 1; attempt <= MAX_ROTATIONS; attempt++) {
    const sentLocal = session.now();
    try {
      return await stamped(session, id, await session.client().rotateToken(id));
    } catch (error) {
      lastError = error;
      if (isPantherError(error, "PANTHER_NOT_FOUND")) throw gone(id, error);
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
      await waitOutWindow(
        session,
        sentLocal,
        (left) =>
          `token ${id}: the rotation got no usable answer (${shortReason(error)}); it may still take effect, so ` +
          `the token is not rotated again until its ${windowS} s window ends (${left} s left)`,
      );
      let now;
      try {
        now = await session.client().getToken(id);
      } catch (readError) {
        if (isPantherError(readError, "PANTHER_NOT_FOUND")) throw gone(id, readError);
        throw new RotationFailed(
          `${messageOf(error)} Reading the token afterwards failed too (${messageOf(readError)}).`,
          "unknown",
          readError,
        );
      }
      const landed = typeof now.rotatedAt === "string" && now.rotatedAt !== seen;
      seen = now.rotatedAt ?? seen;
      if (landed) earlier = "landed";
      else if (earlier === "none") earlier = "unseen";
      session.progress(
        landed
          ? `token ${id}: a rotation took effect at ${String(now.rotatedAt)} but its value was lost; rotating again for a value`
          : `token ${id}: the lost rotation did not take effect within ${windowS} s; rotating again`,
      );
    }
  }
  throw new RotationFailed(
    `Rotating Panther token ${id} got no usable answer ${MAX_ROTATIONS} times: ${messageOf(lastError)}`,
    "unknown",
    lastError,
  );
}

function gone(id: string, cause: unknown): RotationFailed {
  return new RotationFailed(tokenGoneMessage(id), "gone", cause);
}

function shortReason(error: unknown): string {
  if (isPantherApiError(error) || isPantherResponseError(error)) return String(error.status);
  return isPantherError(error) ? error.code : "error";
}

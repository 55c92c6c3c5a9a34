/**
 * Sending a token's name, permissions and CIDR blocks (`POST
 * /api-tokens/{id}`, a full replace) so that a lost answer never undoes a
 * later change.
 *
 * An update is a full replace, so repeating it looks harmless; but behind a
 * gateway an attempt answered 504 can land long after, and if a later
 * change was made meanwhile (the next `up`, a narrowing of the CIDR blocks)
 * the late landing silently reverts it while state says nothing changed. So
 * the client repeats an update only when the failed attempt provably did
 * nothing, and here, after a lost answer:
 * 1. wait out the late-landing window (`panther:lateLandingSeconds`) from
 *    when the request left, with progress lines: after it, nothing of that
 *    attempt can land any more;
 * 2. read the token: if it holds what was sent, done; otherwise send again
 *    (at most {@link MAX_UPDATES} attempts in all).
 * Nothing is inferred from a clock or a stamp: the proof is the window.
 *
 * Two steps of the lifecycle are such updates: {@link unlock} (a token
 * created born locked gets its declared fields) and {@link applyFields} (an
 * update's changed fields).
 */
import { isPantherError } from "../client/errors";
import type { ApiToken, ModifyApiToken } from "../client/types";
import { messageOf } from "../client/errors/thrown";
import { PartialFailure } from "./errors";
import { proveGone } from "./guards";
import type { TokenInputs } from "./inputs";
import { holdsRequest, normalizeFields, type TokenFields } from "./normalize";
import type { Session } from "./session";
import { bookkeeping, stateOf, type Bookkeeping, type TokenState } from "./state";

/** Updates attempted in all when answers are lost. */
export const MAX_UPDATES = 3;

/** How often a wait for a lost request's window prints a progress line, in ms. */
const PROGRESS_EVERY_MS = 15_000;

/** The request body for `fields` (fresh arrays: the client serializes them). */
export function toModifyBody(fields: TokenFields): ModifyApiToken {
  return {
    name: fields.name,
    permissions: [...fields.permissions],
    allowedCIDRBlocks: [...fields.allowedCIDRBlocks],
  };
}

/** What to say when Panther answers 404 for a token of this stack: that it is gone, and what to do. */
export function tokenGoneMessage(id: string): string {
  return (
    `Panther token ${id} no longer exists (deleted outside this stack). Run pulumi refresh to drop it ` +
    `from state; the next pulumi up then creates a new one.`
  );
}

/** Thrown when the token no longer exists (Panther answered 404 to the update or to the check). */
export class TokenGone extends Error {
  constructor(id: string, cause: unknown) {
    super(tokenGoneMessage(id), { cause });
    this.name = "TokenGone";
  }
}

/**
 * Waits until `from + windowMs` (local time), printing `what` with the time
 * left every few seconds. Nothing sent at `from` can land after it.
 */
export async function waitOutWindow(
  session: Session,
  from: number,
  what: (secondsLeft: number) => string,
): Promise<void> {
  const until = from + session.settings().lateLandingMs;
  for (;;) {
    const left = until - session.now();
    if (left <= 0) return;
    session.progress(what(Math.ceil(left / 1000)));
    await session.sleep(Math.min(left, PROGRESS_EVERY_MS));
  }
}

/**
 * Sends `fields` to token `id` and returns Panther's answer; after a lost
 * answer, proves what the token holds before going on (see the module
 * comment). Throws {@link TokenGone} for a 404, the last error otherwise.
 */
export async function updateVerified(
  session: Session,
  id: string,
  fields: TokenFields,
): Promise<ApiToken> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_UPDATES; attempt++) {
    const sentLocal = session.now();
    try {
      return await session.client().updateToken(id, toModifyBody(fields));
    } catch (error) {
      if (isPantherError(error, "PANTHER_NOT_FOUND")) throw new TokenGone(id, error);
      if (!isPantherError(error) || error.applied === "no") throw error;
      lastError = error;
    }
    const windowS = Math.round(session.settings().lateLandingMs / 1000);
    await waitOutWindow(
      session,
      sentLocal,
      (left) =>
        `token ${id}: the update got no usable answer (${messageOf(lastError)}); it may still land, so ` +
        `nothing more is sent to this token until its ${windowS} s window ends (${left} s left)`,
    );
    let token: ApiToken;
    try {
      token = await session.client().getToken(id);
    } catch (error) {
      if (isPantherError(error, "PANTHER_NOT_FOUND")) throw new TokenGone(id, error);
      throw error;
    }
    if (holdsRequest(token, fields)) {
      session.progress(`token ${id}: the lost update took effect`);
      return token;
    }
    session.progress(
      `token ${id}: the lost update did not take effect within ${windowS} s; sending it again`,
    );
  }
  throw lastError;
}

/**
 * Gives a token created born locked its declared fields: the mark is gone
 * once this returns. When the update fails, the token still exists, locked:
 * a {@link PartialFailure} carries it with its value, and the next `up`
 * sends the update again (its recorded fields still carry the mark).
 */
export async function unlock(
  session: Session,
  id: string,
  inputs: TokenInputs,
  body: TokenFields,
  carried: Pick<TokenState, "value" | "valueState"> & Partial<Bookkeeping>,
  locked: () => TokenState,
): Promise<TokenState> {
  let token: ApiToken;
  try {
    token = await updateVerified(session, id, body);
  } catch (error) {
    throw new PartialFailure({
      message:
        `Panther token "${body.name}" (${id}) was created, but giving it its declared name, permissions and ` +
        `CIDR blocks failed: ${messageOf(error)} It is still locked to its creation mark (nobody can use it).`,
      id,
      state: locked(),
      reasons: [
        `the update of token ${id} to its declared fields is still to do; run pulumi up again`,
      ],
      cause: error,
    });
  }
  return stateOf(token, inputs, {
    value: carried.value,
    valueState: carried.valueState,
    applied: { sent: body, reported: normalizeFields(token) },
    ...bookkeeping(carried),
  });
}

/** Sends the declared fields; a 404 is proven (then the token is gone) before it is reported. */
export async function applyFields(
  session: Session,
  olds: TokenState,
  id: string,
  body: TokenFields,
): Promise<ApiToken> {
  try {
    return await updateVerified(session, id, body);
  } catch (error) {
    if (!(error instanceof TokenGone)) throw error;
    await proveGone(session, olds, id, error.cause);
    throw error;
  }
}

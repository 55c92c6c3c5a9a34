/**
 * Giving the stack a working value: rotating a token that has none (an
 * adoption, a create whose answer was lost), performing a due rotation
 * (the deployer's own token only on purpose), waiting until a new value
 * authenticates, and what becomes of the stored value when a rotation fails.
 */
import type { ApiTokenWithValue } from "../client/types";
import { messageOf } from "../client/errors/thrown";
import { PartialFailure } from "./errors";
import type { TokenInputs } from "./inputs";
import { TokenGone } from "./modify";
import { RotationFailed, rotateReliably, type Rotation } from "./rotateReliably";
import type { Session } from "./session";
import {
  bookkeeping,
  revalued,
  stateOf,
  valueState,
  type TokenState,
  type ValueState,
} from "./state";
import { DEFAULT_USABLE_TIMEOUT_SECONDS, waitUntilUsable } from "./usable";

/**
 * With `waitUntilUsable`, returns only once the new value in `state` works.
 * When it does not in time, the value is kept all the same (a
 * {@link PartialFailure} carries it into state): it is the only one that
 * will ever work for this token.
 */
export async function ensureUsable(
  session: Session,
  id: string,
  state: TokenState,
  inputs: TokenInputs,
): Promise<TokenState> {
  if (inputs.waitUntilUsable !== true) return state;
  try {
    await waitUntilUsable(
      session,
      state.value,
      id,
      inputs.usableTimeoutSeconds ?? DEFAULT_USABLE_TIMEOUT_SECONDS,
    );
  } catch (error) {
    throw new PartialFailure({
      message: messageOf(error),
      id,
      state,
      reasons: [`the new value of token ${id} is stored but had not started working`],
      cause: error,
    });
  }
  return state;
}

/** The value condition after a rotation failed, from what became of the old value. */
export function afterFailedRotation(
  session: Session,
  before: ValueState,
  error: RotationFailed,
): ValueState {
  const now = session.now();
  switch (error.outcome) {
    case "not-applied":
    case "gone":
      return before;
    case "applied-value-lost":
      return valueState(
        "pending",
        "a rotation took effect but its answer was lost, so the stored value no longer works",
        now,
      );
    case "unknown":
      return valueState(
        "pending",
        "a rotation got no usable answer, so the stored value may no longer work",
        now,
      );
  }
}

/** `state` holding the value `rotated` issued, current from `issuedAt`. */
export function withRotatedValue(
  session: Session,
  rotated: ApiTokenWithValue,
  issuedAt: string,
  inputs: TokenInputs,
  state: TokenState,
  why: string,
): TokenState {
  return stateOf(rotated, inputs, {
    value: rotated.value,
    valueState: valueState("current", why, session.now(), issuedAt),
    applied: state.applied,
    ...bookkeeping(state),
  });
}

/**
 * Rotates the token of `state` (which has no working value yet) and returns
 * the state holding the new value. When rotating fails, the token still
 * exists: a {@link PartialFailure} carries `state` (pending) so the next `up`
 * rotates again.
 */
export async function rotateInto(
  session: Session,
  id: string,
  state: TokenState,
  inputs: TokenInputs,
  why: string,
): Promise<TokenState> {
  let rotation;
  try {
    rotation = await rotateReliably(session, id, false, state.rotatedAt);
  } catch (error) {
    const value =
      error instanceof RotationFailed
        ? afterFailedRotation(session, state.valueState, error)
        : state.valueState;
    throw new PartialFailure({
      message: `Panther token "${state.name}" (${id}) ${why}, but rotating it for a value failed: ${messageOf(error)}`,
      id,
      state: revalued(state, value),
      reasons: [`rotation of token ${id} is still to do; run pulumi up again`],
      cause: error,
    });
  }
  return withRotatedValue(
    session,
    rotation.token,
    rotation.issuedAt,
    inputs,
    state,
    `issued by a rotation after it ${why}`,
  );
}

/**
 * Performs a due rotation: refused on the deployer's own token unless
 * `rotateDeployerToken` (and then with the client to itself until the new key
 * works). On failure, the state records what became of the old value; a
 * plain error keeps the old state when nothing changed yet.
 */
export async function rotateDue(
  session: Session,
  id: string,
  state: TokenState,
  news: TokenInputs,
  reasons: readonly string[],
  changed: boolean,
): Promise<Rotation> {
  const fail = (message: string, value = state.valueState, cause?: unknown): Error => {
    if (!changed && value === state.valueState) {
      // Nothing changed yet: a plain error keeps the old state, which still asks for the rotation.
      return new Error(`${message} Run pulumi up again to retry.`, { cause });
    }
    return new PartialFailure({
      message: changed ? `${message} Its name, permissions and CIDR blocks were updated.` : message,
      id,
      state: revalued(state, value),
      reasons: [`rotation of token ${id} is still to do; run pulumi up again`],
      cause,
    });
  };
  const isDeployer = await session.isDeployer(id);
  if (isDeployer && news.rotateDeployerToken !== true) {
    throw fail(
      `Token ${id} is the deployer's own token (the key in panther:token or PANTHER_API_TOKEN), and a ` +
        `rotation is due (${reasons.join("; ")}). Rotating it would cut off this deployment, so it was ` +
        `refused. Set rotateDeployerToken: true on it to rotate it on purpose (the new key is its value ` +
        `output: set panther:token from it before the next run), remove what makes the rotation due, or ` +
        `deploy with another token.`,
    );
  }
  try {
    return isDeployer
      ? await rotateDeployerToken(session, id, state, news)
      : await rotateReliably(session, id, false, state.rotatedAt);
  } catch (error) {
    if (error instanceof RotationFailed && error.outcome === "gone") {
      throw new TokenGone(id, error);
    }
    const value =
      error instanceof RotationFailed
        ? afterFailedRotation(session, state.valueState, error)
        : state.valueState;
    throw fail(
      `Rotating Panther token ${id} failed (${reasons.join("; ")}): ${messageOf(error)}`,
      value,
      error,
    );
  }
}

/**
 * Rotates the deployer's own token with the client to itself: calls in
 * flight finish first, then the rotation, then a wait (bounded, with
 * progress lines) until the new key authenticates; only then do the run's
 * other calls go on, with the new key.
 */
function rotateDeployerToken(
  session: Session,
  id: string,
  state: TokenState,
  news: TokenInputs,
): Promise<Rotation> {
  return session.exclusively(async () => {
    const rotation = await rotateReliably(session, id, true, state.rotatedAt);
    const timeoutSeconds = news.usableTimeoutSeconds ?? DEFAULT_USABLE_TIMEOUT_SECONDS;
    session.progress(
      `token ${id}: the deployer's own token was rotated; waiting until its new key works (up to ${timeoutSeconds} s) before this run goes on`,
    );
    try {
      await waitUntilUsable(session, rotation.token.value, id, timeoutSeconds);
    } catch (error) {
      session.progress(
        `token ${id}: ${messageOf(error)} This run goes on with the new key; calls may fail with 401 until Panther accepts it.`,
      );
    }
    session.client().replaceApiKey(rotation.token.value);
    return rotation;
  });
}

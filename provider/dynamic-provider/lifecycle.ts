/**
 * The lifecycle of a `PantherApiToken`, method by method, over a
 * {@link Session}, on typed state and checked inputs (`index.ts` is the edge
 * that reads and writes the engine's property bags). Each method names its
 * steps; the steps live in files named for what they do.
 *
 *   check   no network: validate and normalize inputs (`check.ts`)
 *   diff    no network: compare state with checked inputs; name every due rotation
 *   create  POST /api-tokens born locked (`mark.ts`), then POST /api-tokens/{id}
 *           to the declared fields; adoption (`adopt.ts`) instead with adoptTokenId
 *   read    GET  /api-tokens/{id}; an import: GET self, GET
 *   update  POST /api-tokens/{id} when name, permissions or CIDR blocks changed;
 *           GET self (once per process) and POST /api-tokens/{id}/rotate when a
 *           rotation is due (a pair's turn: `pairTurn.ts`)
 *   delete  DELETE /api-tokens/{id}
 * A 404 counts as "gone" only when proven (`guards.ts`). Lost answers are
 * reconciled (`reconcile.ts`, `modify.ts`, `rotateReliably.ts`); a token
 * that exists while a later step failed is reported with its state
 * ({@link PartialFailure}).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { isPantherError } from "../client/errors";
import type { ApiToken } from "../client/types";
import { adopt } from "./adopt";
import { checkInputs } from "./check";
import { PartialFailure, messageOf } from "./errors";
import { getOrGone, originDiffers, originFor, proveGone, readOtherToken } from "./guards";
import {
  API_FIELDS,
  STATE_ONLY_FIELDS,
  containsUnknown,
  UNKNOWN,
  type TokenInputs,
} from "./inputs";
import { afterFailedRotation, ensureUsable, rotateInto, withRotatedValue } from "./issueValue";
import { lockedBody } from "./mark";
import { TokenGone, updateVerified } from "./modify";
import { normalizeFields, sameFields, sameList, type TokenFields } from "./normalize";
import {
  followerTurn,
  pairTrigger,
  seenGeneration,
  viewAt,
  type PairInput,
  type PairView,
} from "./pair";
import { decideTurn } from "./pairTurn";
import { createReconciled, settleLostCreates } from "./reconcile";
import { RotationFailed, rotateReliably, type Rotation } from "./rotateReliably";
import { expiryWarning, rotatedSince, rotationReasons } from "./rotationDue";
import type { Session } from "./session";
import {
  bookkeeping,
  type Bookkeeping,
  inputsOfState,
  revalued,
  stateOf,
  tokenOfState,
  valueState,
  type TokenState,
} from "./state";
import { waitUntilUsable, DEFAULT_USABLE_TIMEOUT_SECONDS } from "./usable";

/** What create returns: the token's id and state. */
export interface Created {
  readonly id: string;
  readonly outs: TokenState;
}

/** What read returns: the id (empty when the token is gone), its state, and inputs after drift. */
export interface ReadResult {
  readonly id: string;
  readonly props?: TokenState;
  readonly inputs?: TokenInputs;
}

/** What update returns: the token's new state. */
export interface Updated {
  readonly outs: TokenState;
}

/** The body the inputs ask for, in our normal form. */
export function requestedFields(inputs: TokenInputs): TokenFields {
  return normalizeFields({
    name: inputs.name,
    permissions: inputs.permissions,
    allowedCIDRBlocks: inputs.allowedCIDRBlocks ?? [],
  });
}

/** Validates and normalizes inputs. No network call. */
export function check(news: Record<string, unknown>): dynamic.CheckResult {
  return checkInputs(news);
}

/**
 * Compares state with the checked inputs. No network call. Name,
 * permissions and CIDR blocks are updated in place; a due rotation rotates
 * in place (each reason is printed); nothing ever replaces the token.
 */
export function diff(
  session: Session,
  id: string,
  olds: TokenState,
  news: TokenInputs,
): dynamic.DiffResult {
  const reasons =
    news.rotationTrigger === UNKNOWN
      ? ["rotationTrigger is not known until the update runs"]
      : rotationReasons(olds, judged(olds, news), session.now());
  for (const reason of reasons) session.progress(`token ${id}: rotation due: ${reason}`);
  const expiry = expiryWarning(olds.expiresAt, session.now());
  if (expiry !== undefined) session.progress(`token ${id}: ${expiry}`);
  const rise = pairRise(olds, news);
  if (rise !== undefined) session.progress(`token ${id}: ${rise}`);
  if (reasons.length > 0 && olds.deployerToken === true && news.rotateDeployerToken !== true) {
    session.progress(
      `token ${id}: it is the deployer's own token, so the rotation will be refused: set rotateDeployerToken: true ` +
        `to rotate it (the new key then reaches the next run only through this stack's output)`,
    );
  }
  const moved = originDiffers(session, olds);
  if (moved) {
    session.progress(
      `token ${id}: recorded at ${String(olds.apiOrigin)}, but this run is configured for another API origin`,
    );
  }
  return {
    changes:
      fieldsChanged(olds, news) ||
      reasons.length > 0 ||
      stateInputsChanged(olds, news) ||
      rise !== undefined ||
      moved,
    replaces: [],
    deleteBeforeReplace: false,
  };
}

/**
 * Creates the token born locked (one POST), then gives it its declared
 * fields (one update), and returns its value. Transactional: if it throws a
 * plain error, no token was left behind that this stack can track (the
 * error names what to look for when one may appear); if a token exists but
 * a later step failed, it throws a {@link PartialFailure} so the engine
 * keeps it and the next `up` finishes it.
 */
export async function create(session: Session, given: TokenInputs): Promise<Created> {
  const body = requestedFields(given);
  if (typeof given.adoptTokenId === "string") return adopt(session, given, body);
  const outcome = await createReconciled(session, body);
  const { token, mark } = outcome;
  const pair = pairOf(given);
  const inputs =
    pair === undefined ? given : { ...given, rotationTrigger: pairTrigger(pair.generation) };
  const carried = {
    apiOrigin: session.apiOrigin(),
    lostCreates: outcome.lostCreates,
    ...(pair === undefined ? {} : { pairView: createdView(pair, given) }),
  };
  // The token as created: locked to its mark. Its state is written only if the update that
  // gives it its declared fields fails, or when it must be rotated first (found by its mark).
  const locked = (value: Pick<TokenState, "value" | "valueState">): TokenState =>
    stateOf(token, inputs, {
      ...value,
      applied: { sent: normalizeFields(lockedBody(body, mark)), reported: normalizeFields(token) },
      ...carried,
    });
  let state: TokenState;
  if (outcome.kind === "created") {
    const issued = {
      value: outcome.token.value,
      valueState: valueState("current", "issued by create", session.now(), token.createdAt),
    };
    state = await unlock(session, token.id, inputs, body, { ...issued, ...carried }, () =>
      locked(issued),
    );
  } else {
    const rotated = await rotateInto(
      session,
      token.id,
      locked({
        value: "",
        valueState: valueState(
          "pending",
          "the create's answer was lost with its value; rotating gives the stack one",
          session.now(),
        ),
      }),
      inputs,
      "was found by its mark after its create's answer was lost",
    );
    state = await unlock(session, token.id, inputs, body, rotated, () => rotated);
  }
  return { id: token.id, outs: await ensureUsable(session, token.id, state, inputs) };
}

/**
 * Reads the token. The value is carried forward from state (Panther never
 * returns it again). Console drift shows in outputs and in the returned
 * inputs; a token deleted outside the stack reads as gone (once proven); a
 * rotation outside the stack makes the value stale.
 */
export async function read(session: Session, id: string, olds: TokenState): Promise<ReadResult> {
  const apiOrigin = originFor(session, olds, id);
  const token = await getOrGone(session, olds, id);
  if (token === undefined) return { id: "" };
  const reported = normalizeFields(token);
  const drift = !sameFields(reported, olds.applied.reported);
  const lostCreates = await settleLostCreates(session, id, olds.name, olds.lostCreates ?? []);
  const expiry = expiryWarning(token.expiresAt ?? undefined, session.now());
  if (expiry !== undefined) session.progress(`token ${id}: ${expiry}`);
  const state = stateOf(token, inputsOfState(olds), {
    value: olds.value,
    valueState: staleIfRotated(session, olds, token),
    applied: drift ? { sent: reported, reported } : olds.applied,
    ...bookkeeping(olds),
    apiOrigin,
    lostCreates,
  });
  return drift
    ? { id: token.id, props: state, inputs: driftedInputs(olds, reported) }
    : { id: token.id, props: state };
}

/**
 * An import (a read without prior state): the token is read, never changed,
 * and the stack holds no value. The deployer's own token is refused.
 */
export async function importToken(session: Session, id: string): Promise<ReadResult> {
  const token = await readOtherToken(session, "import", id);
  if (token === undefined) {
    throw new Error(
      `import: Panther has no token with id "${id}". Copy the id from the Panther Console (Settings → API Tokens).`,
    );
  }
  const reported = normalizeFields(token);
  const inputs: TokenInputs = {
    name: reported.name,
    permissions: reported.permissions,
    allowedCIDRBlocks: reported.allowedCIDRBlocks,
  };
  const state = stateOf(token, inputs, {
    value: "",
    valueState: valueState(
      "none",
      "imported: the stack holds no value until a rotation (change rotationTrigger)",
      session.now(),
    ),
    applied: { sent: reported, reported },
    apiOrigin: session.apiOrigin(),
  });
  return { id: token.id, props: state, inputs };
}

/**
 * One POST when name, permissions or CIDR blocks changed; one rotation when
 * one is due (after the deployer's id is known, once per process); nothing
 * else. Until a rotation succeeds the state keeps the old trigger, so a
 * rotation that failed is asked for again by the next `pulumi up`. The token
 * id never changes.
 */
export async function update(
  session: Session,
  id: string,
  olds: TokenState,
  news: TokenInputs,
): Promise<Updated> {
  const apiOrigin = originFor(session, olds, id);
  const lostCreates = await settleLostCreates(session, id, olds.name, olds.lostCreates ?? []);
  const changed = fieldsChanged(olds, news);
  const token = changed ? await applyFields(session, olds, id, requestedFields(news)) : undefined;
  // Until a rotation succeeds, the state keeps the trigger of the value it holds.
  let state = stateOf(
    token ?? tokenOfState(id, olds),
    { ...news, ...triggerOf(olds) },
    {
      value: olds.value,
      valueState: olds.valueState,
      applied:
        token === undefined
          ? olds.applied
          : { sent: requestedFields(news), reported: normalizeFields(token) },
      ...bookkeeping(olds),
      apiOrigin,
      lostCreates,
    },
  );
  const reasons = rotationReasons(olds, judged(olds, news), session.now());
  const turn = await pairStep(session, id, olds, news, reasons.length > 0);
  if (turn.peerId !== undefined) state = { ...state, pairPeerId: turn.peerId };
  if (turn.reason !== undefined) reasons.push(turn.reason);
  if (reasons.length === 0) {
    return { outs: turn.view === undefined ? state : { ...state, pairView: turn.view } };
  }
  const rotation = await rotateDue(session, id, state, news, reasons, changed);
  const trigger =
    pairOf(news) === undefined
      ? {}
      : { rotationTrigger: pairTrigger(pairOf(news)?.generation ?? 0) };
  const rotated = withRotatedValue(
    session,
    rotation.token,
    rotation.issuedAt,
    { ...news, ...trigger },
    turn.view === undefined ? state : { ...state, pairView: turn.view },
    `rotated: ${reasons.join("; ")}`,
  );
  return { outs: await ensureUsable(session, id, rotated, news) };
}

/** Deletes the token (and late landings of its lost creates). A token already gone is success. */
export async function remove(session: Session, id: string, olds: TokenState): Promise<void> {
  originFor(session, olds, id);
  await settleLostCreates(session, id, olds.name, olds.lostCreates ?? []);
  try {
    await session.client().deleteToken(id);
  } catch (error) {
    if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
    await proveGone(session, olds, id, error);
  }
}

// --- Steps -------------------------------------------------------------------

/**
 * Gives a token created born locked its declared fields: the mark is gone
 * once this returns. When the update fails, the token still exists, locked:
 * a {@link PartialFailure} carries it with its value, and the next `up`
 * sends the update again (its recorded fields still carry the mark).
 */
async function unlock(
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
async function applyFields(
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

/**
 * A pair's part in an update: for slot a, whose turn a new generation is
 * (decided from Panther's records); for slot b, what slot a decided. Returns
 * the rotation reason when it is this token's turn, the view to record, and
 * the other token's id once found.
 */
async function pairStep(
  session: Session,
  id: string,
  olds: TokenState,
  news: TokenInputs,
  dueAnyway: boolean,
): Promise<{ reason?: string; view?: PairView; peerId?: string }> {
  const pair = pairOf(news);
  if (pair === undefined) return {};
  const own = seenGeneration(olds.pairView, olds.rotationTrigger, pair);
  // Without a new decision the recorded view stays as it is, in its own units.
  const kept = olds.pairView === undefined ? {} : { view: olds.pairView };
  if (pair.slot === "b") {
    const follow = followerTurn(leaderOf(news), own, pair);
    if (follow === undefined) return kept;
    if (!follow.rotate) {
      session.progress(
        `token ${id}: the pair's generation ${follow.view.seen} is the other token's turn (or nobody's), so this one keeps its value`,
      );
      return { view: follow.view };
    }
    return {
      reason: `the pair's generation rose to ${follow.view.seen} and this token holds the pair's older value`,
      view: follow.view,
    };
  }
  if (pair.generation <= own) return kept;
  const decided = await decideTurn(session, id, olds, pair, dueAnyway);
  const view = viewAt(pair, decided.turn, decided.peerIssuedAt);
  const peer = { peerId: decided.peerId };
  if (decided.turn === "a") {
    return {
      ...(dueAnyway
        ? {}
        : {
            reason: `the pair's generation rose to ${pair.generation} and this token holds the pair's older value`,
          }),
      view,
      ...peer,
    };
  }
  session.progress(
    `token ${id}: the pair's generation rose to ${pair.generation}; ` +
      (decided.turn === "b"
        ? "the other token holds the older value and rotates, so this one keeps its value"
        : "the other token's value is newer than this one's and did not come from this pair's last turn (it was " +
          "created or rotated since), so it counts as this rise's new value and neither token rotates"),
  );
  return { view, ...peer };
}

/**
 * Performs a due rotation: refused on the deployer's own token unless
 * `rotateDeployerToken` (and then with the client to itself until the new key
 * works). On failure, the state records what became of the old value; a
 * plain error keeps the old state when nothing changed yet.
 */
async function rotateDue(
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

// --- Comparisons -------------------------------------------------------------

function fieldsChanged(olds: TokenState, news: TokenInputs): boolean {
  if (API_FIELDS.some((key) => containsUnknown(news[key]))) return true;
  return !sameFields(olds.applied.sent, requestedFields(news));
}

function stateInputsChanged(olds: TokenState, news: TokenInputs): boolean {
  // A pair's inputs change with every generation; what that means is `pairRise`.
  return STATE_ONLY_FIELDS.some(
    (key) =>
      key !== "pair" &&
      key !== "pairLeader" &&
      JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null),
  );
}

/** The pair input, when it is known (it is unknown during some previews). */
function pairOf(news: TokenInputs): PairInput | undefined {
  const pair = news.pair as unknown;
  return typeof pair === "object" && pair !== null && typeof news.pair?.generation === "number"
    ? news.pair
    : undefined;
}

/** Slot a's recorded decision as slot b's input gives it, when known. */
function leaderOf(news: TokenInputs): PairView | undefined {
  const leader = news.pairLeader as unknown;
  return typeof leader === "object" && leader !== null ? news.pairLeader : undefined;
}

/** What a pair's token does about its generation at the next `up`, in words; undefined for nothing. */
function pairRise(olds: TokenState, news: TokenInputs): string | undefined {
  const pair = pairOf(news);
  if (pair === undefined) return undefined;
  const own = seenGeneration(olds.pairView, olds.rotationTrigger, pair);
  if (pair.slot === "a") {
    return pair.generation > own
      ? `the pair's generation rose to ${pair.generation}; on up, whichever of its two tokens holds the older ` +
          `value rotates, and the other keeps its value`
      : undefined;
  }
  if ((news.pairLeader as unknown) === UNKNOWN) {
    return pair.generation > own
      ? `the pair's generation rose to ${pair.generation}; on up, this token follows the other token's decision`
      : undefined;
  }
  const follow = followerTurn(leaderOf(news), own, pair);
  if (follow === undefined) return undefined;
  return follow.rotate
    ? `the pair's generation ${follow.view.seen} is this token's turn: it rotates on up`
    : `the pair's generation ${follow.view.seen} is the other token's turn: this one records it and keeps its value`;
}

/** The view a token of a pair records at creation (no rotation: both values are new). */
function createdView(pair: PairInput, given: TokenInputs): PairView {
  if (pair.slot === "a") return viewAt(pair, "none");
  // The second token starts where the first one's decisions stand (both values are new).
  const leader = leaderOf(given);
  if (leader === undefined) return viewAt(pair);
  return followerTurn(leader, pair.generation, pair)?.view ?? viewAt(pair);
}

/**
 * The inputs rotation reasons are judged on: a token of a pair has no
 * trigger of its own (the pair's generation rotates it), so its recorded
 * trigger stands.
 */
function judged(olds: TokenState, news: TokenInputs): TokenInputs {
  if (news.pair === undefined) return news;
  const { rotationTrigger: _ignored, ...rest } = news;
  return olds.rotationTrigger === undefined
    ? rest
    : { ...rest, rotationTrigger: olds.rotationTrigger };
}

function triggerOf(state: TokenState): Pick<TokenInputs, "rotationTrigger"> {
  return state.rotationTrigger === undefined ? {} : { rotationTrigger: state.rotationTrigger };
}

/** The value condition after a read: stale when Panther reports a rotation after the value was issued. */
function staleIfRotated(session: Session, olds: TokenState, token: ApiToken) {
  const value = olds.valueState;
  if (value.status !== "current" || !rotatedSince(token.rotatedAt, value.issuedAt)) return value;
  return valueState(
    "stale",
    `the token was rotated outside this stack at ${String(token.rotatedAt)}`,
    session.now(),
    value.issuedAt,
  );
}

/**
 * Console drift: the stored inputs become what Panther holds, so the next
 * preview shows the program's values as a change back. An empty allow-list
 * that did not drift is left out, so the diff names only what changed.
 */
function driftedInputs(olds: TokenState, reported: TokenFields): TokenInputs {
  const cidrsDrifted = !sameList(
    reported.allowedCIDRBlocks,
    olds.applied.reported.allowedCIDRBlocks,
  );
  const { allowedCIDRBlocks: _carried, ...carried } = inputsOfState(olds);
  return {
    ...carried,
    name: reported.name,
    permissions: reported.permissions,
    ...(cidrsDrifted || reported.allowedCIDRBlocks.length > 0
      ? { allowedCIDRBlocks: reported.allowedCIDRBlocks }
      : {}),
  };
}

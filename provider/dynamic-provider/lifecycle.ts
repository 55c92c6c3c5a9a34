/**
 * The lifecycle of a `PantherApiToken`, method by method, over a
 * {@link Session}, on typed state and checked inputs (`index.ts` is the edge
 * that reads and writes the engine's property bags). Each method names its
 * steps; the steps live in files named for what they do.
 *
 *   check   no network: validate and normalize inputs (`check.ts`)
 *   diff    no network: compare state with checked inputs; name every due rotation
 *   create  POST /api-tokens born locked (`mark.ts`), then POST /api-tokens/{id}
 *           to the declared fields (`unlock`, `modify.ts`); adoption (`adopt.ts`)
 *           instead with adoptTokenId
 *   read    GET  /api-tokens/{id}; an import: GET self, GET
 *   update  POST /api-tokens/{id} when name, permissions or CIDR blocks changed
 *           (`applyFields`, `modify.ts`); the pair's turn (`pairStep`,
 *           `pairTurn.ts`); GET self (once per process) and POST
 *           /api-tokens/{id}/rotate when a rotation is due (`rotateDue`,
 *           `issueValue.ts`), then a wait until the new value works
 *   delete  DELETE /api-tokens/{id}
 * A 404 counts as "gone" only when proven (`guards.ts`). Lost answers are
 * reconciled (`reconcile.ts`, `modify.ts`, `rotateReliably.ts`); a token
 * that exists while a later step failed is reported with its state
 * (`PartialFailure`, `errors.ts`).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { isPantherError } from "../client/errors";
import type { ApiToken } from "../client/types";
import { adopt } from "./adopt";
import { checkInputs } from "./check";
import { getOrGone, originDiffers, originFor, proveGone, readOtherToken } from "./guards";
import {
  API_FIELDS,
  STATE_ONLY_FIELDS,
  containsUnknown,
  UNKNOWN,
  type TokenInputs,
} from "./inputs";
import { ensureUsable, rotateDue, rotateInto, withRotatedValue } from "./issueValue";
import { lockedBody } from "./mark";
import { applyFields, unlock } from "./modify";
import { normalizeFields, sameFields, sameList, type TokenFields } from "./normalize";
import { createdView, pairOf, pairRise, pairTrigger } from "./pair";
import { pairStep } from "./pairTurn";
import { createReconciled, settleLostCreates } from "./reconcile";
import { expiryWarning, rotatedSince, rotationReasons } from "./rotationDue";
import type { Session } from "./session";
import {
  bookkeeping,
  inputsOfState,
  stateOf,
  tokenOfState,
  valueState,
  type TokenState,
} from "./state";

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
 * a later step failed, it throws a `PartialFailure` so the engine
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
  const pair = pairOf(news);
  const trigger = pair === undefined ? {} : { rotationTrigger: pairTrigger(pair.generation) };
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

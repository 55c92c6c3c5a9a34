/**
 * The lifecycle of a `PantherApiToken`, method by method, over a
 * {@link Session}. Each method reads the typed state at its edge
 * (`readState`) and writes it back whole (`stateOf`).
 *
 *   check   no network: validate and normalize inputs (and decide a pair's rotation)
 *   diff    no network: compare state with checked inputs; name every due rotation
 *   create  POST /api-tokens; adoption: GET self, GET, [POST update], [rotate]
 *   read    GET  /api-tokens/{id}; an import: GET self, GET
 *   update  POST /api-tokens/{id} when name, permissions or CIDR blocks changed;
 *           GET self (once per process) and POST /api-tokens/{id}/rotate when a rotation is due
 *   delete  DELETE /api-tokens/{id}
 * A 404 counts as "gone" only once `GET /api-tokens/self` answered on the
 * same origin (a wrong URL answers 404 for everything). Lost answers are
 * reconciled (`reconcile.ts`, `rotate.ts`); a token that exists while a
 * later step failed is reported with its state ({@link PartialFailure}).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { isPantherError } from "../client/errors";
import type { ApiToken } from "../client/types";
import { CONFIG_ALLOW_ORIGIN_CHANGE } from "../config";
import { PartialFailure, messageOf } from "./errors";
import {
  API_FIELDS,
  PROVIDER_KEY,
  STATE_ONLY_FIELDS,
  checkInputs,
  containsUnknown,
  UNKNOWN,
  type TokenInputs,
} from "./inputs";
import { normalizeFields, sameFields, widensAccess, type TokenFields } from "./normalize";
import {
  pairTrigger,
  pairTurn,
  seenGeneration,
  viewAt,
  type PairInput,
  type PairView,
} from "./pair";
import { createReconciled, settleLostCreates } from "./reconcile";
import { RotationFailed, rotateReliably } from "./rotate";
import { rotatedSince, rotationReasons } from "./rotation";
import type { Session } from "./session";
import {
  bookkeeping,
  inputsOfState,
  isTokenState,
  readState,
  stateOf,
  valueState,
  type TokenState,
  type ValueState,
} from "./state";
import { DEFAULT_USABLE_TIMEOUT_SECONDS, waitUntilUsable } from "./usable";

type Raw = Record<string, unknown>;

/** What create returns: the token's id and state. */
export interface Created {
  readonly id: string;
  readonly outs: TokenState;
}

/** What read returns: the id (empty when the token is gone), its state, and inputs after drift. */
export interface Read {
  readonly id: string;
  readonly props?: TokenState;
  readonly inputs?: TokenInputs;
}

/** What update returns: the token's new state. */
export interface Updated {
  readonly outs: TokenState;
}

/** The checked inputs the engine hands back (check produced them). */
function inputsOf(raw: Raw): TokenInputs {
  return raw as unknown as TokenInputs;
}

function providerOf(raw: Raw): unknown {
  return raw[PROVIDER_KEY];
}

/** The body the inputs ask for, in our normal form. */
export function requestedFields(inputs: TokenInputs): TokenFields {
  return normalizeFields({
    name: inputs.name,
    permissions: inputs.permissions,
    allowedCIDRBlocks: inputs.allowedCIDRBlocks ?? [],
  });
}

function equalJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function fieldsChanged(olds: TokenState, news: TokenInputs): boolean {
  const raw = news as unknown as Raw;
  if (API_FIELDS.some((key) => containsUnknown(raw[key]))) return true;
  return !sameFields(olds.applied.sent, requestedFields(news));
}

/** The pair input, when it is known (it is unknown during some previews). */
function pairOf(news: TokenInputs): PairInput | undefined {
  const pair = news.pair as unknown;
  return typeof pair === "object" && pair !== null && typeof news.pair?.generation === "number"
    ? news.pair
    : undefined;
}

/** Whether the pair's generation rose above what this token acted on. */
function pairRose(olds: TokenState, pair: PairInput): boolean {
  return pair.generation > seenGeneration(olds.pairView, olds.rotationTrigger, pair);
}

/**
 * The inputs rotation reasons are judged on: a token of a pair has no
 * trigger of its own (the pair's generation rotates it), so its recorded
 * trigger stands.
 */
function judged(olds: TokenState, news: TokenInputs): TokenInputs {
  if (news.pair === undefined) return news;
  const rest = Object.fromEntries(
    Object.entries(news).filter(([key]) => key !== "rotationTrigger"),
  ) as unknown as TokenInputs;
  return olds.rotationTrigger === undefined
    ? rest
    : { ...rest, rotationTrigger: olds.rotationTrigger };
}

/** Validates and normalizes inputs. No network call. */
export function check(_olds: Raw, news: Raw): dynamic.CheckResult {
  const { inputs, failures } = checkInputs(news);
  if (inputs["adoptTokenId"] === "self") {
    failures.push({
      property: "adoptTokenId",
      reason:
        '"self" is the deployer\'s own token: adopting (and rotating) it would cut off this deployment. ' +
        "Name the id of another token, shown in the Panther Console under Settings → API Tokens",
    });
  }
  return { inputs, failures };
}

/**
 * Compares state with the checked inputs. No network call. Name,
 * permissions and CIDR blocks are updated in place; a due rotation rotates
 * in place (each reason is printed); nothing ever replaces the token.
 */
export function diff(session: Session, id: string, oldsRaw: Raw, newsRaw: Raw): dynamic.DiffResult {
  const olds = readState(oldsRaw, session.now());
  const news = inputsOf(newsRaw);
  const reasons =
    news.rotationTrigger === UNKNOWN
      ? ["rotationTrigger is not known until the update runs"]
      : rotationReasons(olds, judged(olds, news), session.now());
  // A pair's input changes with every generation; what that means is `rose` below.
  const stateOnly = STATE_ONLY_FIELDS.some(
    (key) =>
      key !== "pair" && !equalJson((olds as unknown as Raw)[key], (news as unknown as Raw)[key]),
  );
  for (const reason of reasons) session.progress(`token ${id}: rotation due: ${reason}`);
  const pair = pairOf(news);
  const rose = pair !== undefined && pairRose(olds, pair);
  if (rose) {
    session.progress(
      `token ${id}: the pair's generation rose to ${pair.generation}; on up, whichever of its two tokens ` +
        `holds the older value rotates, and the other keeps its value`,
    );
  }
  if (reasons.length > 0 && olds.deployerToken === true && news.rotateDeployerToken !== true) {
    session.progress(
      `token ${id}: it is the deployer's own token, so the rotation will be refused: set rotateDeployerToken: true ` +
        `to rotate it (the new key then reaches the next run only through this stack's output)`,
    );
  }
  return {
    changes: fieldsChanged(olds, news) || reasons.length > 0 || stateOnly || rose,
    replaces: [],
    deleteBeforeReplace: false,
  };
}

/** Refuses to touch a token recorded under another API origin, unless allowed. */
function guardOrigin(session: Session, state: TokenState, id: string): void {
  const recorded = state.apiOrigin;
  if (recorded === undefined) return;
  const configured = session.apiOrigin();
  if (recorded === configured || session.settings().allowOriginChange) return;
  throw new Error(
    `Panther token ${id} lives at ${recorded}, but this run is configured for ${configured} ` +
      `(panther:url or PANTHER_API_URL). Nothing was changed. Point panther:url at ${recorded}; if the ` +
      `Panther instance really moved, set ${CONFIG_ALLOW_ORIGIN_CHANGE} to true for one run.`,
  );
}

/**
 * Proves that a 404 means "no such token": the deployer's own token must
 * answer on the same origin. Throws, saying what is wrong, when it does not.
 */
async function proveReach(session: Session, cause: unknown): Promise<void> {
  try {
    await session.deployer();
  } catch (error) {
    if (isPantherError(error, "PANTHER_NOT_FOUND")) {
      throw new Error(
        `Panther answered 404 for a token, and also for the deployer's own token (GET /api-tokens/self) at ` +
          `${session.apiOrigin()}: the URL does not reach Panther's API, so nothing is taken to be deleted. ` +
          `Check panther:url (or PANTHER_API_URL): use the API URL shown in the Panther Console under ` +
          `Settings → API Tokens, including any base path such as /v1.`,
        { cause },
      );
    }
    if (isPantherError(error, "PANTHER_UNAUTHORIZED")) {
      throw new Error(
        `Panther answered 404 for a token, and the deployer's key is not accepted at ` +
          `${session.apiOrigin()} (401), so nothing is taken to be deleted. Check that panther:url and ` +
          `panther:token belong to the Panther instance this stack's tokens live in.`,
        { cause },
      );
    }
    throw error;
  }
}

async function getOrGone(session: Session, id: string): Promise<ApiToken | undefined> {
  try {
    return await session.client().getToken(id);
  } catch (error) {
    if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
    await proveReach(session, error);
    return undefined;
  }
}

function refuseDeployerToken(what: "adopt" | "import", id: string): Error {
  return new Error(
    `${what === "adopt" ? "adoptTokenId" : "import"}: token ${id} is the deployer's own token (the key in ` +
      `panther:token or PANTHER_API_TOKEN). ${what === "adopt" ? "Adopting rotates it" : "Managing it from this stack would rotate or delete it"}, ` +
      `which cuts off this deployment and every later one. Deploy with another token that has ` +
      `OrganizationAPITokenModify, or leave this token out of the stack.`,
  );
}

/**
 * With `waitUntilUsable`, returns only once the new value in `state` works.
 * When it does not in time, the value is kept all the same (a
 * {@link PartialFailure} carries it into state): it is the only one that
 * will ever work for this token.
 */
async function usable(
  session: Session,
  id: string,
  state: TokenState,
  inputs: TokenInputs,
  provider: unknown,
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
      provider,
      reasons: [`the new value of token ${id} is stored but had not started working`],
      cause: error,
    });
  }
  return state;
}

/** The value condition after a rotation failed, from what became of the old value. */
function afterFailedRotation(
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

/**
 * Rotates the token of `state` (which has no working value yet) and returns
 * the state holding the new value. When rotating fails, the token still
 * exists: a {@link PartialFailure} carries `state` (pending) so the next `up`
 * rotates again.
 */
async function rotateInto(
  session: Session,
  id: string,
  state: TokenState,
  inputs: TokenInputs,
  provider: unknown,
  why: string,
): Promise<TokenState> {
  let rotation;
  try {
    rotation = await rotateReliably(session, id, false);
  } catch (error) {
    throw new PartialFailure({
      message: `Panther token "${state.name}" (${id}) ${why}, but rotating it for a value failed: ${messageOf(error)}`,
      id,
      state,
      provider,
      reasons: [`rotation of token ${id} is still to do; run pulumi up again`],
      cause: error,
    });
  }
  const next = stateOf(rotation.token, inputs, {
    value: rotation.token.value,
    valueState: valueState(
      "current",
      `issued by a rotation after it ${why}`,
      session.now(),
      rotation.issuedAt,
    ),
    applied: state.applied,
    ...bookkeeping(state),
  });
  return usable(session, id, next, inputs, provider);
}

async function adopt(session: Session, inputs: TokenInputs, provider: unknown): Promise<Created> {
  const id = inputs.adoptTokenId ?? "";
  const deployer = await session.deployer();
  if (id === deployer.id) throw refuseDeployerToken("adopt", id);
  let token = await getOrGone(session, id);
  if (token === undefined) {
    throw new Error(
      `adoptTokenId: Panther has no token with id "${id}". Copy the id from the Panther Console ` +
        `(Settings → API Tokens) or from the API (GET /api-tokens), or remove adoptTokenId to create a new token.`,
    );
  }
  const body = requestedFields(inputs);
  const live = normalizeFields(token);
  if (
    widensAccess(live.allowedCIDRBlocks, body.allowedCIDRBlocks) &&
    inputs.allowWiderAccess !== true
  ) {
    throw new Error(
      `adoptTokenId: token ${id} may only be used from ${live.allowedCIDRBlocks.join(", ")}, and adopting it ` +
        `with ${body.allowedCIDRBlocks.length === 0 ? "no allowedCIDRBlocks" : `allowedCIDRBlocks ${body.allowedCIDRBlocks.join(", ")}`} ` +
        `would let it be used from addresses it is refused from today. Nothing was changed. Set ` +
        `allowedCIDRBlocks to ${JSON.stringify(live.allowedCIDRBlocks)} to keep its restriction, or set ` +
        `allowWiderAccess: true to widen it on purpose.`,
    );
  }
  const added = body.permissions.filter((p) => !live.permissions.includes(p));
  if (added.length > 0) {
    session.progress(`token ${id}: adopting it adds permissions ${added.join(", ")}`);
  }
  if (!sameFields(body, live)) {
    token = await session.client().updateToken(id, {
      name: body.name,
      permissions: [...body.permissions],
      allowedCIDRBlocks: [...body.allowedCIDRBlocks],
    });
  }
  const wantsValue = inputs.rotateOnAdopt !== false;
  const adopted = stateOf(token, inputs, {
    value: "",
    valueState: wantsValue
      ? valueState("pending", "adopted; rotating it gives the stack a value", session.now())
      : valueState(
          "none",
          "adopted with rotateOnAdopt: false, so the stack holds no value",
          session.now(),
        ),
    applied: { sent: body, reported: normalizeFields(token) },
    apiOrigin: session.apiOrigin(),
  });
  if (!wantsValue) return { id: token.id, outs: adopted };
  return {
    id: token.id,
    outs: await rotateInto(session, token.id, adopted, inputs, provider, "was adopted"),
  };
}

/**
 * Creates the token with one POST and returns its value. Transactional: if
 * it throws a plain error, no token was left behind that this stack can
 * track (the error says where to look when one may appear); if a token exists
 * but a later step failed, it throws a {@link PartialFailure} so the engine
 * keeps it.
 */
export async function create(session: Session, raw: Raw): Promise<Created> {
  let inputs = inputsOf(raw);
  const provider = providerOf(raw);
  if (typeof inputs.adoptTokenId === "string") return adopt(session, inputs, provider);
  const body = requestedFields(inputs);
  const outcome = await createReconciled(session, body);
  const token = outcome.token;
  const pair = pairOf(inputs);
  if (pair !== undefined) inputs = { ...inputs, rotationTrigger: pairTrigger(pair.generation) };
  const common = {
    applied: { sent: body, reported: normalizeFields(token) },
    apiOrigin: session.apiOrigin(),
    lostCreates: outcome.lostCreates,
    ...(pair === undefined ? {} : { pairView: viewAt(pair) }),
  };
  if (outcome.kind === "created") {
    const state = stateOf(token, inputs, {
      value: outcome.token.value,
      valueState: valueState("current", "issued by create", session.now(), token.createdAt),
      ...common,
    });
    return { id: token.id, outs: await usable(session, token.id, state, inputs, provider) };
  }
  const pending = stateOf(token, inputs, {
    value: "",
    valueState: valueState(
      "pending",
      "the create's answer was lost with its value; rotating gives the stack one",
      session.now(),
    ),
    ...common,
  });
  const outs = await rotateInto(
    session,
    token.id,
    pending,
    inputs,
    provider,
    "was found after its create's answer was lost",
  );
  return { id: token.id, outs };
}

/**
 * Reads the token. The value is carried forward from state (Panther never
 * returns it again). Console drift shows in outputs and in the returned
 * inputs; a token deleted outside the stack reads as gone (once the URL is
 * proven to reach Panther); a rotation outside the stack makes the value
 * stale. Without prior state this is an import: the token is read, never
 * changed, and the stack holds no value.
 */
export async function read(session: Session, id: string, props: Raw): Promise<Read> {
  if (!isTokenState(props)) return importToken(session, id);
  const olds = readState(props, session.now());
  guardOrigin(session, olds, id);
  const token = await getOrGone(session, id);
  if (token === undefined) return { id: "" };
  const reported = normalizeFields(token);
  const drift = !sameFields(reported, olds.applied.reported);
  let value = olds.valueState;
  if (value.status === "current" && rotatedSince(token.rotatedAt, value.issuedAt)) {
    value = valueState(
      "stale",
      `the token was rotated outside this stack at ${String(token.rotatedAt)}`,
      session.now(),
      value.issuedAt,
    );
  }
  const lostCreates = await settleLostCreates(
    session,
    id,
    olds.applied.sent,
    olds.lostCreates ?? [],
  );
  const state = stateOf(token, inputsOfState(olds), {
    value: olds.value,
    valueState: value,
    applied: drift ? { sent: reported, reported } : olds.applied,
    ...bookkeeping(olds),
    apiOrigin: olds.apiOrigin ?? session.apiOrigin(),
    lostCreates,
  });
  if (!drift) return { id: token.id, props: state };
  // Console drift: the stored inputs become what Panther holds, so the next
  // preview shows the program's values as a change back. An empty allow-list
  // that did not drift is left out, so the diff names only what changed.
  const cidrsDrifted = !sameList(
    reported.allowedCIDRBlocks,
    olds.applied.reported.allowedCIDRBlocks,
  );
  const carried = Object.fromEntries(
    Object.entries(inputsOfState(olds)).filter(([key]) => key !== "allowedCIDRBlocks"),
  );
  return {
    id: token.id,
    props: state,
    inputs: {
      ...carried,
      name: reported.name,
      permissions: reported.permissions,
      ...(cidrsDrifted || reported.allowedCIDRBlocks.length > 0
        ? { allowedCIDRBlocks: reported.allowedCIDRBlocks }
        : {}),
    },
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function importToken(session: Session, id: string): Promise<Read> {
  if (id === "self") throw refuseDeployerToken("import", id);
  const deployer = await session.deployer();
  if (id === deployer.id) throw refuseDeployerToken("import", id);
  const token = await getOrGone(session, id);
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

async function updateFields(session: Session, id: string, body: TokenFields): Promise<ApiToken> {
  try {
    return await session.client().updateToken(id, {
      name: body.name,
      permissions: [...body.permissions],
      allowedCIDRBlocks: [...body.allowedCIDRBlocks],
    });
  } catch (error) {
    if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
    await proveReach(session, error);
    throw new Error(
      `Panther token ${id} no longer exists (deleted outside this stack). Run pulumi refresh to drop it ` +
        `from state; the next pulumi up then creates a new one.`,
      { cause: error },
    );
  }
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
  oldsRaw: Raw,
  newsRaw: Raw,
): Promise<Updated> {
  const olds = readState(oldsRaw, session.now());
  const news = inputsOf(newsRaw);
  const provider = providerOf(newsRaw);
  guardOrigin(session, olds, id);
  const body = requestedFields(news);
  const lostCreates = await settleLostCreates(
    session,
    id,
    olds.applied.sent,
    olds.lostCreates ?? [],
  );
  // Until a rotation succeeds, the state keeps the trigger of the value it holds.
  const pendingInputs: TokenInputs = { ...news, ...triggerOf(olds) };
  const changed = fieldsChanged(olds, news);
  const token = changed ? await updateFields(session, id, body) : undefined;
  let state: TokenState = stateOf(token ?? tokenOfState(id, olds), pendingInputs, {
    value: olds.value,
    valueState: olds.valueState,
    applied: token === undefined ? olds.applied : { sent: body, reported: normalizeFields(token) },
    ...bookkeeping(olds),
    apiOrigin: olds.apiOrigin ?? session.apiOrigin(),
    lostCreates,
  });
  const reasons = rotationReasons(olds, judged(olds, news), session.now());
  const pair = pairOf(news);
  let pairView: PairView | undefined = olds.pairView;
  if (pair !== undefined) {
    pairView = viewAt(pair);
    if (pairRose(olds, pair)) {
      const turn = await decidePairTurn(session, id, olds, pair);
      state = { ...state, pairPeerId: turn.peerId };
      if (turn.turn === "rotate") {
        reasons.push(
          `the pair's generation rose to ${pair.generation} and this token holds the pair's older value`,
        );
      } else {
        session.progress(
          `token ${id}: the pair's generation rose to ${pair.generation}; the other token ` +
            `${turn.turn === "peer-is-older" ? "holds the older value and rotates" : "was rotated in this run"}, so this one keeps its value`,
        );
      }
    } else {
      pairView = {
        ...viewAt(pair),
        seen: seenGeneration(olds.pairView, olds.rotationTrigger, pair),
      };
    }
  }
  if (reasons.length === 0) {
    return { outs: pairView === undefined ? state : { ...state, pairView } };
  }
  const partial = (message: string, value: ValueState, cause: unknown): Error => {
    const kept = revalue(id, state, value);
    if (!changed && value === olds.valueState) {
      // Nothing changed yet: a plain error keeps the old state, which still asks for the rotation.
      return new Error(`${message} Run pulumi up again to retry.`, { cause });
    }
    return new PartialFailure({
      message: changed ? `${message} Its name, permissions and CIDR blocks were updated.` : message,
      id,
      state: kept,
      provider,
      reasons: [`rotation of token ${id} is still to do; run pulumi up again`],
      cause,
    });
  };
  const deployer = await session.deployer();
  const isDeployer = deployer.id === id;
  if (isDeployer) state = { ...state, deployerToken: true };
  if (isDeployer && news.rotateDeployerToken !== true) {
    throw partial(
      `Token ${id} is the deployer's own token (the key in panther:token or PANTHER_API_TOKEN), and a ` +
        `rotation is due (${reasons.join("; ")}). Rotating it would cut off this deployment, so it was ` +
        `refused. Set rotateDeployerToken: true on it to rotate it on purpose (the new key is its value ` +
        `output: set panther:token from it before the next run), remove what makes the rotation due, or ` +
        `deploy with another token.`,
      state.valueState,
      undefined,
    );
  }
  let rotation;
  try {
    rotation = await rotateReliably(session, id, isDeployer);
  } catch (error) {
    if (error instanceof RotationFailed && error.outcome === "gone") {
      throw new Error(
        `Panther token ${id} no longer exists (deleted outside this stack). Run pulumi refresh to drop it ` +
          `from state; the next pulumi up then creates a new one.`,
        { cause: error },
      );
    }
    const value =
      error instanceof RotationFailed
        ? afterFailedRotation(session, state.valueState, error)
        : state.valueState;
    throw partial(
      `Rotating Panther token ${id} failed (${reasons.join("; ")}): ${messageOf(error)}`,
      value,
      error,
    );
  }
  if (isDeployer) session.deployerKeyReplaced(rotation.token.value);
  const trigger = pair === undefined ? {} : { rotationTrigger: pairTrigger(pair.generation) };
  const rotated = stateOf(
    rotation.token,
    { ...news, ...trigger },
    {
      value: rotation.token.value,
      valueState: valueState(
        "current",
        `rotated: ${reasons.join("; ")}`,
        session.now(),
        rotation.issuedAt,
      ),
      applied: state.applied,
      ...bookkeeping(state),
      ...(pairView === undefined ? {} : { pairView }),
    },
  );
  return { outs: await usable(session, id, rotated, news, provider) };
}

/** Finds the pair's other token: by the id seen last time, else by its name. */
async function findPeer(
  session: Session,
  name: string,
  knownId: string | undefined,
  myId: string,
): Promise<ApiToken> {
  if (knownId !== undefined) {
    const known = await session
      .client()
      .getToken(knownId)
      .catch(() => undefined);
    if (known?.name === name) return known;
  }
  const listing = await session.client().listTokens();
  const matches = listing.tokens.filter((t) => t.name === name && t.id !== myId);
  const [only] = matches;
  if (only === undefined || matches.length > 1) {
    throw new Error(
      `The other token of this PantherApiTokenPair, named "${name}", ${matches.length === 0 ? "was not found" : `is ambiguous: ${matches.length} tokens have that name (${matches.map((t) => t.id).join(", ")})`}, ` +
        `so which of the two holds the older value cannot be told and nothing was rotated. ` +
        (matches.length === 0
          ? "Run pulumi refresh, then pulumi up."
          : "Delete or rename the tokens that are not this pair's in the Panther Console."),
    );
  }
  return only;
}

/** Whose turn it is to rotate in a pair, from Panther's records of both tokens. */
async function decidePairTurn(
  session: Session,
  id: string,
  olds: TokenState,
  pair: PairInput,
): Promise<{ turn: ReturnType<typeof pairTurn>; peerId: string }> {
  const peer = await findPeer(session, pair.peerName, olds.pairPeerId, id);
  const stamp = (text: string | null | undefined, fallback: string): number => {
    const t = Date.parse(text ?? fallback);
    return Number.isNaN(t) ? 0 : t;
  };
  const turn = pairTurn({
    slot: pair.slot,
    mine: stamp(olds.rotatedAt, olds.createdAt),
    peer: stamp(peer.rotatedAt, peer.createdAt),
    runStarted: session.pantherTime(session.startedAt).earliest,
  });
  return { turn, peerId: peer.id };
}

function triggerOf(state: TokenState): Pick<TokenInputs, "rotationTrigger"> {
  return state.rotationTrigger === undefined ? {} : { rotationTrigger: state.rotationTrigger };
}

/** `state` with its value condition replaced. */
function revalue(id: string, state: TokenState, value: ValueState): TokenState {
  return stateOf(tokenOfState(id, state), inputsOfState(state), {
    value: state.value,
    valueState: value,
    applied: state.applied,
    ...bookkeeping(state),
  });
}

/** A token as the state last saw it (for updates that make no call). */
function tokenOfState(id: string, state: TokenState): ApiToken {
  const token: Record<string, unknown> = {
    id,
    name: state.name,
    permissions: [...state.permissions],
    allowedCIDRBlocks: [...state.allowedCIDRBlocks],
    createdAt: state.createdAt,
  };
  for (const key of [
    "createdBy",
    "updatedAt",
    "updatedBy",
    "expiresAt",
    "lastUsedAt",
    "rotatedAt",
  ] as const) {
    if (state[key] !== undefined) token[key] = state[key];
  }
  return token as unknown as ApiToken;
}

/** Deletes the token (and late landings of its lost creates). A token already gone is success. */
export async function remove(session: Session, id: string, props: Raw): Promise<void> {
  const olds = readState(props, session.now());
  guardOrigin(session, olds, id);
  await settleLostCreates(session, id, olds.applied.sent, olds.lostCreates ?? []);
  try {
    await session.client().deleteToken(id);
  } catch (error) {
    if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
    await proveReach(session, error);
  }
}

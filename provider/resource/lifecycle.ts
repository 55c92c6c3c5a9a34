/**
 * The dynamic provider behind `PantherApiToken`: this module's exports are
 * the provider object. Pulumi serializes it as `require("pulumi-panther/dynamic-provider")`,
 * so the module path is a public contract kept across versions.
 *
 *   check      no network: validate and normalize inputs
 *   diff       no network: compare stored outputs with checked inputs
 *   create     POST   /api-tokens               (adoption: GET, [POST update], [rotate])
 *   read       GET    /api-tokens/{id}
 *   update     POST   /api-tokens/{id}          when name, permissions or CIDR blocks changed
 *              POST   /api-tokens/{id}/rotate   when rotationTrigger changed or the value went stale
 *   delete     DELETE /api-tokens/{id}          (already gone is success)
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ApiToken, ApiTokenWithValue, ModifyApiToken } from "../client/types";
import { isPantherError } from "../client/errors";
import {
  API_FIELDS,
  INPUT_KEYS,
  PROVIDER_KEY,
  STATE_ONLY_FIELDS,
  checkInputs,
  containsUnknown,
  type CheckFailure,
} from "./inputs";
import {
  inputsOf,
  issuedAtOf,
  rotatedSince,
  toOutputs,
  valueStateOf,
  type ValueState,
} from "./outputs";
import { PartialFailure, messageOf } from "./partial";
import { createReconciled } from "./reconcile";
import { scheduledRotationReason } from "./schedule";
import { client, probeClient, progress, setStackConfig } from "./settings";
import { DEFAULT_USABLE_TIMEOUT_SECONDS, waitUntilUsable } from "./usable";

type Props = Record<string, unknown>;

/** Set in state when a token exists but the rotation that gives the stack its value is still to do. */
const VALUE_PENDING = "valuePending";

/**
 * Called once per provider host process with the stack's config. Only
 * records it: credentials are resolved on first network use.
 */
export function configure(req: dynamic.ConfigureRequest): Promise<void> {
  setStackConfig((key) => req.config.get(key));
  return Promise.resolve();
}

/** Validates and normalizes inputs. No network call. */
export function check(_olds: Props, news: Props): Promise<dynamic.CheckResult> {
  const { inputs, failures } = checkInputs(news);
  if (inputs["adoptTokenId"] === "self") {
    failures.push({
      property: "adoptTokenId",
      reason:
        '"self" is the deployer\'s own token: adopting (and rotating) it would cut off this deployment. ' +
        "Name the id of another token, shown in the Panther Console under Settings → API Tokens",
    } satisfies CheckFailure);
  }
  return Promise.resolve({ inputs, failures });
}

function equalJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Whether the stack wants to hold a working value for this token. */
function wantsValue(inputs: Props): boolean {
  return inputs["rotateOnAdopt"] !== false;
}

/** Why a rotation is due, or undefined. `olds` are stored outputs. */
function rotationReason(olds: Props, news: Props, now: number = Date.now()): string | undefined {
  if (!equalJson(olds["rotationTrigger"], news["rotationTrigger"]))
    return "rotationTrigger changed";
  if (olds[VALUE_PENDING] === true)
    return "an earlier run left the rotation that gives this stack its value unfinished";
  const { value, issuedAt } = valueStateOf(olds);
  if (value === "") return undefined; // adopted without a value: only a trigger change rotates
  if (
    olds["valueStale"] === true ||
    rotatedSince(olds["rotatedAt"] as string | undefined, issuedAt)
  ) {
    return "the token was rotated outside this stack, so the stored value no longer works";
  }
  return scheduledRotationReason(olds, news["rotateAfterDays"], now);
}

function changedApiFields(olds: Props, news: Props): string[] {
  return API_FIELDS.filter((key) => containsUnknown(news[key]) || !equalJson(olds[key], news[key]));
}

/**
 * Compares stored outputs with the checked inputs. No network call. Name,
 * permissions and CIDR blocks are updated in place; a changed
 * `rotationTrigger` (or a stored value that stopped working) rotates in
 * place. Nothing ever replaces the token.
 */
export function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const changed =
    changedApiFields(olds, news).length > 0 ||
    rotationReason(olds, news) !== undefined ||
    STATE_ONLY_FIELDS.some((key) => !equalJson(olds[key], news[key]));
  return Promise.resolve({ changes: changed, replaces: [], deleteBeforeReplace: false });
}

function bodyOf(inputs: Props): ModifyApiToken {
  return {
    name: inputs["name"] as string,
    permissions: inputs["permissions"] as string[],
    allowedCIDRBlocks: inputs["allowedCIDRBlocks"] as string[],
  };
}

function withProvider(outputs: Props, inputs: Props): Props {
  return { ...outputs, [PROVIDER_KEY]: inputs[PROVIDER_KEY] };
}

/**
 * Rotates `token` and returns outputs holding the new value. When rotating
 * fails, the token still exists: a {@link PartialFailure} carries the state
 * to keep (`pending`, with no usable value) so the next `up` rotates again.
 */
async function rotateOrKeep(
  token: ApiToken,
  inputs: Props,
  pending: Props,
  why: string,
): Promise<Props> {
  let rotated: ApiTokenWithValue;
  try {
    rotated = await client().rotateToken(token.id);
  } catch (error) {
    throw new PartialFailure(
      `Panther token "${token.name}" (${token.id}) ${why}, but rotating it failed: ${messageOf(error)}`,
      token.id,
      withProvider({ ...pending, [VALUE_PENDING]: true }, inputs),
      [`rotation of token ${token.id} is still to do; run pulumi up again`],
    );
  }
  const outs = toOutputs(rotated, inputs, {
    value: rotated.value,
    issuedAt: issuedAtOf(rotated, "rotate"),
  });
  return usable(token.id, outs, inputs);
}

/**
 * With `waitUntilUsable`, returns only once the new value in `outs` works.
 * When it does not in time, the value is kept all the same (a
 * {@link PartialFailure} carries it into state): it is the only one that
 * will ever work for this token.
 */
async function usable(id: string, outs: Props, inputs: Props): Promise<Props> {
  if (inputs["waitUntilUsable"] !== true) return outs;
  const timeout = inputs["usableTimeoutSeconds"];
  try {
    await waitUntilUsable(
      probeClient(outs["value"] as string),
      id,
      typeof timeout === "number" ? timeout : DEFAULT_USABLE_TIMEOUT_SECONDS,
      progress,
    );
  } catch (error) {
    throw new PartialFailure(messageOf(error), id, withProvider(outs, inputs), [
      `the new value of token ${id} is stored but had not started working`,
    ]);
  }
  return outs;
}

async function adopt(inputs: Props): Promise<dynamic.CreateResult> {
  const id = inputs["adoptTokenId"] as string;
  let token: ApiToken;
  try {
    token = await client().getToken(id);
  } catch (error) {
    if (isPantherError(error, "PANTHER_NOT_FOUND")) {
      throw new Error(
        `adoptTokenId: Panther has no token with id "${id}". Copy the id from the Panther Console ` +
          `(Settings → API Tokens) or from the API (GET /api-tokens), or remove adoptTokenId to create a new token.`,
      );
    }
    throw error;
  }
  const body = bodyOf(inputs);
  const none: ValueState = { value: "", issuedAt: undefined };
  if (changedApiFields(toOutputs(token, inputs, none), inputs).length > 0) {
    token = await client().updateToken(id, body);
  }
  const adopted = toOutputs(token, inputs, none);
  if (!wantsValue(inputs)) return { id: token.id, outs: adopted };
  return { id: token.id, outs: await rotateOrKeep(token, inputs, adopted, "was adopted") };
}

/**
 * Creates the token with one POST and returns its value. Transactional: if
 * it throws a plain error, no token was left behind; if a token exists but a
 * later step failed, it throws a {@link PartialFailure} so the engine keeps it.
 */
export async function create(inputs: Props): Promise<dynamic.CreateResult> {
  if (typeof inputs["adoptTokenId"] === "string") return adopt(inputs);
  const outcome = await createReconciled(client(), bodyOf(inputs));
  if (outcome.kind === "created") {
    const token = outcome.token;
    const outs = toOutputs(token, inputs, {
      value: token.value,
      issuedAt: issuedAtOf(token, "create"),
    });
    return { id: token.id, outs: await usable(token.id, outs, inputs) };
  }
  const found = outcome.token;
  const pending = toOutputs(found, inputs, { value: "", issuedAt: undefined });
  const outs = await rotateOrKeep(found, inputs, pending, "was created but the answer was lost");
  if (outcome.others.length > 0) {
    const others = outcome.others.map((t) => t.id).join(", ");
    throw new PartialFailure(
      `Creating Panther token "${found.name}" lost its answer; this stack now tracks token ${found.id}, the ` +
        `newest with this definition, but ${outcome.others.length} other token(s) with the same name, ` +
        `permissions and CIDR blocks were created in the same minutes (${others}). If they are not someone ` +
        `else's, delete them in the Panther Console (Settings → API Tokens).`,
      found.id,
      withProvider(outs, inputs),
      [`review tokens ${others}`],
    );
  }
  return { id: found.id, outs };
}

/**
 * Reads the token. The value is carried forward from state (Panther never
 * returns it again). Drift made in the Console shows in outputs and in the
 * returned inputs; a token deleted outside the stack reads as gone; a
 * rotation outside the stack marks the value stale, so the next `up` rotates.
 */
export async function read(id: string, props: Props): Promise<dynamic.ReadResult> {
  let token: ApiToken;
  try {
    token = await client().getToken(id);
  } catch (error) {
    if (isPantherError(error, "PANTHER_NOT_FOUND")) return { id: "", props: {} };
    throw error;
  }
  const outs: Props = toOutputs(token, props, valueStateOf(props));
  if (props[VALUE_PENDING] === true) outs[VALUE_PENDING] = true;
  return { id: token.id, props: outs, inputs: inputsOf(outs) };
}

/**
 * One POST when name, permissions or CIDR blocks changed; one rotate when the
 * trigger changed or the stored value stopped working; nothing else. The
 * token id never changes.
 */
export async function update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
  const why = rotationReason(olds, news);
  const fieldsChanged = changedApiFields(olds, news).length > 0;
  // Until a rotation succeeds the state keeps the old trigger and value, so
  // that a rotation that failed is retried by the next `pulumi up`.
  const pendingInputs: Props = { ...news, rotationTrigger: olds["rotationTrigger"] };
  const outs = fieldsChanged
    ? toOutputs(await updateFields(id, news), pendingInputs, valueStateOf(olds))
    : { ...withoutInputs(olds), ...inputsOf(pendingInputs) };
  if (why === undefined) return { outs };
  let rotated: ApiTokenWithValue;
  try {
    rotated = await client().rotateToken(id);
  } catch (error) {
    const message = `Rotating Panther token ${id} failed (${why}): ${messageOf(error)}`;
    // Nothing changed yet: a plain error keeps the old state, which still asks for the rotation.
    if (!fieldsChanged)
      throw new Error(`${message} Run pulumi up again to retry.`, { cause: error });
    throw new PartialFailure(
      `${message} Its name, permissions and CIDR blocks were updated.`,
      id,
      withProvider(outs, news),
      [`rotation of token ${id} is still to do; run pulumi up again`],
    );
  }
  const rotatedOuts = toOutputs(rotated, news, {
    value: rotated.value,
    issuedAt: issuedAtOf(rotated, "rotate"),
  });
  return { outs: await usable(id, rotatedOuts, news) };
}

async function updateFields(id: string, news: Props): Promise<ApiToken> {
  try {
    return await client().updateToken(id, bodyOf(news));
  } catch (error) {
    if (isPantherError(error, "PANTHER_NOT_FOUND")) {
      throw new Error(
        `Panther token ${id} no longer exists (deleted outside this stack). Run pulumi refresh to drop it ` +
          `from state; the next pulumi up then creates a new one.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Stored outputs without the inputs they carry (and without `__provider`). */
function withoutInputs(olds: Props): Props {
  const drop = new Set<string>([...INPUT_KEYS, PROVIDER_KEY]);
  return Object.fromEntries(Object.entries(olds).filter(([key]) => !drop.has(key)));
}

/** Deletes the token. A token already gone is success. */
async function remove(id: string): Promise<void> {
  try {
    await client().deleteToken(id);
  } catch (error) {
    if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
  }
}
export { remove as delete };

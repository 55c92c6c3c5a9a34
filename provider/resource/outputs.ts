/**
 * The state `PantherApiToken` keeps: Panther's view of the token, the inputs
 * that produced it, and the secret value with what is known about it.
 */
import { parseCidr } from "../client/cidr";
import type { Actor, ApiToken } from "../client/types";
import { INPUT_KEYS, type TokenInputs } from "./inputs";

/** Outputs of a `PantherApiToken`, as stored in state. Absent optional fields are left out. */
export interface TokenOutputs extends TokenInputs {
  createdAt: string;
  createdBy?: Actor;
  updatedAt?: string;
  updatedBy?: Actor;
  expiresAt?: string;
  lastUsedAt?: string;
  rotatedAt?: string;
  /** The secret. Empty when the stack adopted the token without rotating it. */
  value: string;
  /** When the stored `value` was issued (the create or rotate that returned it). */
  valueIssuedAt?: string;
  /** True once Panther reports a rotation after `valueIssuedAt`: the stored value no longer works. */
  valueStale: boolean;
}

/** What is known about the secret when building outputs. */
export interface ValueState {
  readonly value: string;
  readonly issuedAt: string | undefined;
}

/** Sorted, de-duplicated copy. */
export function sortedSet(items: readonly string[]): string[] {
  return [...new Set(items)].sort();
}

/** CIDR blocks in canonical text, sorted, de-duplicated; unreadable ones are kept as Panther sent them. */
export function normalizeCidrs(blocks: readonly string[] | null | undefined): string[] {
  return sortedSet(
    (blocks ?? []).map((b) => {
      const parsed = parseCidr(b.trim());
      return parsed.ok ? parsed.canonical : b;
    }),
  );
}

/** Milliseconds since the epoch of an ISO timestamp, or undefined. */
function timeOf(text: string | null | undefined): number | undefined {
  if (text === undefined || text === null) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Slack when comparing Panther's `rotatedAt` with the stamp of the rotation
 * that issued the stored value: a server may stamp the answer and the stored
 * record a few milliseconds apart. A rotation by someone else within a second
 * of ours is not a realistic case; a false alarm would rotate on every run.
 */
export const ROTATION_STAMP_SLACK_MS = 1000;

/** Whether Panther reports a rotation that happened after the stored value was issued. */
export function rotatedSince(
  rotatedAt: string | null | undefined,
  valueIssuedAt: string | undefined,
): boolean {
  const rotated = timeOf(rotatedAt);
  const issued = timeOf(valueIssuedAt);
  return (
    rotated !== undefined && issued !== undefined && rotated > issued + ROTATION_STAMP_SLACK_MS
  );
}

/** The inputs carried in outputs (the non-API ones come back from state, the API ones from Panther). */
export function inputsOf(outputs: Record<string, unknown>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    if (Object.hasOwn(outputs, key) && outputs[key] !== undefined) inputs[key] = outputs[key];
  }
  return inputs;
}

/**
 * Outputs for `token` as Panther returned it, the stack's own inputs, and the
 * value state. Name, permissions and CIDR blocks come from Panther (so drift
 * shows), normalized the way `check` normalizes inputs.
 */
export function toOutputs(
  token: ApiToken,
  inputs: Record<string, unknown>,
  value: ValueState,
): TokenOutputs & Record<string, unknown> {
  const outputs: TokenOutputs & Record<string, unknown> = {
    ...inputsOf(inputs),
    name: token.name,
    permissions: sortedSet(token.permissions),
    allowedCIDRBlocks: normalizeCidrs(token.allowedCIDRBlocks),
    createdAt: token.createdAt,
    value: value.value,
    valueStale: value.value !== "" && rotatedSince(token.rotatedAt, value.issuedAt),
  };
  const optional = {
    createdBy: token.createdBy ?? undefined,
    updatedAt: token.updatedAt ?? undefined,
    updatedBy: token.updatedBy ?? undefined,
    expiresAt: token.expiresAt ?? undefined,
    lastUsedAt: token.lastUsedAt ?? undefined,
    rotatedAt: token.rotatedAt ?? undefined,
    valueIssuedAt: value.issuedAt,
  };
  for (const [key, v] of Object.entries(optional)) {
    // Parsed values are plain JSON: zod leaves absent keys out rather than undefined.
    if (v !== undefined) outputs[key] = v;
  }
  return outputs;
}

/** The value state carried in existing outputs. */
export function valueStateOf(outputs: Record<string, unknown>): ValueState {
  const value = outputs["value"];
  const issuedAt = outputs["valueIssuedAt"];
  return {
    value: typeof value === "string" ? value : "",
    issuedAt: typeof issuedAt === "string" ? issuedAt : undefined,
  };
}

/** When the value in a create or rotate answer was issued. */
export function issuedAtOf(token: ApiToken, operation: "create" | "rotate"): string {
  const stamp = operation === "rotate" ? (token.rotatedAt ?? token.updatedAt) : token.createdAt;
  return stamp ?? new Date().toISOString();
}

/**
 * The codec of a `PantherApiToken`'s state: state written by any release
 * (0.1.0 included) read back leniently ({@link readState}), and state as it
 * is written ({@link storedState}). This is the part that must not break:
 * every stack's state passes through it at every step (`state.test.ts`,
 * `test/e2e/upgrade.test.ts`).
 */
import type { Actor } from "../client/types";
import { INPUT_KEYS, type TokenInputs } from "./inputs";
import { normalizeFields, sameFields, type TokenFields } from "./normalize";
import { readPairView } from "./pair";
import {
  dropUndefined,
  type AppliedFields,
  type LostCreate,
  type TokenState,
  type ValueState,
  type ValueStatus,
} from "./state";

type Raw = Record<string, unknown>;

function str(raw: Raw, key: string): string | undefined {
  const v = raw[key];
  return typeof v === "string" ? v : undefined;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

function actor(value: unknown): Actor | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

function fieldsOf(value: unknown): TokenFields | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const raw = value as Raw;
  const name = str(raw, "name");
  const permissions = strings(raw["permissions"]);
  const blocks = strings(raw["allowedCIDRBlocks"]);
  if (name === undefined || permissions === undefined || blocks === undefined) return undefined;
  return { name, permissions, allowedCIDRBlocks: blocks };
}

const STATUSES: readonly ValueStatus[] = ["current", "pending", "stale", "none"];

function storedValueState(value: unknown): ValueState | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const raw = value as Raw;
  const status = raw["status"];
  const since = str(raw, "since");
  const reason = str(raw, "reason");
  if (!STATUSES.includes(status as ValueStatus) || since === undefined || reason === undefined) {
    return undefined;
  }
  const issuedAt = str(raw, "issuedAt");
  return { status: status as ValueStatus, since, reason, ...(issuedAt ? { issuedAt } : {}) };
}

/**
 * The value condition of state written before `valueState` existed (0.1.0):
 * `valuePending`, an empty `value`, `valueStale` and `valueIssuedAt`. 0.1.0
 * stamped a value with this machine's clock when Panther's answer had no
 * stamp; a stamp that is not one of Panther's own (`rotatedAt`, `createdAt`)
 * is replaced by Panther's latest, so a clock that differed cannot make the
 * value look stale.
 */
function legacyValueState(raw: Raw, value: string, now: number): ValueState {
  const since = new Date(now).toISOString();
  if (raw["valuePending"] === true) {
    return { status: "pending", since, reason: "an earlier run left a rotation unfinished" };
  }
  if (value === "") {
    return { status: "none", since, reason: "adopted or imported without a value" };
  }
  if (raw["valueStale"] === true) {
    return { status: "stale", since, reason: "the token was rotated outside this stack" };
  }
  const rotatedAt = str(raw, "rotatedAt");
  const createdAt = str(raw, "createdAt");
  const stamped = str(raw, "valueIssuedAt");
  const issuedAt =
    stamped !== undefined && (stamped === rotatedAt || stamped === createdAt)
      ? stamped
      : (rotatedAt ?? createdAt);
  return {
    status: "current",
    since,
    reason: "issued by this stack",
    ...(issuedAt ? { issuedAt } : {}),
  };
}

function lostCreatesOf(value: unknown): LostCreate[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: LostCreate[] = [];
  for (const item of value) {
    if (typeof item !== "object" || item === null) continue;
    const mark = str(item as Raw, "mark");
    const sentAt = str(item as Raw, "sentAt");
    const watchUntil = str(item as Raw, "watchUntil");
    if (watchUntil === undefined || (mark === undefined && sentAt === undefined)) continue;
    out.push(dropUndefined<LostCreate>({ mark, sentAt, watchUntil }));
  }
  return out.length > 0 ? out : undefined;
}

/** Whether `raw` is the state of an existing token (as opposed to the empty props of an import). */
export function isTokenState(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && typeof (raw as Raw)["createdAt"] === "string";
}

/**
 * Reads stored outputs written by any release, leniently: unknown fields are
 * dropped, missing ones derived (see {@link legacyValueState}), `__provider`
 * is not part of the state. `now` stamps a derived value condition.
 */
export function readState(raw: Raw, now: number): TokenState {
  const value = str(raw, "value") ?? "";
  const reportedNow = normalizeFields({
    name: str(raw, "name") ?? "",
    permissions: strings(raw["permissions"]) ?? [],
    allowedCIDRBlocks: strings(raw["allowedCIDRBlocks"]) ?? [],
  });
  const storedApplied =
    typeof raw["applied"] === "object" && raw["applied"] !== null
      ? (raw["applied"] as Raw)
      : undefined;
  const sent = fieldsOf(storedApplied?.["sent"]);
  const reported = fieldsOf(storedApplied?.["reported"]);
  const applied: AppliedFields =
    sent !== undefined && reported !== undefined
      ? { sent, reported }
      : { sent: reportedNow, reported: reportedNow };
  const inputs: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    if (key === "name" || key === "permissions" || key === "allowedCIDRBlocks") continue;
    if (raw[key] !== undefined && raw[key] !== null) inputs[key] = raw[key];
  }
  const state = storedValueState(raw["valueState"]) ?? legacyValueState(raw, value, now);
  return dropUndefined<TokenState>({
    ...(inputs as Omit<TokenInputs, "name" | "permissions" | "allowedCIDRBlocks">),
    name: reportedNow.name,
    permissions: reportedNow.permissions,
    allowedCIDRBlocks: reportedNow.allowedCIDRBlocks,
    createdAt: str(raw, "createdAt") ?? "",
    createdBy: actor(raw["createdBy"]),
    updatedAt: str(raw, "updatedAt"),
    updatedBy: actor(raw["updatedBy"]),
    expiresAt: str(raw, "expiresAt"),
    lastUsedAt: str(raw, "lastUsedAt"),
    rotatedAt: str(raw, "rotatedAt"),
    value,
    valueState: state,
    applied,
    apiOrigin: str(raw, "apiOrigin"),
    deployerToken: raw["deployerToken"] === true ? (true as const) : undefined,
    lostCreates: lostCreatesOf(raw["lostCreates"]),
    pairView: readPairView(raw["pairView"]),
    pairPeerId: str(raw, "pairPeerId"),
  });
}

/**
 * `state` as it is written to Pulumi state: `applied` is left out when it
 * says nothing the reported fields do not (Panther answered in our own form,
 * the common case), as {@link readState} derives it back. The engine
 * converts and rewrites the whole state at every step, so every field left
 * out saves work on every operation.
 */
export function storedState(state: TokenState): StoredState {
  const reported = {
    name: state.name,
    permissions: state.permissions,
    allowedCIDRBlocks: state.allowedCIDRBlocks,
  };
  if (!sameFields(state.applied.sent, reported) || !sameFields(state.applied.reported, reported)) {
    return state;
  }
  const { applied: _applied, ...stored } = state;
  return stored;
}

/** State as written to Pulumi state: `applied` only where it says something (see {@link storedState}). */
export type StoredState = Omit<TokenState, "applied"> & Partial<Pick<TokenState, "applied">>;

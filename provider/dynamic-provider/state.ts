/**
 * What a `PantherApiToken` keeps in state, typed (how state written by any
 * release, 0.1.0 included, is read back and written: `storedState.ts`).
 *
 * The secret's condition is explicit ({@link ValueState}) and carried
 * through every path, partial failures and refresh included: a value is
 * `current` only while the provider has reason to believe it is the one
 * Panther accepts.
 */
import type { Actor, ApiToken } from "../client/types";
import { API_FIELDS, INPUT_KEYS, type TokenInputs } from "./inputs";
import { normalizeFields, type TokenFields } from "./normalize";
import type { PairView } from "./pair";

/**
 * - `current`: `value` is the token's working value.
 * - `pending`: the token exists but a rotation that gives the stack a working
 *   value is still owed (an adoption, a create whose answer was lost, a
 *   rotation that failed or whose outcome is unknown); `value` may be empty or
 *   no longer work. The next `pulumi up` rotates.
 * - `stale`: `value` no longer works: Panther reports a rotation after the one
 *   that issued it (someone rotated the token outside the stack). The next
 *   `pulumi up` rotates.
 * - `none`: the stack holds no value by choice (adopted with
 *   `rotateOnAdopt: false`, or imported). Only a trigger change or a due
 *   schedule rotates.
 */
export type ValueStatus = "current" | "pending" | "stale" | "none";

/** The condition of the stored secret, with when and why. */
export interface ValueState {
  readonly status: ValueStatus;
  /** When the value entered this status (ISO 8601, this machine's clock). */
  readonly since: string;
  /** Why, in words a person can act on. */
  readonly reason: string;
  /**
   * Panther's stamp (its own clock) of the create or rotation that issued the
   * stored value, when known: a later `rotatedAt` means the value is stale.
   */
  readonly issuedAt?: string;
}

/** What was last sent to Panther, and what Panther reported back for it. */
export interface AppliedFields {
  /** The body last sent (create or update), in our normal form. */
  readonly sent: TokenFields;
  /** Panther's answer to it, in our normal form (Panther may use other canonical forms). */
  readonly reported: TokenFields;
}

/**
 * A create whose answer was lost and which may still land (Panther may
 * still create its token), recorded in the state of the token a later
 * attempt made.
 */
export interface LostCreate {
  /**
   * The mark the lost request carried (its only CIDR block, `2001:db8:…/128`):
   * a token carrying it is that request's. Absent in records written before
   * marks existed, which are reported and never acted on.
   */
  readonly mark?: string;
  /** Written before marks existed: the earliest Panther time the request may have left at. */
  readonly sentAt?: string;
  /** Until when later operations look for it (ISO 8601, this machine's clock). */
  readonly watchUntil: string;
}

/** State of a `PantherApiToken`: its inputs, Panther's view of the token, and the secret. */
export interface TokenState extends Omit<
  TokenInputs,
  "name" | "permissions" | "allowedCIDRBlocks"
> {
  /** As Panther reports it. */
  readonly name: string;
  /** As Panther reports them, sorted. */
  readonly permissions: readonly string[];
  /** As Panther reports them, canonical and sorted; empty means any address. */
  readonly allowedCIDRBlocks: readonly string[];
  readonly createdAt: string;
  readonly createdBy?: Actor;
  readonly updatedAt?: string;
  readonly updatedBy?: Actor;
  readonly expiresAt?: string;
  readonly lastUsedAt?: string;
  readonly rotatedAt?: string;
  /** The secret (always registered as a Pulumi secret); empty when the stack holds none. */
  readonly value: string;
  readonly valueState: ValueState;
  readonly applied: AppliedFields;
  /** Origin and base path of the Panther API that holds the token, e.g. `https://api.acme.runpanther.net/v1`. */
  readonly apiOrigin?: string;
  /** True once the provider saw that this is the token the deployer authenticates with. */
  readonly deployerToken?: true;
  /** Earlier creates of this token whose answer was lost and which may still land. */
  readonly lostCreates?: readonly LostCreate[];
  /**
   * For a token of a `PantherApiTokenPair`: the highest generation it acted
   * on and, for the pair's first token, whose turn it was (the second token
   * follows it: this output is its `pairLeader` input).
   */
  readonly pairView?: PairView;
  /** For a token of a `PantherApiTokenPair`: the Panther id of the other token, once found. */
  readonly pairPeerId?: string;
}

/**
 * The properties of state that are not inputs: `public` ones are outputs the
 * resource class declares for programs; `recorded` ones are Panther's
 * metadata, kept in state (`pulumi stack export` shows them; `getApiToken`
 * reads them live) but not declared, since every declared output costs each
 * resource of every program run its promises; `pair` is declared on the
 * tokens of a pair only; `internal` ones are the provider's bookkeeping. The
 * compiler checks that every one has a role.
 */
export const OUTPUT_ROLES = {
  createdAt: "recorded",
  createdBy: "recorded",
  updatedAt: "recorded",
  updatedBy: "recorded",
  expiresAt: "public",
  lastUsedAt: "recorded",
  rotatedAt: "recorded",
  value: "public",
  valueState: "public",
  apiOrigin: "recorded",
  applied: "internal",
  deployerToken: "internal",
  lostCreates: "internal",
  pairView: "pair",
  pairPeerId: "internal",
} as const satisfies Record<
  Exclude<keyof TokenState, keyof TokenInputs>,
  "public" | "recorded" | "pair" | "internal"
>;

type Role = (typeof OUTPUT_ROLES)[keyof typeof OUTPUT_ROLES];
function outputsWith(role: Role): (keyof typeof OUTPUT_ROLES)[] {
  return (Object.keys(OUTPUT_ROLES) as (keyof typeof OUTPUT_ROLES)[]).filter(
    (key) => OUTPUT_ROLES[key] === role,
  );
}

/** The outputs a program reads (the resource class declares them). */
export const PUBLIC_OUTPUTS = outputsWith("public");
/** The outputs the resource class declares on the tokens of a pair besides. */
export const PAIR_OUTPUTS = outputsWith("pair");

/** `state` with its value condition replaced. */
export function revalued(state: TokenState, value: ValueState): TokenState {
  return { ...state, valueState: value };
}

/** Builds a value state entered at `now`. */
export function valueState(
  status: ValueStatus,
  reason: string,
  now: number,
  issuedAt?: string,
): ValueState {
  const since = new Date(now).toISOString();
  return issuedAt === undefined ? { status, since, reason } : { status, since, reason, issuedAt };
}

/**
 * State for `token` as Panther reports it, the stack's `inputs`, and the rest
 * (`value` and its condition, what was applied, bookkeeping). Absent optional
 * fields are left out: outputs must be plain JSON.
 */
export function stateOf(
  token: ApiToken,
  inputs: TokenInputs,
  rest: Pick<TokenState, "value" | "valueState" | "applied"> & Partial<Bookkeeping>,
): TokenState {
  const reported = normalizeFields(token);
  return dropUndefined<TokenState>({
    ...carriedInputs(inputs),
    name: reported.name,
    permissions: reported.permissions,
    allowedCIDRBlocks: reported.allowedCIDRBlocks,
    createdAt: token.createdAt,
    createdBy: token.createdBy ?? undefined,
    updatedAt: token.updatedAt ?? undefined,
    updatedBy: token.updatedBy ?? undefined,
    expiresAt: token.expiresAt ?? undefined,
    lastUsedAt: token.lastUsedAt ?? undefined,
    rotatedAt: token.rotatedAt ?? undefined,
    value: rest.value,
    valueState: rest.valueState,
    applied: rest.applied,
    apiOrigin: rest.apiOrigin,
    deployerToken: rest.deployerToken,
    lostCreates: rest.lostCreates?.length ? rest.lostCreates : undefined,
    pairView: rest.pairView,
    pairPeerId: rest.pairPeerId,
  });
}

/** State the provider keeps for itself, carried from one operation to the next. */
export type Bookkeeping = Pick<
  TokenState,
  "apiOrigin" | "deployerToken" | "lostCreates" | "pairView" | "pairPeerId"
>;

/** A token as the state last saw it (for an update that makes no call). */
export function tokenOfState(id: string, state: TokenState): ApiToken {
  return dropUndefined<ApiToken>({
    id,
    name: state.name,
    permissions: [...state.permissions],
    allowedCIDRBlocks: [...state.allowedCIDRBlocks],
    createdAt: state.createdAt,
    createdBy: state.createdBy,
    updatedAt: state.updatedAt,
    updatedBy: state.updatedBy,
    expiresAt: state.expiresAt,
    lastUsedAt: state.lastUsedAt,
    rotatedAt: state.rotatedAt,
  });
}

/** The bookkeeping of `state`, to carry into the next state. */
export function bookkeeping(state: Partial<Bookkeeping>): Partial<Bookkeeping> {
  const { apiOrigin, deployerToken, lostCreates, pairView, pairPeerId } = state;
  return dropUndefined<Partial<Bookkeeping>>({
    apiOrigin,
    deployerToken,
    lostCreates,
    pairView,
    pairPeerId,
  });
}

/** The inputs a state carries, without the API fields (those come from Panther). */
function carriedInputs(
  inputs: TokenInputs,
): Omit<TokenInputs, "name" | "permissions" | "allowedCIDRBlocks"> {
  const carried: Record<string, unknown> = {};
  for (const key in inputs) {
    if (!API_FIELD_SET.has(key)) carried[key] = inputs[key as keyof TokenInputs];
  }
  return carried;
}

const API_FIELD_SET: ReadonlySet<string> = new Set<string>(API_FIELDS);

/** `T` with every member allowed to be undefined. */
type Loose<T> = { [K in keyof T]: T[K] | undefined };

/** `object` without undefined members (the provider host refuses them). */
export function dropUndefined<T extends object>(object: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    const value: unknown = object[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

/** The inputs stored in `state` (for `read` to hand back after drift), API fields as reported. */
export function inputsOfState(state: TokenState): TokenInputs {
  const inputs: Record<string, unknown> = {};
  for (const key of INPUT_KEYS) {
    const value = (state as unknown as Record<string, unknown>)[key];
    if (value !== undefined) inputs[key] = value;
  }
  return inputs as unknown as TokenInputs;
}

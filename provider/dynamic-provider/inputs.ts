/**
 * The inputs of a `PantherApiToken` as `check` leaves them (`check.ts`
 * validates and normalizes them), what each is for, and the limits.
 */
import type { PairInput, PairView } from "./pair";

/** The value Pulumi puts in place of inputs not known yet (during preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Longest token name accepted. Panther does not publish a limit; its Console caps names well below this. */
export const MAX_NAME_LENGTH = 255;
/** Most permissions on one token (Panther lists fewer than 50). */
export const MAX_PERMISSIONS = 200;
/** Most CIDR blocks on one token (the emulator enforces the same limit). */
export const MAX_CIDR_BLOCKS = 100;
/** Longest `rotationTrigger` accepted. */
export const MAX_TRIGGER_LENGTH = 1024;

/** Longest scheduled rotation period accepted, in days (ten years). */
export const MAX_ROTATE_AFTER_DAYS = 3650;
/** Widest expiry window accepted, in days. */
export const MAX_ROTATE_BEFORE_EXPIRY_DAYS = 365;
/** Longest wait for a new value to work, in seconds. */
export const MAX_USABLE_TIMEOUT_SECONDS = 900;

/** A failed input: Pulumi's `CheckFailure`, printed by the engine per property. */
export type { CheckFailure } from "@pulumi/pulumi/dynamic";

/** Inputs after `check`: plain, normalized (unknown values may remain during preview). */
export interface TokenInputs {
  /** As given; measured in Unicode characters. */
  readonly name: string;
  /** Sorted, de-duplicated. */
  readonly permissions: readonly string[];
  /**
   * Canonical, sorted, de-duplicated. Absent when the program does not set it
   * (a new token then allows any address; an adoption must not widen silently).
   */
  readonly allowedCIDRBlocks?: readonly string[];
  /** Any string; a change rotates the token in place. */
  readonly rotationTrigger?: string;
  /** Send permission names this version does not know, as they are. */
  readonly allowUnknownPermissions?: boolean;
  /** Adopt this existing token instead of creating one (used only at creation). */
  readonly adoptTokenId?: string;
  /** With `adoptTokenId`: rotate on adoption so the stack holds a value (default true). */
  readonly rotateOnAdopt?: boolean;
  /** With `adoptTokenId`: allow the adoption to widen where the token may be used from. */
  readonly allowWiderAccess?: boolean;
  /** Rotate once the last rotation (or creation) is this many days old. */
  readonly rotateAfterDays?: number;
  /** Rotate once when the token comes within this many days of `expiresAt`. */
  readonly rotateBeforeExpiryDays?: number;
  /** Allow rotating this token when it is the deployer's own. */
  readonly rotateDeployerToken?: boolean;
  /** After create or rotate, wait until the new value authenticates. */
  readonly waitUntilUsable?: boolean;
  /** Longest wait for `waitUntilUsable`, in seconds. */
  readonly usableTimeoutSeconds?: number;
  /** Set by `PantherApiTokenPair` on its two tokens. */
  readonly pair?: PairInput;
  /** Set by `PantherApiTokenPair` on its slot b token: slot a's `pairView` output (its decisions). */
  readonly pairLeader?: PairView;
}

/**
 * What each input is for: `api` fields are the body of create and update,
 * `trigger` asks for rotations, `state` inputs only steer the provider (kept
 * in state, never sent). The compiler checks that every input has a role.
 */
const INPUT_ROLES = {
  name: "api",
  permissions: "api",
  allowedCIDRBlocks: "api",
  rotationTrigger: "trigger",
  allowUnknownPermissions: "state",
  adoptTokenId: "state",
  rotateOnAdopt: "state",
  allowWiderAccess: "state",
  rotateAfterDays: "state",
  rotateBeforeExpiryDays: "state",
  rotateDeployerToken: "state",
  waitUntilUsable: "state",
  usableTimeoutSeconds: "state",
  pair: "state",
  pairLeader: "state",
} as const satisfies Record<keyof TokenInputs, "api" | "trigger" | "state">;

type Role = (typeof INPUT_ROLES)[keyof TokenInputs];
function withRole<R extends Role>(role: R) {
  return (Object.keys(INPUT_ROLES) as (keyof TokenInputs)[]).filter(
    (key) => INPUT_ROLES[key] === role,
  ) as {
    [K in keyof TokenInputs]-?: (typeof INPUT_ROLES)[K] extends R ? K : never;
  }[keyof TokenInputs][];
}

/** Inputs that are sent to Panther (the body of create and update). */
export const API_FIELDS = withRole("api");
/** Inputs that only steer the provider: kept in state, never sent to Panther. */
export const STATE_ONLY_FIELDS = withRole("state");
/** Every input property (the SDK adds {@link PROVIDER_KEY}). */
export const INPUT_KEYS = Object.keys(INPUT_ROLES) as readonly (keyof TokenInputs)[];

/** The reserved input under which the SDK stores the serialized provider. */
export const PROVIDER_KEY = "__provider";

/** Whether `value` is, or contains, Pulumi's unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  return false;
}

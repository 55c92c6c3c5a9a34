/**
 * Validation and normalization of `PantherApiToken` inputs: everything
 * `check` does, with no network. Every problem becomes a failure with a
 * property path and a reason that says how to fix it; sets are sorted and
 * de-duplicated so that order and duplicates never show as changes; values
 * not yet known during preview pass through untouched.
 */
import { parseCidr } from "./cidr";
import { KNOWN_PERMISSIONS, isKnownPermission } from "../client/permissions";
import { sortedSet } from "./normalize";
import { checkPair, type PairInput } from "./pair";
import { closest } from "./suggest";

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

/** A failed input, as Pulumi's `CheckFailure`. */
export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

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
  readonly rotationTrigger?: string;
  readonly allowUnknownPermissions?: boolean;
  readonly adoptTokenId?: string;
  readonly rotateOnAdopt?: boolean;
  readonly allowWiderAccess?: boolean;
  readonly rotateAfterDays?: number;
  readonly rotateBeforeExpiryDays?: number;
  readonly rotateDeployerToken?: boolean;
  readonly waitUntilUsable?: boolean;
  readonly usableTimeoutSeconds?: number;
  /** Set by `PantherApiTokenPair` on its two tokens. */
  readonly pair?: PairInput;
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

// Names shown in the Panther Console for the permissions people most often
// type by hand; the API wants the identifiers.
const CONSOLE_NAMES: Readonly<Record<string, string>> = {
  "read api token info": "OrganizationAPITokenRead",
  "manage api tokens": "OrganizationAPITokenModify",
  "view rules": "RuleRead",
  "manage rules": "RuleModify",
  "read alerts": "AlertRead",
  "manage alerts": "AlertModify",
  "query data lake": "DataAnalyticsRead",
  "view policies": "PolicyRead",
  "manage policies": "PolicyModify",
  "view log sources": "LogSourceRead",
  "manage log sources": "LogSourceModify",
};

/** Whether `value` is, or contains, Pulumi's unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  return false;
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Length in Unicode code points (an emoji is one character, not two UTF-16 units). */
function codePoints(text: string): number {
  return Array.from(text).length;
}

function checkName(value: unknown, failures: CheckFailure[]): unknown {
  if (value === UNKNOWN) return value;
  if (value === undefined || value === null) {
    failures.push({
      property: "name",
      reason: 'is required: give the token a name, e.g. "ci-deployer"',
    });
    return value;
  }
  if (typeof value !== "string") {
    failures.push({ property: "name", reason: `must be a string, got ${describeType(value)}` });
    return value;
  }
  if (value.trim() === "") {
    failures.push({
      property: "name",
      reason: 'must not be empty or only spaces: give the token a name, e.g. "ci-deployer"',
    });
  } else if (codePoints(value) > MAX_NAME_LENGTH) {
    failures.push({
      property: "name",
      reason: `is ${codePoints(value)} characters long; use at most ${MAX_NAME_LENGTH}`,
    });
  } else if (CONTROL.test(value)) {
    failures.push({
      property: "name",
      reason:
        "contains a control character (newline, tab, NUL, ...); use printable characters only",
    });
  } else if (value !== value.trim()) {
    failures.push({
      property: "name",
      reason: `has leading or trailing spaces; use ${JSON.stringify(value.trim())}`,
    });
  }
  return value;
}

function checkStringList(
  property: string,
  value: unknown,
  required: boolean,
  max: number,
  example: string,
  failures: CheckFailure[],
): unknown[] | undefined {
  if (value === undefined || value === null) {
    if (required) {
      failures.push({
        property,
        reason: `is required: list at least the permissions the token needs, e.g. ${example}`,
      });
    }
    return undefined;
  }
  if (!Array.isArray(value)) {
    failures.push({
      property,
      reason: `must be a list of strings, e.g. ${example}; got ${describeType(value)}`,
    });
    return undefined;
  }
  if (value.length > max) {
    failures.push({ property, reason: `has ${value.length} entries; at most ${max} are accepted` });
    return undefined;
  }
  let ok = true;
  for (const [i, item] of (value as unknown[]).entries()) {
    if (item !== UNKNOWN && typeof item !== "string") {
      failures.push({
        property: `${property}[${i}]`,
        reason: `must be a string, got ${describeType(item)}`,
      });
      ok = false;
    }
  }
  return ok ? (value as unknown[]) : undefined;
}

/** Sorted, de-duplicated; unknown entries are kept (once) at the end. */
function normalizeSet(items: readonly unknown[]): unknown[] {
  const known = sortedSet(items.filter((i): i is string => typeof i === "string" && i !== UNKNOWN));
  return items.includes(UNKNOWN) ? [...known, UNKNOWN] : known;
}

function checkPermissions(
  value: unknown,
  allowUnknown: unknown,
  failures: CheckFailure[],
): unknown {
  if (value === UNKNOWN) return value;
  const list = checkStringList(
    "permissions",
    value,
    true,
    MAX_PERMISSIONS,
    '["RuleRead"]',
    failures,
  );
  if (list === undefined) return value;
  list.forEach((item, i) => {
    if (typeof item !== "string" || item === UNKNOWN || isKnownPermission(item)) return;
    const property = `permissions[${i}]`;
    const consoleName = CONSOLE_NAMES[item.trim().toLowerCase()];
    if (consoleName !== undefined) {
      failures.push({
        property,
        reason: `"${item}" is the Console's name for a permission; the API name is "${consoleName}"`,
      });
      return;
    }
    const suggestion = closest(item, KNOWN_PERMISSIONS);
    if (suggestion !== undefined && allowUnknown !== true) {
      failures.push({
        property,
        reason: `"${item}" is not a Panther permission; did you mean "${suggestion}"?`,
      });
      return;
    }
    if (allowUnknown === true || allowUnknown === UNKNOWN) return;
    failures.push({
      property,
      reason:
        `"${item}" is not a permission this version of pulumi-panther knows. If Panther added it after this ` +
        `release, set allowUnknownPermissions: true to send it as is; otherwise pick one of: ` +
        KNOWN_PERMISSIONS.join(", "),
    });
  });
  return normalizeSet(list);
}

function checkCidrBlocks(value: unknown, failures: CheckFailure[]): unknown {
  if (value === UNKNOWN || value === undefined || value === null) return value ?? undefined;
  const list = checkStringList(
    "allowedCIDRBlocks",
    value,
    false,
    MAX_CIDR_BLOCKS,
    '["203.0.113.0/24"]',
    failures,
  );
  if (list === undefined) return value;
  const normalized: unknown[] = [];
  list.forEach((item, i) => {
    if (typeof item !== "string" || item === UNKNOWN) {
      normalized.push(item);
      return;
    }
    const property = `allowedCIDRBlocks[${i}]`;
    const parsed = parseCidr(item.trim());
    if (!parsed.ok) {
      failures.push({ property, reason: `"${item}" ${parsed.reason}` });
      return;
    }
    if (parsed.hostBitsSet) {
      failures.push({
        property,
        reason:
          `"${item}" has host bits set, so it is not the network it seems to name; use "${parsed.network}" ` +
          `for the whole network, or "${parsed.canonical.replace(/\/\d+$/, "")}/${parsed.block.family === 4 ? 32 : 128}" for the one address`,
      });
      return;
    }
    normalized.push(parsed.canonical);
  });
  return normalizeSet(normalized);
}

function checkOptionalString(
  property: string,
  value: unknown,
  maxLength: number,
  hint: string,
  failures: CheckFailure[],
): unknown {
  if (value === undefined || value === null || value === UNKNOWN) return value ?? undefined;
  if (typeof value !== "string") {
    failures.push({ property, reason: `must be a string${hint}, got ${describeType(value)}` });
  } else if (value.length > maxLength) {
    failures.push({
      property,
      reason: `is ${value.length} characters long; use at most ${maxLength}`,
    });
  } else if (value === "") {
    failures.push({ property, reason: "must not be empty: leave it out instead" });
  }
  return value;
}

function checkOptionalBoolean(property: string, value: unknown, failures: CheckFailure[]): unknown {
  if (value === undefined || value === null || value === UNKNOWN) return value ?? undefined;
  if (typeof value !== "boolean") {
    failures.push({ property, reason: `must be true or false, got ${describeType(value)}` });
  }
  return value;
}

function checkOptionalWholeNumber(
  property: string,
  value: unknown,
  max: number,
  example: string,
  failures: CheckFailure[],
): unknown {
  if (value === undefined || value === null || value === UNKNOWN) return value ?? undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    failures.push({
      property,
      reason: `must be a whole number from 1 to ${max}, e.g. ${example}; got ${typeof value === "number" ? String(value) : describeType(value)}`,
    });
  }
  return value;
}

/** The `pair` input of a token of a `PantherApiTokenPair`; nothing otherwise. */
function pairInput(value: unknown, trigger: unknown, failures: CheckFailure[]): unknown {
  if (value === undefined || value === null || value === UNKNOWN) return value ?? undefined;
  if (trigger !== undefined && trigger !== null) {
    failures.push({
      property: "rotationTrigger",
      reason:
        "is not used on the tokens of a PantherApiTokenPair (its generation rotates them); remove it",
    });
  }
  if (typeof value === "object" && (value as Record<string, unknown>)["generation"] === UNKNOWN) {
    return value;
  }
  return checkPair(value, failures);
}

/**
 * Validates and normalizes the inputs of one token, as `check` does. The
 * returned inputs hold only the known properties (plus `__provider`), with
 * absent optional ones left out.
 */
export function checkInputs(news: Record<string, unknown>): {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
} {
  const failures: CheckFailure[] = [];
  if (Object.getPrototypeOf(news) !== Object.prototype && Object.getPrototypeOf(news) !== null) {
    failures.push({
      property: "__proto__",
      reason: "is not an input of PantherApiToken; remove it",
    });
  }
  for (const key of Object.keys(news)) {
    if (key !== PROVIDER_KEY && !(INPUT_KEYS as readonly string[]).includes(key)) {
      failures.push({
        property: key,
        reason: `is not an input of PantherApiToken; the inputs are ${INPUT_KEYS.join(", ")}`,
      });
    }
  }
  const allowUnknown = checkOptionalBoolean(
    "allowUnknownPermissions",
    own(news, "allowUnknownPermissions"),
    failures,
  );
  const checked: Record<string, unknown> = {
    name: checkName(own(news, "name"), failures),
    permissions: checkPermissions(own(news, "permissions"), allowUnknown, failures),
    allowedCIDRBlocks: checkCidrBlocks(own(news, "allowedCIDRBlocks"), failures),
    rotationTrigger: checkOptionalString(
      "rotationTrigger",
      own(news, "rotationTrigger"),
      MAX_TRIGGER_LENGTH,
      ' such as "2026-Q4" (use String(...) for numbers or dates)',
      failures,
    ),
    allowUnknownPermissions: allowUnknown,
    adoptTokenId: checkOptionalString(
      "adoptTokenId",
      own(news, "adoptTokenId"),
      256,
      " holding a Panther token id",
      failures,
    ),
    rotateOnAdopt: checkOptionalBoolean("rotateOnAdopt", own(news, "rotateOnAdopt"), failures),
    allowWiderAccess: checkOptionalBoolean(
      "allowWiderAccess",
      own(news, "allowWiderAccess"),
      failures,
    ),
    rotateAfterDays: checkOptionalWholeNumber(
      "rotateAfterDays",
      own(news, "rotateAfterDays"),
      MAX_ROTATE_AFTER_DAYS,
      "90 (the CIS and NIST recommendation)",
      failures,
    ),
    rotateBeforeExpiryDays: checkOptionalWholeNumber(
      "rotateBeforeExpiryDays",
      own(news, "rotateBeforeExpiryDays"),
      MAX_ROTATE_BEFORE_EXPIRY_DAYS,
      "14",
      failures,
    ),
    rotateDeployerToken: checkOptionalBoolean(
      "rotateDeployerToken",
      own(news, "rotateDeployerToken"),
      failures,
    ),
    waitUntilUsable: checkOptionalBoolean(
      "waitUntilUsable",
      own(news, "waitUntilUsable"),
      failures,
    ),
    usableTimeoutSeconds: checkOptionalWholeNumber(
      "usableTimeoutSeconds",
      own(news, "usableTimeoutSeconds"),
      MAX_USABLE_TIMEOUT_SECONDS,
      "120",
      failures,
    ),
  };
  checked["pair"] = pairInput(own(news, "pair"), own(news, "rotationTrigger"), failures);
  const inputs = Object.fromEntries(Object.entries(checked).filter(([, v]) => v !== undefined));
  if (Object.hasOwn(news, PROVIDER_KEY)) inputs[PROVIDER_KEY] = news[PROVIDER_KEY];
  return { inputs, failures };
}

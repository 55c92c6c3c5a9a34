/**
 * Validation and normalization of `PantherApiToken` inputs: everything
 * `check` does, with no network. Every problem becomes a failure with a
 * property path and a reason that says how to fix it; sets are sorted and
 * de-duplicated so that order and duplicates never show as changes; values
 * not yet known during preview pass through untouched.
 */
import { CONSOLE_NAMES, KNOWN_PERMISSIONS, isKnownPermission } from "../client/permissions";
import { parseCidr, type CidrParse } from "./cidr";
import {
  INPUT_KEYS,
  MAX_CIDR_BLOCKS,
  MAX_PERMISSIONS,
  MAX_ROTATE_AFTER_DAYS,
  MAX_ROTATE_BEFORE_EXPIRY_DAYS,
  MAX_TRIGGER_LENGTH,
  MAX_USABLE_TIMEOUT_SECONDS,
  PROVIDER_KEY,
  UNKNOWN,
  type CheckFailure,
} from "./inputs";
import { sortedSet } from "./normalize";
import { checkPair, readPairView } from "./pair";
import { checkName, describeType } from "./checkName";
import { closest } from "./suggest";

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
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

// `check` runs for every token at every preview and up, on the same few blocks: parse each once.
const parsedBlocks = new Map<string, CidrParse>();
const PARSED_LIMIT = 4096;

function parsedBlock(text: string): CidrParse {
  const cached = parsedBlocks.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseCidr(text);
  if (parsedBlocks.size < PARSED_LIMIT) parsedBlocks.set(text, parsed);
  return parsed;
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
    const parsed = parsedBlock(item.trim());
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

/** The `pairLeader` input of slot b of a `PantherApiTokenPair` (slot a's decisions); nothing otherwise. */
function pairLeaderInput(value: unknown, pair: unknown, failures: CheckFailure[]): unknown {
  if (value === undefined || value === null) return undefined;
  const slot =
    typeof pair === "object" && pair !== null ? (pair as { slot?: unknown }).slot : undefined;
  if (slot !== "b" && pair !== UNKNOWN) {
    failures.push({
      property: "pairLeader",
      reason:
        "is set by PantherApiTokenPair on its second token; do not set it on a PantherApiToken",
    });
    return undefined;
  }
  if (value === UNKNOWN) return value;
  const view = readPairView(value);
  if (view === undefined) {
    failures.push({
      property: "pairLeader",
      reason:
        "must be the pairView output of the pair's first token, as PantherApiTokenPair sets it",
    });
  }
  return view;
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
  checked["pairLeader"] = pairLeaderInput(own(news, "pairLeader"), checked["pair"], failures);
  if (
    typeof checked["adoptTokenId"] === "string" &&
    checked["adoptTokenId"].toLowerCase() === "self"
  ) {
    failures.push({
      property: "adoptTokenId",
      reason:
        '"self" is the deployer\'s own token: adopting (and rotating) it would cut off this deployment. ' +
        "Name the id of another token, shown in the Panther Console under Settings → API Tokens",
    });
  }
  const inputs = Object.fromEntries(Object.entries(checked).filter(([, v]) => v !== undefined));
  if (Object.hasOwn(news, PROVIDER_KEY)) inputs[PROVIDER_KEY] = news[PROVIDER_KEY];
  return { inputs, failures };
}

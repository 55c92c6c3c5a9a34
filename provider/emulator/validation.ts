/**
 * Validation of token input (`ModifyAPIToken` bodies and the control API's
 * Console-style calls), with messages in Panther's style.
 */
import { parseCidr, type CidrBlock } from "./cidr";

/** Longest token name the emulator accepts, in characters (Unicode code points). */
export const NAME_MAX_LENGTH = 255;

/** Most CIDR blocks one token may carry. */
export const MAX_CIDR_BLOCKS = 100;

/** Token fields after validation and normalization. */
export interface ValidTokenInput {
  /** The name, as given (not trimmed). */
  readonly name: string;
  /** Permission names, deduplicated and sorted. */
  readonly permissions: readonly string[];
  /** CIDR blocks as given, deduplicated, in the order first given. */
  readonly allowedCIDRBlocks: readonly string[];
  /** The parsed form of `allowedCIDRBlocks`. */
  readonly cidrBlocks: readonly CidrBlock[];
}

/** Outcome of a validation: the value, or Panther-style message for a 400. */
export type Validation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

/** Whether `value` is a plain JSON object (not `null`, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** Checks a token name: required, non-blank, at most {@link NAME_MAX_LENGTH} characters. */
export function validateName(name: unknown): Validation<string> {
  if (name === undefined || name === null) return fail("name is required");
  if (typeof name !== "string") return fail("name must be a string");
  if (name.trim() === "") return fail("name must not be empty");
  if (Array.from(name).length > NAME_MAX_LENGTH) {
    return fail(`name must be at most ${NAME_MAX_LENGTH} characters`);
  }
  return { ok: true, value: name };
}

/**
 * Checks a permission list against `allowed`: required, an array of strings,
 * every name allowed. An empty list is valid (such a token can still read and
 * rotate itself). Returns the names deduplicated and sorted.
 */
export function validatePermissions(
  permissions: unknown,
  allowed: ReadonlySet<string>,
): Validation<readonly string[]> {
  if (permissions === undefined || permissions === null) return fail("permissions is required");
  if (!isStringArray(permissions)) return fail("permissions must be an array of strings");
  for (const permission of permissions) {
    if (!allowed.has(permission)) return fail(`invalid permission ${JSON.stringify(permission)}`);
  }
  return { ok: true, value: [...new Set(permissions)].sort() };
}

/**
 * Checks an allow-list: missing or `null` means empty (any address), else an
 * array of at most {@link MAX_CIDR_BLOCKS} valid IPv4 or IPv6 CIDR blocks.
 */
export function validateCidrBlocks(
  blocks: unknown,
): Validation<{ readonly texts: readonly string[]; readonly parsed: readonly CidrBlock[] }> {
  if (blocks === undefined || blocks === null)
    return { ok: true, value: { texts: [], parsed: [] } };
  if (!isStringArray(blocks)) return fail("allowedCIDRBlocks must be an array of strings");
  const texts = [...new Set(blocks)];
  if (texts.length > MAX_CIDR_BLOCKS) {
    return fail(`allowedCIDRBlocks must have at most ${MAX_CIDR_BLOCKS} entries`);
  }
  const parsed: CidrBlock[] = [];
  for (const text of texts) {
    const block = parseCidr(text);
    if (block === undefined) return fail(`invalid CIDR block ${JSON.stringify(text)}`);
    parsed.push(block);
  }
  return { ok: true, value: { texts, parsed } };
}

/**
 * Validates a `ModifyAPIToken` body (create, and update, which is a full
 * replace: a missing `allowedCIDRBlocks` means an empty list). Unknown fields
 * are ignored. The first problem found is reported.
 *
 * @example
 * validateModifyBody({ name: "ci" }, allowed); // { ok: false, message: "permissions is required" }
 */
export function validateModifyBody(
  body: unknown,
  allowed: ReadonlySet<string>,
): Validation<ValidTokenInput> {
  if (!isJsonObject(body)) return fail("request body must be a JSON object");
  const name = validateName(body["name"]);
  if (!name.ok) return name;
  const permissions = validatePermissions(body["permissions"], allowed);
  if (!permissions.ok) return permissions;
  const blocks = validateCidrBlocks(body["allowedCIDRBlocks"]);
  if (!blocks.ok) return blocks;
  return {
    ok: true,
    value: {
      name: name.value,
      permissions: permissions.value,
      allowedCIDRBlocks: blocks.value.texts,
      cidrBlocks: blocks.value.parsed,
    },
  };
}

/**
 * Validation of token input (`ModifyAPIToken` bodies and the control API's
 * Console-style calls), with messages in Panther's style, and the canonical
 * forms the server stores it in.
 */
import {
  canonicalBlock,
  canonicalName,
  canonicalPermissions,
  type ResolvedCanonicalForms,
} from "./canonical";
import { parseCidr, type CidrBlock } from "./cidr";
import { isJsonObject } from "./json";

/** Longest token name the emulator accepts, in characters (Unicode code points). */
export const NAME_MAX_LENGTH = 255;

/** Most CIDR blocks one token may carry. */
export const MAX_CIDR_BLOCKS = 100;

/** Token fields after validation, in the form they are stored. */
export interface ValidTokenInput {
  /** The name in its canonical form (not trimmed). */
  readonly name: string;
  /** Permission names in their canonical form: deduplicated and sorted. */
  readonly permissions: readonly string[];
  /** CIDR blocks in their canonical form, deduplicated, in the order first given. */
  readonly allowedCIDRBlocks: readonly string[];
  /** The parsed form of `allowedCIDRBlocks`. */
  readonly cidrBlocks: readonly CidrBlock[];
}

/** What validation needs from the server: its permission names and canonical forms. */
export interface InputRules {
  readonly allowedPermissions: ReadonlySet<string>;
  readonly canonicalForms: ResolvedCanonicalForms;
}

/** Outcome of a validation: the value, or Panther-style message for a 400. */
export type Validation<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/**
 * Checks a token name: required, non-blank, at most {@link NAME_MAX_LENGTH}
 * characters once in its canonical form (NFD can lengthen a name).
 */
export function validateName(name: unknown, rules: InputRules): Validation<string> {
  if (name === undefined || name === null) return fail("name is required");
  if (typeof name !== "string") return fail("name must be a string");
  const stored = canonicalName(name, rules.canonicalForms);
  if (stored.trim() === "") return fail("name must not be empty");
  if (Array.from(stored).length > NAME_MAX_LENGTH) {
    return fail(`name must be at most ${NAME_MAX_LENGTH} characters`);
  }
  return { ok: true, value: stored };
}

/**
 * Checks a permission list: required, an array of strings, every name
 * allowed. An empty list is valid (such a token can still read and rotate
 * itself). Returns the canonical list.
 */
export function validatePermissions(
  permissions: unknown,
  rules: InputRules,
): Validation<readonly string[]> {
  if (permissions === undefined || permissions === null) return fail("permissions is required");
  if (!isStringArray(permissions)) return fail("permissions must be an array of strings");
  for (const permission of permissions) {
    if (!rules.allowedPermissions.has(permission)) {
      return fail(`invalid permission ${JSON.stringify(permission)}`);
    }
  }
  return {
    ok: true,
    value: canonicalPermissions(permissions, rules.allowedPermissions, rules.canonicalForms),
  };
}

/**
 * Checks an allow-list: missing or `null` means empty (any address), else an
 * array of at most {@link MAX_CIDR_BLOCKS} valid IPv4 or IPv6 CIDR blocks.
 * Messages name blocks as given; the result holds their canonical forms,
 * deduplicated again (two spellings of one block are stored once).
 */
export function validateCidrBlocks(
  blocks: unknown,
  rules: InputRules,
): Validation<{ readonly texts: readonly string[]; readonly parsed: readonly CidrBlock[] }> {
  if (blocks === undefined || blocks === null)
    return { ok: true, value: { texts: [], parsed: [] } };
  if (!isStringArray(blocks)) return fail("allowedCIDRBlocks must be an array of strings");
  const given = [...new Set(blocks)];
  if (given.length > MAX_CIDR_BLOCKS) {
    return fail(`allowedCIDRBlocks must have at most ${MAX_CIDR_BLOCKS} entries`);
  }
  const byText = new Map<string, CidrBlock>();
  for (const text of given) {
    const block = parseCidr(text);
    if (block === undefined) return fail(`invalid CIDR block ${JSON.stringify(text)}`);
    const stored = canonicalBlock(block, rules.canonicalForms);
    if (!byText.has(stored.text)) byText.set(stored.text, stored);
  }
  return { ok: true, value: { texts: [...byText.keys()], parsed: [...byText.values()] } };
}

/** Validates all three token fields, reporting the first problem found. */
export function validateTokenFields(
  fields: { name: unknown; permissions: unknown; allowedCIDRBlocks: unknown },
  rules: InputRules,
): Validation<ValidTokenInput> {
  const name = validateName(fields.name, rules);
  if (!name.ok) return name;
  const permissions = validatePermissions(fields.permissions, rules);
  if (!permissions.ok) return permissions;
  const blocks = validateCidrBlocks(fields.allowedCIDRBlocks, rules);
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

/**
 * Validates a `ModifyAPIToken` body (create, and update, which is a full
 * replace: a missing `allowedCIDRBlocks` means an empty list). Unknown fields
 * are ignored.
 *
 * @example
 * validateModifyBody({ name: "ci" }, rules); // { ok: false, message: "permissions is required" }
 */
export function validateModifyBody(body: unknown, rules: InputRules): Validation<ValidTokenInput> {
  if (!isJsonObject(body)) return fail("request body must be a JSON object");
  return validateTokenFields(
    {
      name: body["name"],
      permissions: body["permissions"],
      allowedCIDRBlocks: body["allowedCIDRBlocks"],
    },
    rules,
  );
}

/**
 * Panther's answers read without zod: the members kept of an actor, and the
 * quick reader of well-formed tokens, list pages and error bodies. Every
 * answer comes through here; only one that does not fit is read again by the
 * zod schemas of `schemas.ts`, loaded then, to say what does not fit.
 * Internal: not exported from the package's entry points.
 */
import { redactAndCut } from "./errors/redact";
import type { Actor, ApiToken, ApiTokenWithValue, UnreadableToken } from "./types";

/** Members of an actor object that are kept, when they are strings. */
export const ACTOR_FIELDS = ["id", "type", "name", "tokenId", "apiTokenId", "email"] as const;

/**
 * Reads `createdBy` / `updatedBy` whatever the server's version sends: an
 * object keeps its string {@link ACTOR_FIELDS} (absent when it has none) and
 * the id of a nested `apiToken`/`token` (as `apiTokenId`) or the e-mail of a
 * nested `user`, a
 * bare string is read as `{ id }`, `null` stays `null`, anything else is
 * absent. An odd actor never makes a token unreadable.
 */
export function readActor(raw: unknown): Actor | null | undefined {
  if (raw === null) return null;
  if (typeof raw === "string") return raw === "" ? undefined : { id: raw };
  if (typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const actor: Actor = {};
  const members = raw as Record<string, unknown>;
  for (const field of ACTOR_FIELDS) {
    const value = members[field];
    if (typeof value === "string") actor[field] = value;
  }
  // Some versions nest the acting token or user: `{"type": "api-token", "apiToken": {"id": …}}`.
  for (const [key, value] of Object.entries(members)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) continue;
    const inner = value as Record<string, unknown>;
    if (/^(api)?token$/i.test(key) && typeof inner["id"] === "string") {
      actor.apiTokenId ??= inner["id"];
      if (typeof inner["name"] === "string") actor.name ??= inner["name"];
    }
    if (/^user$/i.test(key) && typeof inner["email"] === "string") actor.email ??= inner["email"];
  }
  return Object.keys(actor).length > 0 ? actor : undefined;
}

/** Fields that are `null` or a string, read as they are. */
const NULLISH_STRINGS = ["updatedAt", "expiresAt", "lastUsedAt", "rotatedAt"] as const;
/** The members after `createdAt`, in the schema's order. */
const LATER_MEMBERS = [
  "createdBy",
  "updatedAt",
  "updatedBy",
  "expiresAt",
  "lastUsedAt",
  "rotatedAt",
  "value",
] as const;

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isNullishString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === "string";
}

/**
 * What {@link ApiTokenSchema} (or, with `withValue`, {@link ApiTokenWithValueSchema})
 * reads from a well-formed token: the same object, key order included, read
 * without zod, since every answer is read and almost every answer is well
 * formed. Undefined for anything else, which the schema then reads to say
 * what does not fit (a property test holds the two to the same results).
 */
export function readTokenQuickly(json: unknown, withValue: false): ApiToken | undefined;
export function readTokenQuickly(json: unknown, withValue: true): ApiTokenWithValue | undefined;
export function readTokenQuickly(json: unknown, withValue: boolean): ApiToken | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const raw = json as Record<string, unknown>;
  const { id, name, permissions, allowedCIDRBlocks, createdAt, value } = raw;
  if (typeof id !== "string" || id === "" || typeof name !== "string") return undefined;
  if (!isStrings(permissions) || typeof createdAt !== "string") return undefined;
  if (!(
    allowedCIDRBlocks === undefined ||
    allowedCIDRBlocks === null ||
    isStrings(allowedCIDRBlocks)
  ))
    return undefined;
  if (!NULLISH_STRINGS.every((key) => isNullishString(raw[key]))) return undefined;
  if (withValue ? typeof value !== "string" || value === "" : !isNullishString(value))
    return undefined;
  // Built in the schema's key order, as zod builds its output.
  const token: Record<string, unknown> = { id, name, permissions: [...permissions] };
  if ("allowedCIDRBlocks" in raw)
    token["allowedCIDRBlocks"] = Array.isArray(allowedCIDRBlocks)
      ? [...allowedCIDRBlocks]
      : allowedCIDRBlocks;
  token["createdAt"] = createdAt;
  for (const key of LATER_MEMBERS) {
    if (!(key in raw)) continue;
    if (key === "createdBy" || key === "updatedBy") {
      const actor = readActor(raw[key]);
      if (actor !== undefined) token[key] = actor;
    } else {
      token[key] = raw[key];
    }
  }
  return token as unknown as ApiToken;
}

/** A page of `GET /api-tokens` whose `results` is an array and `next` a string if anything, or undefined. */
export function readPageQuickly(
  json: unknown,
): { results: unknown[]; next?: string | null | undefined } | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const { results, next } = json as Record<string, unknown>;
  if (!Array.isArray(results)) return undefined;
  if (next !== undefined && next !== null && typeof next !== "string") return undefined;
  return next === undefined ? { results } : { results, next };
}

/** What zod says of a field that does not fit (its issues, without naming zod's types). */
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Longest texts quoted of an answer that does not fit, after redaction. */
const MAX_PROBLEM = 300;
const MAX_UNREADABLE_FIELD = 100;

/**
 * Which fields did not fit and what was expected, from zod issues. zod's
 * messages name types and expectations, never the input's values.
 */
export function describeIssues(
  issues: readonly Issue[],
  secrets: readonly string[],
  whole = "body",
): string {
  const shown = issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : whole}: ${issue.message}`);
  if (issues.length > 5) shown.push(`${issues.length - 5} more`);
  return redactAndCut(shown.join("; "), secrets, MAX_PROBLEM);
}

/** A list item that does not fit the token schema, as reported in a listing's `unreadable`. */
export function unreadableOf(
  item: unknown,
  page: number,
  index: number,
  issues: readonly Issue[],
  secrets: readonly string[],
): UnreadableToken {
  const out: UnreadableToken = { page, index, problem: describeIssues(issues, secrets, "item") };
  if (typeof item === "object" && item !== null) {
    const { id, name } = item as { id?: unknown; name?: unknown };
    if (typeof id === "string") out.id = redactAndCut(id, secrets, MAX_UNREADABLE_FIELD);
    if (typeof name === "string") out.name = redactAndCut(name, secrets, MAX_UNREADABLE_FIELD);
  }
  return out;
}

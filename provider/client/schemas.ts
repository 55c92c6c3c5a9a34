/**
 * Wire shapes of Panther's `/api-tokens` endpoints, schema first.
 *
 * Responses are read leniently where Panther's servers are known to differ
 * from the published spec (unknown fields are accepted and dropped,
 * `expiresAt: null`, actors of other shapes, permission names newer than
 * this package) and strictly where the provider depends on a field (`id`
 * always, `value` on create and rotate).
 *
 * The public types are the plain interfaces of `types.ts` (no zod in the
 * shipped declarations); the assertions below make the compiler prove that
 * each schema produces exactly its interface, so the two cannot drift apart.
 * This module is internal: it is not exported from the package's entry points.
 */
import { z } from "zod";
import type { Actor, ApiToken, ApiTokenWithValue, ModifyApiToken } from "./types";

/** Members of an actor object that are kept, when they are strings. */
const ACTOR_FIELDS = ["id", "type", "name", "tokenId", "apiTokenId", "email"] as const;

/**
 * Reads `createdBy` / `updatedBy` whatever the server's version sends: an
 * object keeps its string {@link ACTOR_FIELDS} (absent when it has none) and
 * the id of a nested `apiToken`/`token` (as `apiTokenId`) or the e-mail of a
 * nested `user`, a
 * bare string is read as `{ id }`, `null` stays `null`, anything else is
 * absent. An odd actor never makes a token unreadable.
 */
function readActor(raw: unknown): Actor | null | undefined {
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

/** The actor that created or last updated a token; see {@link Actor}. */
export const ActorSchema = z.unknown().transform(readActor);

/** Optional timestamp fields: Panther sends `null` where the spec says string. */
const optionalTimestamp = z.string().nullish();

/** The members of a token as Panther returns it (`APITokenAPI.APIToken`). */
const ApiTokenFields = z.object({
  id: z.string().min(1),
  name: z.string(),
  permissions: z.array(z.string()),
  allowedCIDRBlocks: z.array(z.string()).nullish(),
  createdAt: z.string(),
  createdBy: ActorSchema.optional(),
  updatedAt: optionalTimestamp,
  updatedBy: ActorSchema.optional(),
  expiresAt: optionalTimestamp,
  lastUsedAt: optionalTimestamp,
  rotatedAt: optionalTimestamp,
  value: z.string().nullish(),
});

/** An actor that could not be read is absent, not a key holding `undefined`. */
function withoutUnreadActors<T extends { createdBy?: unknown; updatedBy?: unknown }>(token: T): T {
  if (token.createdBy === undefined) delete token.createdBy;
  if (token.updatedBy === undefined) delete token.updatedBy;
  return token;
}

/** A token as Panther returns it (`APITokenAPI.APIToken`). */
export const ApiTokenSchema = ApiTokenFields.transform(withoutUnreadActors);

/** A token returned by create or rotate: the only two calls that carry the secret. */
export const ApiTokenWithValueSchema = ApiTokenFields.extend({
  value: z.string().min(1, "expected the new token value"),
}).transform(withoutUnreadActors);

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

/**
 * One page of `GET /api-tokens` (`APITokenAPI.ListResp`). Items are read one
 * by one with {@link ApiTokenSchema}, so one odd item cannot fail the listing.
 */
export const ListPageSchema = z.object({
  results: z.array(z.unknown()),
  next: z.string().nullish(),
});

/** Body of create and update (`APITokenAPI.ModifyAPIToken`): update is a full replace. */
export const ModifyApiTokenSchema = z.object({
  name: z.string(),
  permissions: z.array(z.string()),
  allowedCIDRBlocks: z.array(z.string()).optional(),
});

/**
 * Error bodies. The spec declares `{"message": "..."}`; Panther's own tooling
 * has seen `{"error": "forbidden"}` on 403.
 */
export const ErrorBodySchema = z.object({
  message: z.string().optional(),
  error: z.string().optional(),
});

/**
 * `true` only when `A` and `B` are the same type (optionality and modifiers
 * included): the compiler's own identity check, reached through generic
 * functions, unlike mutual assignability.
 */
/* eslint-disable @typescript-eslint/no-unnecessary-type-parameters -- the idiom needs them */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/* eslint-enable @typescript-eslint/no-unnecessary-type-parameters */
/** Accepts only `true`: a failed {@link Equal} is a compile error where it is used. */
type Assert<T extends true> = T;

/**
 * Compile-time proof that the schemas produce the public interfaces exactly:
 * a change to one without the other fails `tsc` here.
 */
export type SchemasMatchTypes = [
  Assert<Equal<(typeof ACTOR_FIELDS)[number], keyof Actor>>,
  Assert<Equal<z.output<typeof ActorSchema>, Actor | null | undefined>>,
  Assert<Equal<z.output<typeof ApiTokenSchema>, ApiToken>>,
  Assert<Equal<z.output<typeof ApiTokenWithValueSchema>, ApiTokenWithValue>>,
  Assert<Equal<z.output<typeof ModifyApiTokenSchema>, ModifyApiToken>>,
];

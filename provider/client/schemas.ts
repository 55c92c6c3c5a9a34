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
 * This module is internal: it is not exported from the package's entry points,
 * and the client loads it (and zod, ~100 ms) only for an answer that
 * `answers.ts` does not read as well formed.
 */
import { z } from "zod";
import { ACTOR_FIELDS, readActor } from "./answers";
import type { Actor, ApiToken, ApiTokenWithValue, ModifyApiToken } from "./types";

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

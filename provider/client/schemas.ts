/**
 * Wire shapes of Panther's `/api-tokens` endpoints, schema first.
 *
 * Responses are read leniently where Panther's servers are known to differ
 * from the published spec (unknown fields are accepted and dropped,
 * `expiresAt: null`, actor objects of other shapes, permission names newer
 * than this package) and strictly where
 * the provider depends on a field (`id` always, `value` on create and rotate).
 * Types are inferred from these schemas and never written twice.
 */
import { z } from "zod";

/**
 * The actor that created or last updated a token. The spec puts the
 * `user | api-token | system` enum on `id`, and Panther's own example is
 * `{"id":"user","type":"text"}`: both members are read as plain strings.
 */
export const ActorSchema = z.object({
  id: z.string().optional(),
  type: z.string().optional(),
});
export type Actor = z.infer<typeof ActorSchema>;

/** Optional timestamp fields: Panther sends `null` where the spec says string. */
const optionalTimestamp = z.string().nullish();

/** A token as Panther returns it (`APITokenAPI.APIToken`). */
export const ApiTokenSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  permissions: z.array(z.string()),
  allowedCIDRBlocks: z.array(z.string()).nullish(),
  createdAt: z.string(),
  createdBy: ActorSchema.nullish().catch(undefined),
  updatedAt: optionalTimestamp,
  updatedBy: ActorSchema.nullish().catch(undefined),
  expiresAt: optionalTimestamp,
  lastUsedAt: optionalTimestamp,
  rotatedAt: optionalTimestamp,
  value: z.string().nullish(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

/** A token returned by create or rotate: the only two calls that carry the secret. */
export const ApiTokenWithValueSchema = ApiTokenSchema.extend({
  value: z.string().min(1, "expected the new token value"),
});
export type ApiTokenWithValue = z.infer<typeof ApiTokenWithValueSchema>;

/** One page of `GET /api-tokens` (`APITokenAPI.ListResp`). */
export const ListPageSchema = z.object({
  results: z.array(ApiTokenSchema),
  next: z.string().nullish(),
});
export type ListPage = z.infer<typeof ListPageSchema>;

/** Body of create and update (`APITokenAPI.ModifyAPIToken`): update is a full replace. */
export const ModifyApiTokenSchema = z.object({
  name: z.string(),
  permissions: z.array(z.string()),
  allowedCIDRBlocks: z.array(z.string()).optional(),
});
export type ModifyApiToken = z.infer<typeof ModifyApiTokenSchema>;

/**
 * Error bodies. The spec declares `{"message": "..."}`; Panther's own tooling
 * has seen `{"error": "forbidden"}` on 403.
 */
export const ErrorBodySchema = z.object({
  message: z.string().optional(),
  error: z.string().optional(),
});

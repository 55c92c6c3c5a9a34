/**
 * What the client returns and takes, as plain interfaces: no zod and no
 * undici types, so that users' projects compile against these declarations
 * without `skipLibCheck` and with old TypeScript versions. `schemas.ts`
 * holds the zod schemas that read them off the wire, and the compiler checks
 * there that schema and interface agree.
 *
 * Optional fields are written `?: T | undefined`, as the schemas produce them.
 */

/** The six operations of the api-tokens API. */
export type Operation = "create" | "list" | "get" | "update" | "delete" | "rotate";

/**
 * Who created or last updated a token. The shape varies between Panther
 * versions: the spec puts the `user | api-token | system` enum on `id`,
 * Panther's own example is `{"id":"user","type":"text"}`, and servers have
 * sent other members or a bare string. Every member is optional; a bare
 * string is read as `{ id }`; other members and non-string values are dropped.
 */
export interface Actor {
  /** Often the kind of actor (`user`, `api-token`, `system`), sometimes an id. */
  id?: string | undefined;
  /** Often a kind or an id; the spec's example has `text`. */
  type?: string | undefined;
  /** Display name, when the server sends one. */
  name?: string | undefined;
  /** Id of the acting token, when the server sends it under this name. */
  tokenId?: string | undefined;
  /** Id of the acting token, when the server sends it under this name. */
  apiTokenId?: string | undefined;
  /** E-mail address of the acting user, when the server sends one. */
  email?: string | undefined;
}

/** A token as Panther returns it (`APITokenAPI.APIToken`); `value` only after create or rotate. */
export interface ApiToken {
  /** Panther's id of the token; never empty. */
  id: string;
  /** Display name. */
  name: string;
  /** Permission names; may include names newer than this package's list. */
  permissions: string[];
  /** Allowed CIDR blocks; empty or absent means every address may use the token. */
  allowedCIDRBlocks?: string[] | null | undefined;
  /** ISO timestamp of creation. */
  createdAt: string;
  /** Who created it; `null` or absent when Panther does not say. */
  createdBy?: Actor | null | undefined;
  /** ISO timestamp of the last update. */
  updatedAt?: string | null | undefined;
  /** Who last updated it; `null` or absent when Panther does not say. */
  updatedBy?: Actor | null | undefined;
  /** ISO timestamp of expiry; `null` for a token that does not expire. */
  expiresAt?: string | null | undefined;
  /** ISO timestamp of the last use. */
  lastUsedAt?: string | null | undefined;
  /** ISO timestamp of the last rotation. */
  rotatedAt?: string | null | undefined;
  /** The secret: only in the answers to create and rotate. */
  value?: string | null | undefined;
}

/** A token returned by create or rotate: the only two calls that carry the secret. */
export interface ApiTokenWithValue extends ApiToken {
  /** The secret, never empty. Panther never returns it again. */
  value: string;
}

/** Body of create and update (`APITokenAPI.ModifyAPIToken`); update is a full replace. */
export interface ModifyApiToken {
  /** Display name. */
  name: string;
  /** Permission names. */
  permissions: string[];
  /** Allowed CIDR blocks; empty or absent means every address may use the token. */
  allowedCIDRBlocks?: string[] | undefined;
}

/**
 * A listed item that does not fit the token schema (for example
 * `permissions: null`, no `createdAt`, a number where a string belongs). It
 * is reported rather than failing the whole listing. Never quotes values.
 */
export interface UnreadableToken {
  /** Page it was on, counting from 1. */
  page: number;
  /** Its position in that page's `results`, counting from 0. */
  index: number;
  /** Its `id`, when that is a string (redacted, cut to 100 characters). */
  id?: string | undefined;
  /** Its `name`, when that is a string (redacted, cut to 100 characters). */
  name?: string | undefined;
  /** Which fields did not fit and what was expected, e.g. `permissions: expected array`. */
  problem: string;
}

/** What a listing found: the tokens that could be read, and the items that could not. */
export interface TokenListing {
  /** Tokens that fit the schema, in Panther's order. */
  tokens: ApiToken[];
  /** Items that did not, in Panther's order; usually empty. */
  unreadable: UnreadableToken[];
}

/** One page of a listing, with the cursor of the next page. */
export interface TokenPage extends TokenListing {
  /** Cursor of the next page, or undefined on the last one. */
  next: string | undefined;
}

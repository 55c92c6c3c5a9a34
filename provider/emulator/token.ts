/**
 * The token object as the emulator puts it on the wire, matching Panther's
 * `APITokenAPI.APIToken`, including its odd actor shape.
 */

/**
 * Who created or last changed a token. The shape copies what the published
 * spec implies, which is odd on purpose: `id` holds the actor's *kind*
 * (`user`, `api-token` or `system`) and `type` holds *which* actor, e.g.
 * `{"id": "api-token", "type": "<id of the calling token>"}`.
 */
export interface EmulatorActor {
  /** Kind of actor: `api-token` for calls over the REST API, `user` for Console (control API) changes, `system` for the bootstrap admin token. */
  readonly id: "user" | "api-token" | "system";
  /** Which actor: the calling token's id for `api-token`, `emulator-console` for `user`, `emulator` for `system`. */
  readonly type: string;
}

/** A token as every endpoint returns it. All timestamps are ISO-8601 strings in UTC. */
export interface EmulatorToken {
  /** Random UUID, assigned on create, never changes (not on rotate either). */
  id: string;
  /** Display name, as given. */
  name: string;
  /** Permission names, deduplicated and sorted. May be empty. */
  permissions: string[];
  /** CIDR blocks allowed to use the token, as given, deduplicated; empty means any address. */
  allowedCIDRBlocks: string[];
  /** When the token was created. */
  createdAt: string;
  /** Who created the token. */
  createdBy: EmulatorActor;
  /** When the token was last updated or rotated; equals `createdAt` until then. */
  updatedAt: string;
  /** Who last updated or rotated the token; equals `createdBy` until then. */
  updatedBy: EmulatorActor;
  /** Always `null`: Panther tokens made through the API do not expire. */
  expiresAt: null;
  /** When the token last authenticated a request; absent until it has. */
  lastUsedAt?: string;
  /** When the token was last rotated; absent until it has been. */
  rotatedAt?: string;
}

/** A token with its secret, as only create and rotate return it. */
export interface EmulatorTokenWithValue extends EmulatorToken {
  /** The token's secret value: the `X-API-Key` that authenticates as this token. */
  value: string;
}

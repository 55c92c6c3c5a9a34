/**
 * The token object as the emulator puts it on the wire, matching Panther's
 * `APITokenAPI.APIToken`, and the shapes its actor fields can take.
 */

/** What kind of actor made a change. */
export type ActorKind = "user" | "api-token" | "system";

/**
 * How `createdBy` and `updatedBy` are written. Panther's published spec is
 * odd here: it puts the kind enum (`user | api-token | system`) on `id`, and
 * the docs' own example is `{"id": "user", "type": "text"}`, so `type` would
 * have to name the actor. A real server most plausibly does the reverse, so
 * that is the default; the others let a client be tested against each
 * reading.
 *
 * - `typed` (default): identity in `id`, kind in `type`:
 *   `{"id": "<calling token id>", "type": "api-token"}`.
 * - `spec-literal`: the spec's reading: `{"id": "api-token", "type": "<calling token id>"}`.
 * - `string`: just the actor's id as a JSON string.
 * - `nested`: `{"type": "api-token", "apiToken": {"id": "…", "name": "…"}}`
 *   (`"user": {"id"}` and `"system": {"id"}` for the other kinds).
 */
export type ActorShape = "typed" | "spec-literal" | "string" | "nested";

/** Every {@link ActorShape}, default first. */
export const ACTOR_SHAPES: readonly ActorShape[] = ["typed", "spec-literal", "string", "nested"];

/** `createdBy`/`updatedBy` with `actorShape: "typed"`. */
export interface TypedActor {
  /** Who: the calling token's id, the Console user's id or email, or `emulator` for the bootstrap token. */
  readonly id: string;
  /** What kind of actor. */
  readonly type: ActorKind;
}

/** `createdBy`/`updatedBy` with `actorShape: "spec-literal"`: kind in `id`, identity in `type`. */
export interface SpecLiteralActor {
  /** What kind of actor. */
  readonly id: ActorKind;
  /** Who (see {@link TypedActor.id}). */
  readonly type: string;
}

/** `createdBy`/`updatedBy` with `actorShape: "nested"`: the kind, and the actor under a key named for it. */
export interface NestedActor {
  readonly type: ActorKind;
  /** Present when `type` is `api-token`: the calling token as it was named at the call. */
  readonly apiToken?: { readonly id: string; readonly name: string };
  /** Present when `type` is `user`. */
  readonly user?: { readonly id: string };
  /** Present when `type` is `system`. */
  readonly system?: { readonly id: string };
}

/** Who created or last changed a token, in the emulator's {@link ActorShape}. */
export type EmulatorActor = TypedActor | SpecLiteralActor | NestedActor | string;

/** An actor as stored, independent of how it is written. */
export interface StoredActor {
  readonly kind: ActorKind;
  readonly id: string;
  /** The calling token's name at the time, for `api-token` actors. */
  readonly name?: string;
}

/** Writes a stored actor in `shape`. */
export function renderActor(actor: StoredActor, shape: ActorShape): EmulatorActor {
  switch (shape) {
    case "typed":
      return { id: actor.id, type: actor.kind };
    case "spec-literal":
      return { id: actor.kind, type: actor.id };
    case "string":
      return actor.id;
    case "nested":
      if (actor.kind === "api-token") {
        return { type: actor.kind, apiToken: { id: actor.id, name: actor.name ?? "" } };
      }
      return actor.kind === "user"
        ? { type: actor.kind, user: { id: actor.id } }
        : { type: actor.kind, system: { id: actor.id } };
  }
}

/** A token as every endpoint returns it. All timestamps are ISO-8601 strings in UTC, by the emulator's clock. */
export interface EmulatorToken {
  /** Random UUID, assigned on create, never changes (not on rotate either). */
  id: string;
  /** Display name, in its canonical form (as given, unless `canonicalForms` says otherwise). */
  name: string;
  /** Permission names, deduplicated and sorted. May be empty. */
  permissions: string[];
  /** CIDR blocks allowed to use the token, in their canonical form, deduplicated; empty means any address. */
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

/**
 * A token with its secret, as only create and rotate return it. With
 * `answerStamps: "none"` these two answers leave out `updatedAt` and
 * `rotatedAt` (the stored token keeps them).
 */
export interface EmulatorTokenWithValue extends EmulatorToken {
  /** The token's secret value: the `X-API-Key` that authenticates as this token. */
  value: string;
}

/**
 * Whether a token Panther lists is the one a create of ours made, when the
 * create's answer was lost. Panther has no idempotency key, so the proof is
 * circumstantial and must exclude everyone else's tokens:
 * - made by the deployer's own token (`createdBy` names its id), so not by a
 *   person in the Console nor by another stack's deployer token;
 * - created after our request left, on Panther's clock (the `Date` header of
 *   its answers gives the offset), so not a matching token made earlier;
 * - never used: the value of a token whose answer was lost was never seen by
 *   anyone, so a token that has authenticated a request is someone else's;
 * - its fields match the request in any canonical form Panther may use.
 * `createdBy` shapes vary between Panther versions: any string member that
 * could carry an actor's id is read.
 */
import type { Actor, ApiToken } from "../client/types";
import { matchesRequest, type TokenFields } from "./normalize";

/** Words some Panther versions put where an actor's id would be: the actor's kind. */
const ACTOR_KINDS = new Set(["user", "api-token", "apitoken", "token", "system", "text"]);

/** The ids an actor names, leniently (empty when it identifies nobody). */
export function actorIds(actor: Actor | string | null | undefined): string[] {
  if (actor === undefined || actor === null) return [];
  if (typeof actor === "string") return ACTOR_KINDS.has(actor.toLowerCase()) ? [] : [actor];
  const ids: string[] = [];
  for (const [key, value] of Object.entries(actor as Record<string, unknown>)) {
    if (typeof value === "string" && /id$/i.test(key) && !ACTOR_KINDS.has(value.toLowerCase())) {
      ids.push(value);
    }
    // `{"type": "<id>", "id": "api-token"}`: the spec's reading, with the kind on `id`.
    if (
      key === "type" &&
      typeof value === "string" &&
      !ACTOR_KINDS.has(value.toLowerCase()) &&
      typeof (actor as Record<string, unknown>)["id"] === "string" &&
      ACTOR_KINDS.has(String((actor as Record<string, unknown>)["id"]).toLowerCase())
    ) {
      ids.push(value);
    }
    if (typeof value === "object" && value !== null) ids.push(...actorIds(value));
  }
  return [...new Set(ids)];
}

/** When a request left and when the listing was taken, on Panther's clock (ms). */
export interface CallWindow {
  /** Earliest Panther time the request can have left at. */
  readonly sentAfter: number;
  /** Latest Panther time the listing can have been taken at. */
  readonly listedBefore: number;
}

/** Slack for timestamp granularity (Panther may stamp in whole seconds). */
export const STAMP_GRANULARITY_MS = 1000;

/** How a listed token relates to a lost create. */
export type Verdict =
  | "ours"
  /** Same fields and in the window, but who made it cannot be read, or the stamps do not add up. */
  | "unproven"
  | "unrelated";

/** Judges one listed token against the request `body` made by `deployerId` in `window`. */
export function judgeCandidate(
  token: ApiToken,
  body: TokenFields,
  deployerId: string,
  window: CallWindow,
): Verdict {
  if (!matchesRequest(token, body)) return "unrelated";
  const makers = actorIds(token.createdBy);
  // Made by a person or by another token: someone else's, never to be touched.
  if (makers.length > 0 && !makers.includes(deployerId)) return "unrelated";
  // A token whose value someone has used is not one whose answer was lost.
  if (token.lastUsedAt !== undefined && token.lastUsedAt !== null) return "unrelated";
  const created = Date.parse(token.createdAt);
  if (Number.isNaN(created)) return "unproven";
  if (created < window.sentAfter - STAMP_GRANULARITY_MS) return "unrelated";
  if (created > window.listedBefore + STAMP_GRANULARITY_MS) return "unproven";
  return makers.length === 0 ? "unproven" : "ours";
}

/**
 * Panther's six `/api-tokens` endpoints, as data: what each operation sends, where, whether it
 * may be sent again after an attempt that may have taken effect, and whether its answer has a
 * body to read. The client's methods and the transport read this table; neither names an
 * operation in its own code.
 *
 * `{id}` may be `self`: the token making the call.
 */
import { encodeId } from "./apiKey";
import type { Operation } from "./types";

/** One endpoint. */
export interface Endpoint {
  readonly method: "GET" | "POST" | "DELETE";
  /** The path below the base path, for the token `id` (encoded here) where the path has one. */
  readonly path: (id: string) => string;
  /**
   * Whether an attempt that may have taken effect may be sent again. Create and rotate are not
   * idempotent; an update is a full replace, but an attempt whose answer was lost can land
   * late, after a later change, and undo it. Those are repeated only when the failed attempt
   * provably did nothing.
   */
  readonly repeatable: boolean;
  /** Whether a success carries a JSON body to read (a delete answers 204). */
  readonly readsBody: boolean;
}

const tokenPath = (id: string): string => `/api-tokens/${encodeId(id)}`;

/** Every operation's endpoint. */
export const ENDPOINTS = {
  create: { method: "POST", path: () => "/api-tokens", repeatable: false, readsBody: true },
  list: { method: "GET", path: () => "/api-tokens", repeatable: true, readsBody: true },
  get: { method: "GET", path: tokenPath, repeatable: true, readsBody: true },
  update: { method: "POST", path: tokenPath, repeatable: false, readsBody: true },
  delete: { method: "DELETE", path: tokenPath, repeatable: true, readsBody: false },
  rotate: {
    method: "POST",
    path: (id) => `${tokenPath(id)}/rotate`,
    repeatable: false,
    readsBody: true,
  },
} as const satisfies Record<Operation, Endpoint>;

/**
 * Everything the Panther side of one emulator holds and changes while it
 * runs, shared by the core's API handlers and the control API. The HTTP
 * gateway's own state (faults, late landings) is in `gateway.ts`.
 */
import type { ResolvedCanonicalForms } from "./canonical";
import type { EmulatorClock } from "./clock";
import { CounterSet } from "./counters";
import { RequestLog } from "./requestLog";
import { TokenStore, type IdMatching } from "./store";
import type { ActorShape } from "./token";
import type { InputRules } from "./validation";

/** The shape of 403 bodies: `{"message": "..."}` (as the spec declares) or `{"error": "forbidden"}` (as Panther's tooling has seen). */
export type ForbiddenBodyShape = "message" | "error";

/** Whether create and rotate answers carry `updatedAt` and `rotatedAt` (`"full"`) or leave them out (`"none"`). */
export type AnswerStamps = "full" | "none";

/** Mutable state of one emulator's Panther side. */
export class EmulatorState implements InputRules {
  readonly store: TokenStore;
  readonly clock: EmulatorClock;
  /** Request and status counts (connections are counted by the HTTP server). */
  readonly counters = new CounterSet();
  /** The last requests with their headers. */
  readonly log = new RequestLog();
  /** Permission names accepted in token input: the known ones plus any extra. */
  readonly allowedPermissions: ReadonlySet<string>;
  readonly forbiddenBodyShape: ForbiddenBodyShape;
  readonly canonicalForms: ResolvedCanonicalForms;
  readonly answerStamps: AnswerStamps;
  /** Largest list page; `?limit=` may ask for less, not more. */
  readonly pageSize: number;
  /** Id of the bootstrap admin token, which the REST API may not delete or rotate; set once it exists. */
  adminTokenId = "";

  constructor(settings: {
    clock: EmulatorClock;
    propagationDelayMs: number;
    pageSize: number;
    allowedPermissions: ReadonlySet<string>;
    forbiddenBodyShape: ForbiddenBodyShape;
    canonicalForms: ResolvedCanonicalForms;
    answerStamps: AnswerStamps;
    actorShape: ActorShape;
    idMatching: IdMatching;
  }) {
    this.clock = settings.clock;
    this.store = new TokenStore(settings.clock, settings.propagationDelayMs, settings.actorShape);
    this.store.idMatching = settings.idMatching;
    this.pageSize = settings.pageSize;
    this.allowedPermissions = settings.allowedPermissions;
    this.forbiddenBodyShape = settings.forbiddenBodyShape;
    this.canonicalForms = settings.canonicalForms;
    this.answerStamps = settings.answerStamps;
  }
}

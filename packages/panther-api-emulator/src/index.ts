/**
 * A local Panther API emulator for tests, demos and offline stacks: an HTTP
 * server (`startEmulator`) with a gateway that can misbehave on request, and
 * the same Panther behaviour in-process without sockets (`createEmulatorCore`).
 *
 * @example
 * import { startEmulator } from "pulumi-panther-emulator";
 *
 * const emulator = await startEmulator({ propagationDelayMs: 300 });
 * process.env.PANTHER_API_URL = emulator.url;
 * process.env.PANTHER_API_TOKEN = emulator.adminKey;
 * emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
 * // ... exercise a client ...
 * await emulator.close();
 */
export { startEmulator, type Emulator, type EmulatorOptions } from "./server";
export {
  ADMIN_TOKEN_NAME,
  createEmulatorCore,
  type EmulatorCore,
  type EmulatorCoreOptions,
  type EmulatorCoreRequest,
  type EmulatorCoreResponse,
} from "./core";
export type {
  ConsoleTokenChanges,
  ConsoleTokenInput,
  EmulatorControl,
  EmulatorCoreControl,
} from "./control";
export type { CanonicalForms } from "./canonical";
export { MAX_CLOCK_OFFSET_MS, type ClockSettings } from "./clock";
export { NO_RESPONSE, type EmulatorCounters } from "./counters";
export { CONTROL_HEADER, CONTROL_PREFIX } from "./controlHttp";
export { EmulatorError, type EmulatorErrorCode } from "./errors";
export {
  FaultTable,
  MAX_APPLY_AFTER_MS,
  type DelayFault,
  type DropAfterApplyFault,
  type Fault,
  type FaultAction,
  type FaultMatch,
  type LateLandingFault,
  type RawBodyFault,
  type ResetFault,
  type StatusFault,
} from "./faults";
export { MAX_BODY_BYTES } from "./http";
export {
  API_OPERATIONS,
  REQUEST_OPERATIONS,
  type ApiOperation,
  type RequestOperation,
} from "./operations";
export { MIN_ADMIN_KEY_LENGTH } from "./options";
export { RECENT_REQUESTS_LIMIT, type RecordedRequest } from "./requestLog";
export type { AnswerStamps, ForbiddenBodyShape } from "./state";
export type { IdMatching } from "./store";
export {
  ACTOR_SHAPES,
  type ActorKind,
  type ActorShape,
  type EmulatorActor,
  type EmulatorToken,
  type EmulatorTokenWithValue,
  type NestedActor,
  type SpecLiteralActor,
  type TypedActor,
} from "./token";
export { MAX_CIDR_BLOCKS, NAME_MAX_LENGTH } from "./validation";

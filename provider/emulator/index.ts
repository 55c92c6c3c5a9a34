/**
 * A local Panther API emulator for tests, demos and offline stacks.
 *
 * @example
 * import { startEmulator } from "pulumi-panther/emulator";
 *
 * const emulator = await startEmulator({ propagationDelayMs: 300 });
 * process.env.PANTHER_API_URL = emulator.url;
 * process.env.PANTHER_API_TOKEN = emulator.adminKey;
 * emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
 * // ... exercise a client ...
 * await emulator.close();
 */
export { ADMIN_TOKEN_NAME, startEmulator, type Emulator, type EmulatorOptions } from "./server";
export type { ConsoleTokenChanges, ConsoleTokenInput, EmulatorControl } from "./control";
export { NO_RESPONSE, type EmulatorCounters } from "./counters";
export { CONTROL_HEADER, CONTROL_PREFIX } from "./controlHttp";
export { EmulatorError, type EmulatorErrorCode } from "./errors";
export type {
  DelayFault,
  DropAfterApplyFault,
  Fault,
  FaultAction,
  FaultMatch,
  RawBodyFault,
  ResetFault,
  StatusFault,
} from "./faults";
export { MAX_BODY_BYTES } from "./http";
export {
  API_OPERATIONS,
  REQUEST_OPERATIONS,
  type ApiOperation,
  type RequestOperation,
} from "./operations";
export type { RandomFailureConfig } from "./randomFailures";
export type { RateLimitConfig } from "./rateLimit";
export { RECENT_REQUESTS_LIMIT, type RecordedRequest } from "./requestLog";
export type { ForbiddenBodyShape } from "./state";
export type { EmulatorActor, EmulatorToken, EmulatorTokenWithValue } from "./token";
export { MAX_CIDR_BLOCKS, NAME_MAX_LENGTH } from "./validation";

/**
 * The Panther REST client for API tokens, usable without Pulumi:
 * `import { PantherClient } from "pulumi-panther/client"`.
 */
export {
  PantherClient,
  type Operation,
  type PantherClientOptions,
  type RetryEvent,
} from "./client";
export * from "./errors";
export { ServerClock } from "./serverClock";
export { DEFAULT_TIMEOUTS, closeAllPools, type Timeouts } from "./pool";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry";
export {
  KNOWN_PERMISSIONS,
  MODIFY_PERMISSION,
  READ_PERMISSION,
  isKnownPermission,
  type KnownPermission,
  type Permission,
} from "./permissions";
export type {
  Actor,
  ApiToken,
  ApiTokenWithValue,
  ModifyApiToken,
  TokenListing,
  TokenPage,
  UnreadableToken,
} from "./types";
export { isLoopbackHost, parseBaseUrl, type PantherBaseUrl } from "./url";
export { PACKAGE_NAME, PACKAGE_VERSION, USER_AGENT } from "./version";

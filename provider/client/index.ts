/**
 * The Panther REST client for API tokens, usable without Pulumi:
 * `import { PantherClient } from "pulumi-panther/client"`.
 */
// Type-only names are exported apart (`export type`), not with inline `type`
// modifiers: the declarations stay readable by TypeScript 3.8.
export { PantherClient } from "./client";
export type { Operation, PantherClientOptions, RetryEvent } from "./client";
export * from "./errors";
export { ServerClock } from "./serverClock";
export { DEFAULT_TIMEOUTS, closeAllPools } from "./pool";
export type { Timeouts } from "./pool";
export { DEFAULT_RETRY_POLICY } from "./retry";
export type { RetryPolicy } from "./retry";
export {
  KNOWN_PERMISSIONS,
  MODIFY_PERMISSION,
  READ_PERMISSION,
  isKnownPermission,
} from "./permissions";
export type { KnownPermission, Permission } from "./permissions";
export type {
  Actor,
  ApiToken,
  ApiTokenWithValue,
  ModifyApiToken,
  TokenListing,
  TokenPage,
  UnreadableToken,
} from "./types";
export { isLoopbackHost, parseBaseUrl } from "./url";
export type { PantherBaseUrl } from "./url";
export { PACKAGE_NAME, PACKAGE_VERSION, USER_AGENT } from "./version";

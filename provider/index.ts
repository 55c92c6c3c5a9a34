/**
 * pulumi-panther: Panther API tokens as Pulumi resources.
 *
 * @example
 * ```ts
 * import { PantherApiToken } from "pulumi-panther";
 * const ci = new PantherApiToken("ci-deployer", { name: "ci-deployer", permissions: ["RuleRead"] });
 * export const token = ci.value;
 * ```
 */
// Type-only names are exported in `export type` statements of their own, not with inline `type`
// modifiers: the emitted declarations then stay readable by TypeScript 3.8, the compiler that
// @pulumi/pulumi runs programs with when a project has no TypeScript of its own.
export { PantherApiToken } from "./resources/apiToken";
export type { PantherApiTokenArgs } from "./resources/apiToken";
export { PantherApiTokenPair, rotationGeneration } from "./resources/tokenPair";
export type { PantherApiTokenPairArgs } from "./resources/tokenPair";
export type { ValueState, ValueStatus } from "./dynamic-provider/state";
export {
  getApiToken,
  getDeployerToken,
  listApiTokens,
  requireDeployerPermissions,
} from "./lookups";
export type { LookupOptions } from "./lookups";
export { KNOWN_PERMISSIONS } from "./client/permissions";
export type { KnownPermission, Permission } from "./client/permissions";
export type { Actor, ApiToken } from "./client/types";
export {
  CONFIG_ALLOW_ORIGIN_CHANGE,
  CONFIG_LATE_LANDING,
  CONFIG_TIMEOUT,
  CONFIG_TOKEN,
  CONFIG_URL,
  ENV_ALLOW_ORIGIN_CHANGE,
  ENV_LATE_LANDING,
  ENV_TIMEOUT,
  ENV_TOKEN,
  ENV_URL,
} from "./config";

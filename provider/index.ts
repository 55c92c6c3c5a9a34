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
export { PantherApiToken, type PantherApiTokenArgs } from "./resources/apiToken";
export {
  PantherApiTokenPair,
  rotationGeneration,
  type PantherApiTokenPairArgs,
} from "./resources/tokenPair";
export type { ValueState, ValueStatus } from "./dynamic-provider/state";
export {
  getApiToken,
  getDeployerToken,
  listApiTokens,
  requireDeployerPermissions,
  type LookupOptions,
} from "./lookups";
export { KNOWN_PERMISSIONS, type KnownPermission, type Permission } from "./client/permissions";
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

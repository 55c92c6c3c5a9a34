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
export { PantherApiToken, type PantherApiTokenArgs } from "./resource/apiToken";
export {
  PantherApiTokenPair,
  rotationGeneration,
  type PantherApiTokenPairArgs,
} from "./resource/tokenPair";
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
  CONFIG_TIMEOUT,
  CONFIG_TOKEN,
  CONFIG_URL,
  ENV_TIMEOUT,
  ENV_TOKEN,
  ENV_URL,
} from "./resource/settings";

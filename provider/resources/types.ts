/**
 * The type tokens the engine records for this package's resources, as `pulumi preview`,
 * `pulumi stack export` and policy packs see them. Kept in a module of their own so that
 * code matching resources (the policy pack) can name them without loading the provider.
 */

/** Module and type name `PantherApiToken` passes to `pulumi.dynamic.Resource`. */
export const API_TOKEN_MODULE = "panther";
export const API_TOKEN_NAME = "ApiToken";

/**
 * Type token of a `PantherApiToken`: `pulumi.dynamic.Resource` registers a dynamic resource
 * as `pulumi-nodejs:dynamic/<module>:<type>`.
 */
export const API_TOKEN_TYPE = `pulumi-nodejs:dynamic/${API_TOKEN_MODULE}:${API_TOKEN_NAME}`;

/** Type token of a `PantherApiTokenPair` (a component resource). */
export const API_TOKEN_PAIR_TYPE = "panther:index:ApiTokenPair";

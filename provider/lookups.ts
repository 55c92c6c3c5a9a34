/**
 * Lookups for Pulumi programs: read tokens at deployment time, and check
 * early that the deployer's own key can do what the stack needs.
 *
 * They run in the program (not in the provider host), with the same
 * credentials as the resources: stack config `panther:url` and
 * `panther:token`, else `PANTHER_API_URL` and `PANTHER_API_TOKEN`, unless
 * given explicitly. Results are plain (not secret): token metadata never
 * carries a value.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Permission } from "./client/permissions";
import type { ApiToken } from "./client/types";
import { PantherConfigError } from "./client/errors";
import { toError } from "./client/errors/thrown";
import { CONFIG_TOKEN, CONFIG_URL, readSettings, type PantherSettings } from "./config";
import { connectPanther, type TokenApi } from "./connect";

/** Where a lookup connects; each defaults to stack config, then the environment. */
export interface LookupOptions {
  /** Panther's API URL. */
  readonly url?: pulumi.Input<string>;
  /** API key to authenticate with. */
  readonly token?: pulumi.Input<string>;
}

/** The settings for a lookup: explicit options, else stack config, else the environment. */
function settingsFor(url: string | undefined, token: string | undefined): PantherSettings {
  return readSettings((key) => {
    if (key === CONFIG_URL && url !== undefined) return url;
    if (key === CONFIG_TOKEN && token !== undefined) return token;
    return pulumi.runtime.getConfig(key);
  });
}

function clientFor(settings: PantherSettings): TokenApi {
  return connectPanther({
    url: settings.url,
    apiKey: settings.token,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
}

function lookup<T>(
  options: LookupOptions,
  run: (client: TokenApi) => Promise<T>,
): pulumi.Output<T> {
  // The client's pool is shared with other lookups of the program; its idle
  // keep-alive sockets are unref'd by undici, so they never hold the program open.
  const result = pulumi
    .all([options.url, options.token])
    .apply(([url, token]) => run(clientFor(settingsFor(url, token))));
  return pulumi.unsecret<T>(result);
}

/**
 * One token by id, or the error reading it, as a plain promise that never
 * rejects (for warnings that must not fail the program).
 */
export async function tryGetApiToken(id: string): Promise<ApiToken | Error> {
  try {
    return await clientFor(settingsFor(undefined, undefined)).getToken(id);
  } catch (error) {
    return toError(error);
  }
}

/**
 * One token by id (never its value).
 *
 * @example
 * ```ts
 * const legacy = getApiToken("8a7f...");
 * export const legacyPermissions = legacy.permissions;
 * ```
 */
export function getApiToken(
  id: pulumi.Input<string>,
  options: LookupOptions = {},
): pulumi.Output<ApiToken> {
  return pulumi.output(id).apply((tokenId) => lookup(options, (c) => c.getToken(tokenId)));
}

/**
 * Every token in the Panther instance (all pages) that could be read. An
 * item Panther lists that does not fit the token schema is left out with a
 * warning naming it (its id and name when it has them, and the fields that
 * did not fit), rather than failing the program.
 */
export function listApiTokens(options: LookupOptions = {}): pulumi.Output<ApiToken[]> {
  return lookup(options, async (c) => {
    const { tokens, unreadable } = await c.listTokens();
    if (unreadable.length > 0) {
      const which = unreadable
        .map((u) => {
          const named = [u.id, u.name === undefined ? undefined : JSON.stringify(u.name)]
            .filter((part) => part !== undefined)
            .join(" ");
          return `${named || `item ${u.index + 1} of page ${u.page}`} (${u.problem})`;
        })
        .join("; ");
      await pulumi.log.warn(
        `listApiTokens: left out ${unreadable.length} token(s) Panther listed in a shape this ` +
          `package cannot read: ${which}.`,
      );
    }
    return tokens;
  });
}

/** The deployer's own token (`GET /api-tokens/self`). */
export function getDeployerToken(options: LookupOptions = {}): pulumi.Output<ApiToken> {
  return lookup(options, (c) => c.getToken("self"));
}

/**
 * Fails the program (and so `pulumi preview`) early, with a message naming
 * what is missing, when the deployer's token lacks any of `permissions`.
 * Returns a promise to await before declaring resources, so that the
 * program stops before anything is planned. Resolves to the deployer's token.
 *
 * @example
 * ```ts
 * export = async () => {
 *   await requireDeployerPermissions(["OrganizationAPITokenRead", "OrganizationAPITokenModify"]);
 *   const ci = new PantherApiToken("ci", { name: "ci", permissions: ["RuleRead"] });
 *   return { token: ci.value };
 * };
 * ```
 */
export async function requireDeployerPermissions(
  permissions: readonly Permission[],
  options: { readonly url?: string; readonly token?: string } = {},
): Promise<ApiToken> {
  // Plain values, not Outputs: a failed Output would leave this promise pending.
  const self = await clientFor(settingsFor(options.url, options.token)).getToken("self");
  const missing = permissions.filter((p) => !self.permissions.includes(p));
  if (missing.length > 0) {
    const them = missing.length > 1 ? "them" : "it";
    throw new PantherConfigError(
      `The deployer's Panther token "${self.name}" (${self.id}) lacks ${missing.join(", ")}. Grant ` +
        `${them} in the Panther Console (Settings → API Tokens → Edit), or configure a key that has ${them}.`,
    );
  }
  return self;
}

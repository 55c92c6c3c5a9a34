/**
 * `pulumi-panther/policy`: a CrossGuard policy pack for Panther API tokens. Each policy is
 * exported on its own (for packs of your own, and for tests) and all of them as
 * {@link pantherPolicies}; `examples/policy-pack` is a ready pack made of them:
 *
 * ```ts
 * import { PolicyPack } from "@pulumi/policy";
 * import { pantherPolicies } from "pulumi-panther/policy";
 * new PolicyPack("panther-token-hygiene", { policies: pantherPolicies });
 * ```
 *
 * Resource policies see a token's inputs as the provider's check returned them: permissions
 * and CIDR blocks sorted, de-duplicated and canonical. The policy SDK hands them over in
 * plaintext, secrets unwrapped and not marked, so no message repeats an input's text: a CIDR
 * block is named by its family and prefix length, a permission only when it is one of this
 * package's known names or of the policy's own config, a token by its resource name (which is
 * in its URN). The stack policy reads `permissions` alone, never `value`. A value not known
 * during preview (an output of another resource) stops a policy at that token with the SDK's
 * advisory "can't run policy … during preview".
 */
import {
  validateResourceOfType,
  validateStackResourcesOfType,
  type Policies,
  type PolicyResource,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";

import { PantherApiToken } from "../resources/apiToken";
import { API_TOKEN_PAIR_TYPE, API_TOKEN_TYPE } from "../resources/types";
import { catchAll, describeBlock, parseBlock, within } from "./networks";
import { CREDENTIAL_PERMISSIONS, isWritePermission, namePermissions } from "./permissions";
import {
  type TokenInputs,
  tokenOf,
  named,
  configName,
  input,
  stringList,
  wholeNumber,
  listConfig,
  tokenPolicy,
  tokenNamesSchema,
} from "./tokens";

export { CREDENTIAL_PERMISSIONS, READ_ONLY_PERMISSIONS, isWritePermission } from "./permissions";
export { API_TOKEN_PAIR_TYPE, API_TOKEN_TYPE } from "../resources/types";

/** Default of `maxDays` of {@link rotationScheduled}: CIS and NIST recommend 90. */
export const DEFAULT_MAX_ROTATION_DAYS = 90;
/** Default of `maxWriteTokens` of {@link writeTokenLimit}. */
export const DEFAULT_MAX_WRITE_TOKENS = 5;

/**
 * Network restriction: every token lists `allowedCIDRBlocks`, none of them a catch-all
 * (`0.0.0.0/0`, `::/0`, or an IPv6 block holding all of `::ffff:0:0/96`, the IPv4-mapped
 * addresses), and, when `allowedRanges` is configured, each inside one of those ranges.
 */
export const networkRestricted: ResourceValidationPolicy = {
  name: "panther-token-network-restricted",
  description:
    "Panther API tokens list allowedCIDRBlocks, with no catch-all block (0.0.0.0/0, ::/0, ::ffff:0:0/96 or wider), and only blocks inside allowedRanges when it is configured.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedRanges: {
        description:
          'CIDR ranges every allowed block must lie inside, e.g. ["10.0.0.0/8", "203.0.113.0/24"]. Absent: any block that is not a catch-all.',
        type: "array",
        items: { type: "string" },
      },
    },
  },
  validateResource: tokenPolicy((inputs, token, config, report) => {
    const where = input(token, "allowedCIDRBlocks");
    const blocks = inputs.allowedCIDRBlocks ?? [];
    if (blocks.length === 0) {
      report(
        `${where} is empty, so the token works from any address. List the networks that use ` +
          `it, e.g. allowedCIDRBlocks: ["203.0.113.0/24"].`,
      );
      return;
    }
    const parsed = blocks.map(parseBlock);
    const unreadable = parsed.filter((b) => b === undefined).length;
    if (unreadable > 0) {
      report(
        `${where} has ${unreadable === 1 ? "an entry" : `${unreadable} entries`} that ${unreadable === 1 ? "is" : "are"} not a CIDR block: ` +
          `write each as an address and a prefix length, e.g. "203.0.113.0/24".`,
      );
    }
    const readable = parsed.filter((b) => b !== undefined);
    const catchAlls = readable.map(catchAll).filter((c) => c !== undefined);
    if (catchAlls.length > 0) {
      report(
        `${where} has a catch-all block (${catchAlls.join("; ")}), so the token works from ` +
          `anywhere. Replace it with the networks that use the token, e.g. "203.0.113.0/24".`,
      );
    }
    const ranges = stringList(config["allowedRanges"]);
    if (ranges === undefined) return;
    const parsedRanges = ranges.map(parseBlock);
    const badRange = parsedRanges.findIndex((r) => r === undefined);
    if (badRange >= 0) {
      report(
        `The policy's config has allowedRanges[${badRange}] = ${JSON.stringify(ranges[badRange])}, ` +
          `which is not a CIDR block: fix it in the file given to --policy-pack-config ` +
          `(e.g. "10.0.0.0/8").`,
      );
      return;
    }
    const outside = readable.filter(
      (b) =>
        catchAll(b) === undefined && !parsedRanges.some((r) => r !== undefined && within(b, r)),
    );
    if (outside.length > 0) {
      report(
        `${where} has ${outside.length === 1 ? "a block" : `${outside.length} blocks`} ` +
          `(${outside.map(describeBlock).join(", ")}) outside the allowed ranges ` +
          `${ranges.join(", ")}: list only networks inside them, or have the range added to ` +
          `allowedRanges in the policy's config.`,
      );
    }
  }),
};

/**
 * Rotation: every token rotates on a schedule of at most `maxDays` days: `rotateAfterDays`,
 * or a `PantherApiTokenPair` with `periodDays`. `rotationTrigger` alone is not a schedule.
 */
export const rotationScheduled: ResourceValidationPolicy = {
  name: "panther-token-rotation-scheduled",
  description:
    "Panther API tokens rotate on a schedule of at most maxDays days (default 90): rotateAfterDays, or a PantherApiTokenPair with periodDays.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      maxDays: {
        description: "Longest allowed rotation period, in days. CIS and NIST recommend 90.",
        type: "integer",
        minimum: 1,
        default: DEFAULT_MAX_ROTATION_DAYS,
      },
    },
  },
  validateResource: tokenPolicy((inputs, token, config, report) => {
    const maxDays = Math.max(1, wholeNumber(config["maxDays"], DEFAULT_MAX_ROTATION_DAYS));
    if (token.pairName !== undefined || inputs.pair !== undefined) {
      const pair = `PantherApiTokenPair ${JSON.stringify(token.pairName ?? token.name)}`;
      const periodDays = inputs.pair?.periodDays;
      if (periodDays === undefined) {
        report(
          `${pair} has no periodDays, so its rotation period cannot be checked: pass the ` +
            `period its generation counts, at most ${maxDays} days, e.g. ` +
            `generation: rotationGeneration(${Math.min(30, maxDays)}), periodDays: ${Math.min(30, maxDays)}.`,
        );
      } else if (periodDays > maxDays) {
        report(
          `${pair} rotates less often than every ${maxDays} days (its periodDays): use a ` +
            `period of at most ${maxDays}, e.g. generation: rotationGeneration(${maxDays}), ` +
            `periodDays: ${maxDays}.`,
        );
      }
      return;
    }
    const days = inputs.rotateAfterDays;
    if (days === undefined) {
      report(
        `The token has no rotation schedule: set rotateAfterDays to at most ${maxDays} and run ` +
          `the stack on a schedule, or make it a PantherApiTokenPair with periodDays of at most ` +
          `${maxDays}. A rotationTrigger rotates only when someone changes it.`,
      );
    } else if (days > maxDays) {
      report(`rotateAfterDays is more than ${maxDays} days: set it to ${maxDays} or fewer.`);
    }
  }),
};

/**
 * Least privilege: the permissions that can mint or change credentials or users
 * ({@link CREDENTIAL_PERMISSIONS}, or the configured `privilegedPermissions`) only on the tokens
 * named in `allowedTokens`.
 */
export const privilegedPermissions: ResourceValidationPolicy = {
  name: "panther-token-privileged-permissions",
  description:
    "Permissions that can mint or change credentials or users (OrganizationAPITokenModify, UserModify, GeneralSettingsModify) only on tokens named in allowedTokens.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedTokens: {
        ...tokenNamesSchema,
        description:
          "Resource names of the tokens allowed privileged permissions (a PantherApiTokenPair's name covers its two tokens).",
        default: [],
      },
      privilegedPermissions: {
        description: "The permissions this policy guards.",
        type: "array",
        items: { type: "string" },
        default: [...CREDENTIAL_PERMISSIONS],
      },
    },
  },
  validateResource: tokenPolicy((inputs, token, config, report) => {
    const guarded = listConfig(config, "privilegedPermissions", CREDENTIAL_PERMISSIONS);
    if (named(token, listConfig(config, "allowedTokens", []))) return;
    const held = (inputs.permissions ?? []).filter((p) => guarded.includes(p));
    if (held.length === 0) return;
    report(
      `permissions include ${held.join(", ")}, which can mint or change credentials or users. ` +
        `Remove ${held.length === 1 ? "it" : "them"} from ${input(token, "permissions")}, or, if ` +
        `this token needs ${held.length === 1 ? "it" : "them"}, add ${JSON.stringify(configName(token))} ` +
        `to allowedTokens of panther-token-privileged-permissions in the policy's config.`,
    );
  }),
};

/**
 * An allow-list of permissions: `allowedPermissions` for every stack, or `stacks.<stack>` for
 * one; a token may hold only permissions the list has. Not applicable when neither is set.
 */
export const permissionAllowList: ResourceValidationPolicy = {
  name: "panther-token-permission-allowlist",
  description:
    "Panther API tokens hold only the permissions allowed in this stack (allowedPermissions, or stacks.<stack> for one stack); off when neither is configured.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedPermissions: {
        description: 'Permissions any token may hold, e.g. ["AlertRead", "RuleRead"].',
        type: "array",
        items: { type: "string" },
      },
      stacks: {
        description:
          'Per stack (by stack name), the permissions its tokens may hold, instead of allowedPermissions, e.g. {"prod": ["AlertRead"]}.',
        type: "object",
        additionalProperties: { type: "array", items: { type: "string" } },
      },
    },
  },
  validateResource: validateResourceOfType(PantherApiToken, (props, args, report) => {
    const config = args.getConfig<Record<string, unknown>>();
    const token = tokenOf(args);
    const stacks = config["stacks"];
    const perStack =
      typeof stacks === "object" && stacks !== null && Object.hasOwn(stacks, token.stack)
        ? stringList((stacks as Record<string, unknown>)[token.stack])
        : undefined;
    const allowed = perStack ?? stringList(config["allowedPermissions"]);
    if (allowed === undefined) {
      return args.notApplicable("no allowedPermissions configured for this stack");
    }
    const inputs = props as unknown as TokenInputs;
    const extra = (inputs.permissions ?? []).filter((p) => !allowed.includes(p));
    if (extra.length === 0) return;
    const it = extra.length === 1 ? "it" : "them";
    report(
      `permissions include ${namePermissions(extra)}, outside the permissions allowed in ` +
        `stack ${JSON.stringify(token.stack)} (${allowed.length === 0 ? "none" : allowed.join(", ")}). ` +
        `Remove ${it} from ${input(token, "permissions")}, or have ${it} added to ` +
        `${perStack === undefined ? "allowedPermissions" : `stacks.${token.stack}`} of ` +
        `panther-token-permission-allowlist in the policy's config.`,
    );
  }),
};

/** No `allowUnknownPermissions`: names this package does not know bypass every check. */
export const noUnknownPermissions: ResourceValidationPolicy = {
  name: "panther-token-no-unknown-permissions",
  description:
    "Panther API tokens do not set allowUnknownPermissions: every permission is one pulumi-panther knows and checks.",
  enforcementLevel: "advisory",
  validateResource: tokenPolicy((inputs, token, _config, report) => {
    if (inputs.allowUnknownPermissions !== true) return;
    report(
      `${input(token, "allowUnknownPermissions")} is true, so permission names pulumi-panther ` +
        `does not know reach Panther unchecked (a typo included) and the privilege policies ` +
        `cannot judge them. Remove allowUnknownPermissions and use names pulumi-panther knows, ` +
        `or upgrade pulumi-panther to a release that knows the new name.`,
    );
  }),
};

/** No `rotateOnAdopt: false`: an adopted token's value stays with whoever holds it now. */
export const rotateOnAdopt: ResourceValidationPolicy = {
  name: "panther-token-rotate-on-adopt",
  description: "Adopted Panther API tokens are rotated when adopted: rotateOnAdopt is never false.",
  enforcementLevel: "mandatory",
  validateResource: tokenPolicy((inputs, _token, _config, report) => {
    if (inputs.rotateOnAdopt !== false) return;
    report(
      `rotateOnAdopt is false, so the adopted token keeps the value its current holders have, ` +
        `and this stack holds none. Remove rotateOnAdopt (its default, true, rotates the token ` +
        `when it is adopted) and hand the new value to the token's consumers.`,
    );
  }),
};

/** `allowWiderAccess` only on the tokens named in `allowedTokens`. */
export const widerAccessByName: ResourceValidationPolicy = {
  name: "panther-token-wider-access-by-name",
  description:
    "allowWiderAccess (adoption may widen where a token can be used from) only on tokens named in allowedTokens.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedTokens: {
        ...tokenNamesSchema,
        description: "Resource names of the tokens that may set allowWiderAccess.",
        default: [],
      },
    },
  },
  validateResource: tokenPolicy((inputs, token, config, report) => {
    if (inputs.allowWiderAccess !== true) return;
    if (named(token, listConfig(config, "allowedTokens", []))) return;
    report(
      `allowWiderAccess is true, so adopting the token may widen where it can be used from. ` +
        `Remove it and keep the token's allowedCIDRBlocks within the networks it has now, or, ` +
        `if the widening is intended, add ${JSON.stringify(configName(token))} to allowedTokens ` +
        `of panther-token-wider-access-by-name in the policy's config.`,
    );
  }),
};

/** A token of the stack, for counting: a pair's two tokens are one holder of one credential. */
function holder(resource: PolicyResource): { key: string; label: string } {
  const parent = resource.parent;
  return parent !== undefined && parent.type === API_TOKEN_PAIR_TYPE
    ? { key: parent.urn, label: `${parent.name} (a PantherApiTokenPair)` }
    : { key: resource.urn, label: resource.name };
}

/**
 * At most `maxWriteTokens` tokens in a stack hold a permission that is not read-only (a
 * `PantherApiTokenPair` counts once). Reads each token's `permissions` output and nothing else.
 */
export const writeTokenLimit: StackValidationPolicy = {
  name: "panther-stack-write-token-limit",
  description: `A stack holds at most maxWriteTokens (default ${DEFAULT_MAX_WRITE_TOKENS}) Panther API tokens with a permission that is not read-only; a PantherApiTokenPair counts once.`,
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      maxWriteTokens: {
        description: "Most tokens with write permissions in one stack.",
        type: "integer",
        minimum: 0,
        default: DEFAULT_MAX_WRITE_TOKENS,
      },
    },
  },
  validateStack: validateStackResourcesOfType(PantherApiToken, (_tokens, args, report) => {
    const max = wholeNumber(
      args.getConfig<Record<string, unknown>>()["maxWriteTokens"],
      DEFAULT_MAX_WRITE_TOKENS,
    );
    const writers = new Map<string, string>();
    for (const resource of args.resources) {
      if (resource.type !== API_TOKEN_TYPE) continue;
      const permissions = stringList(resource.props["permissions"]) ?? [];
      if (!permissions.some(isWritePermission)) continue;
      const { key, label } = holder(resource);
      writers.set(key, label);
    }
    if (writers.size <= max) return;
    report(
      `${writers.size} tokens in this stack have write permissions (${[...writers.values()].sort().join(", ")}), ` +
        `more than the ${max} allowed. Give the tokens that only read read-only permissions ` +
        `(the …Read ones), merge tokens that do the same job, or raise maxWriteTokens of ` +
        `panther-stack-write-token-limit in the policy's config.`,
    );
  }),
};

/** Every policy of the pack, as `new PolicyPack(name, { policies: pantherPolicies })` takes them. */
export const pantherPolicies: Policies = [
  networkRestricted,
  rotationScheduled,
  privilegedPermissions,
  permissionAllowList,
  noUnknownPermissions,
  rotateOnAdopt,
  widerAccessByName,
  writeTokenLimit,
];

import * as pulumi from "@pulumi/pulumi";
import type { Permission } from "../client/permissions";
import * as provider from "../dynamic-provider";
import type { PairInput, PairView } from "../dynamic-provider/pair";
import { PAIR_OUTPUTS, PUBLIC_OUTPUTS, type ValueState } from "../dynamic-provider/state";
import { API_TOKEN_MODULE, API_TOKEN_NAME, API_TOKEN_TYPE } from "./types";
import { warnAboutInputs, warnBeforeAdoption } from "./warnings";

/** Arguments of {@link PantherApiToken}. */
export interface PantherApiTokenArgs {
  /** Name of the token as shown in the Panther Console. 1 to 255 printable characters. */
  readonly name: pulumi.Input<string>;
  /**
   * API permission names the token grants, e.g. `["RuleRead", "RuleModify"]`.
   * Order and duplicates do not matter. Names this package does not know are
   * refused (with a suggestion when they look like a typo) unless
   * {@link allowUnknownPermissions} is set.
   */
  readonly permissions: pulumi.Input<pulumi.Input<Permission>[]>;
  /**
   * CIDR blocks (IPv4 or IPv6) allowed to use the token, e.g.
   * `["203.0.113.0/24"]`. Empty or absent: any address may use it. Blocks must
   * be network addresses (`10.0.0.0/8`, not `10.0.0.1/8`).
   */
  readonly allowedCIDRBlocks?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Any string; changing it rotates the token in place: the id stays, Panther
   * issues a new `value` and the previous one stops working at once. Use a
   * date or a period (`"2026-Q4"`), or pair it with a scheduler.
   */
  readonly rotationTrigger?: pulumi.Input<string>;
  /**
   * Send permission names this package does not know as they are (for
   * permissions Panther added after this release). Default false.
   */
  readonly allowUnknownPermissions?: pulumi.Input<boolean>;
  /**
   * Id of an existing token to bring under this stack instead of creating
   * one. Its name, permissions and CIDR blocks are updated to match these
   * arguments. Used only when the resource is created; ignored afterwards.
   * The deployer's own token cannot be adopted.
   */
  readonly adoptTokenId?: pulumi.Input<string>;
  /**
   * With {@link adoptTokenId}: rotate the token when adopting it, so that the
   * stack holds a working `value`. Default true. With false, `value` stays
   * empty and the current holders of the token keep working; switching it to
   * true later rotates once, so the stack takes a value.
   */
  readonly rotateOnAdopt?: pulumi.Input<boolean>;
  /**
   * With {@link adoptTokenId}: allow the adoption to widen where the token
   * may be used from. Adopting a token restricted to some networks with a
   * program that lists other (or no) `allowedCIDRBlocks` is refused unless
   * this is true. Default false.
   */
  readonly allowWiderAccess?: pulumi.Input<boolean>;
  /**
   * Scheduled rotation: rotate the token once its last rotation (or its
   * creation) is this many days old, whether or not the stack holds a value.
   * A due rotation shows in `pulumi preview` as an update and happens on
   * `pulumi up`; run the stack on a schedule (a nightly pipeline) for it to
   * happen on time. CIS and NIST recommend 90. Works together with
   * `rotationTrigger`.
   */
  readonly rotateAfterDays?: pulumi.Input<number>;
  /**
   * Rotate the token once when it comes within this many days of its
   * `expiresAt` (1 to 365). Off by default: rotating does not move Panther's
   * expiry, and the program warns in the last 7 days either way.
   */
  readonly rotateBeforeExpiryDays?: pulumi.Input<number>;
  /**
   * Allow rotating this token when it is the deployer's own (the key in
   * `panther:token`). Default false: such a rotation is refused, because it
   * would cut off the run that makes it. When true, the run switches to the
   * new key for its remaining calls, and the new key is this resource's
   * `value`: set `panther:token` from it before the next run (e.g.
   * `pulumi config set --secret panther:token "$(pulumi stack output <name> --show-secrets)"`).
   */
  readonly rotateDeployerToken?: pulumi.Input<boolean>;
  /**
   * After creating or rotating, wait until the new value authenticates
   * (Panther can take 30 to 60 s to accept it) before the resource is done,
   * so that whatever consumes `value` next in the same `pulumi up` can use it.
   * Default false.
   */
  readonly waitUntilUsable?: pulumi.Input<boolean>;
  /** Longest wait for {@link waitUntilUsable}, in seconds (1 to 900). Default 120. */
  readonly usableTimeoutSeconds?: pulumi.Input<number>;
  /** @internal Set by `PantherApiTokenPair` on its two tokens. */
  readonly pair?: pulumi.Input<PairInput>;
  /** @internal Set by `PantherApiTokenPair` on its second token: the first token's `pairView`. */
  readonly pairLeader?: pulumi.Input<PairView | undefined>;
}

/**
 * A Panther API token, managed by Pulumi.
 *
 * The resource id is Panther's token id. `value` is always a Pulumi secret.
 * Changing `name`, `permissions` or `allowedCIDRBlocks` updates the token in
 * place; changing `rotationTrigger` rotates it in place. Nothing replaces it.
 * Credentials come from stack config `panther:url` / `panther:token` (secret),
 * or from `PANTHER_API_URL` / `PANTHER_API_TOKEN`.
 *
 * @example
 * ```ts
 * import { PantherApiToken } from "pulumi-panther";
 * const ci = new PantherApiToken("ci-deployer", {
 *   name: "ci-deployer",
 *   permissions: ["RuleRead", "RuleModify"],
 *   allowedCIDRBlocks: ["203.0.113.0/24"],
 *   rotationTrigger: "2026-Q4",
 * });
 * export const token = ci.value; // a Pulumi secret
 * ```
 */
export class PantherApiToken extends pulumi.dynamic.Resource {
  /**
   * The type token the engine records for this resource,
   * `pulumi-nodejs:dynamic/panther:ApiToken`. Policy packs match resources by it:
   * `validateResourceOfType(PantherApiToken, …)` of `@pulumi/policy` reads it.
   */
  static readonly __pulumiType: string = API_TOKEN_TYPE;

  /** Name of the token, as Panther reports it. */
  declare public readonly name: pulumi.Output<string>;
  /** Permissions, as Panther reports them, sorted. */
  declare public readonly permissions: pulumi.Output<string[]>;
  /** Allowed CIDR blocks, as Panther reports them, canonical and sorted; empty means any address. */
  declare public readonly allowedCIDRBlocks: pulumi.Output<string[]>;
  /** The trigger the current value was issued for, if any. */
  declare public readonly rotationTrigger: pulumi.Output<string | undefined>;
  /**
   * When the token expires (ISO 8601, Panther's clock); absent for non-expiring tokens.
   * Panther's other metadata (`createdAt`, `createdBy`, `updatedAt`, `updatedBy`,
   * `lastUsedAt`, `rotatedAt`) is kept in state (`pulumi stack export`) and read live by
   * `getApiToken(id)`.
   */
  declare public readonly expiresAt: pulumi.Output<string | undefined>;
  /**
   * The token's secret value, always a Pulumi secret. Whether it works is
   * `valueState.status`: `current` (it does), `pending` or `stale` (it does
   * not, or may not; the next `pulumi up` rotates), `none` (the stack holds
   * no value: adopted with `rotateOnAdopt: false`, or imported). A new value
   * can take 30 to 60 seconds to start working.
   */
  declare public readonly value: pulumi.Output<string>;
  /**
   * The condition of `value`, with when (`since`) and why (`reason`), and
   * `issuedAt`: Panther's stamp of the create or rotation that issued it.
   */
  declare public readonly valueState: pulumi.Output<ValueState>;
  /**
   * For a token of a {@link PantherApiTokenPair} only: the highest generation
   * it acted on and, for the pair's first token, whose turn that generation
   * was (`turn`: `"a"`, `"b"` or `"none"`). Not declared on other tokens.
   */
  declare public readonly pairView: pulumi.Output<PairView | undefined> | undefined;

  constructor(name: string, args: PantherApiTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    // The outputs the provider computes, declared so the program reads them.
    for (const key of PUBLIC_OUTPUTS) props[key] = undefined;
    if (args.pair !== undefined) for (const key of PAIR_OUTPUTS) props[key] = undefined;
    const secretOutputs = [...new Set([...(opts?.additionalSecretOutputs ?? []), "value"])];
    super(
      provider,
      name,
      props,
      { ...opts, additionalSecretOutputs: secretOutputs },
      API_TOKEN_MODULE,
      API_TOKEN_NAME,
    );
    warnAboutInputs(this, args);
    if (args.adoptTokenId !== undefined) warnBeforeAdoption(this, args);
  }
}

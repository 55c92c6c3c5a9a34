import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../client/cidr";
import { isKnownPermission, type Permission } from "../client/permissions";
import type { Actor } from "../client/types";
import * as provider from "./lifecycle";
import { EXPIRY_WINDOW_DAYS, expiresSoon } from "./schedule";

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
   */
  readonly adoptTokenId?: pulumi.Input<string>;
  /**
   * With {@link adoptTokenId}: rotate the token when adopting it, so that the
   * stack holds a working `value`. Default true. With false, `value` stays
   * empty and the current holders of the token keep working. (A token taken
   * over with the `import` resource option is never rotated on import: the
   * engine refuses an import that would change anything. Change
   * `rotationTrigger` afterwards to get a value.)
   */
  readonly rotateOnAdopt?: pulumi.Input<boolean>;
  /**
   * Scheduled rotation: rotate the token once its last rotation (or its
   * creation) is this many days old. A due rotation shows in `pulumi preview`
   * as an update and happens on `pulumi up`; run the stack on a schedule (a
   * nightly pipeline) for it to happen on time. CIS and NIST recommend 90.
   * Works together with `rotationTrigger`. Independently of this, a token
   * within 7 days of its `expiresAt` is rotated once.
   */
  readonly rotateAfterDays?: pulumi.Input<number>;
  /**
   * After creating or rotating, wait until the new value authenticates
   * (Panther can take 30 to 60 s to accept it) before the resource is done,
   * so that whatever consumes `value` next in the same `pulumi up` can use it.
   * Default false.
   */
  readonly waitUntilUsable?: pulumi.Input<boolean>;
  /** Longest wait for {@link waitUntilUsable}, in seconds (1 to 900). Default 120. */
  readonly usableTimeoutSeconds?: pulumi.Input<number>;
}

const OUTPUT_KEYS = [
  "createdAt",
  "createdBy",
  "updatedAt",
  "updatedBy",
  "expiresAt",
  "lastUsedAt",
  "rotatedAt",
  "value",
  "valueIssuedAt",
  "valueStale",
  "valuePending",
] as const;

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
  /** Name of the token, as Panther reports it. */
  declare public readonly name: pulumi.Output<string>;
  /** Permissions, as Panther reports them, sorted. */
  declare public readonly permissions: pulumi.Output<string[]>;
  /** Allowed CIDR blocks, as Panther reports them, canonical and sorted; empty means any address. */
  declare public readonly allowedCIDRBlocks: pulumi.Output<string[]>;
  /** The trigger the current value was issued for, if any. */
  declare public readonly rotationTrigger: pulumi.Output<string | undefined>;
  /** When the token was created (ISO 8601). */
  declare public readonly createdAt: pulumi.Output<string>;
  /** Who created the token, as Panther reports it (shape varies between Panther versions). */
  declare public readonly createdBy: pulumi.Output<Actor | undefined>;
  /** When the token was last updated. */
  declare public readonly updatedAt: pulumi.Output<string | undefined>;
  /** Who last updated the token. */
  declare public readonly updatedBy: pulumi.Output<Actor | undefined>;
  /** When the token expires; absent for non-expiring tokens. */
  declare public readonly expiresAt: pulumi.Output<string | undefined>;
  /** When the token last authenticated a request (as of the last create, update or refresh). */
  declare public readonly lastUsedAt: pulumi.Output<string | undefined>;
  /** When the token was last rotated, by this stack or anyone else. */
  declare public readonly rotatedAt: pulumi.Output<string | undefined>;
  /**
   * The token's secret value, always a Pulumi secret. Empty when the token was
   * adopted with `rotateOnAdopt: false`. A new value can take 30 to 60 seconds
   * to start working.
   */
  declare public readonly value: pulumi.Output<string>;
  /** When the stored `value` was issued. */
  declare public readonly valueIssuedAt: pulumi.Output<string | undefined>;
  /**
   * True when a refresh found that the token was rotated outside this stack:
   * the stored `value` no longer works, and the next `pulumi up` rotates it.
   */
  declare public readonly valueStale: pulumi.Output<boolean>;
  /**
   * True when the token exists but the rotation that gives this stack its
   * value failed; the next `pulumi up` finishes it. Absent otherwise.
   */
  declare public readonly valuePending: pulumi.Output<boolean | undefined>;

  constructor(name: string, args: PantherApiTokenArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<string, unknown> = { ...args };
    for (const key of OUTPUT_KEYS) props[key] = undefined;
    const secretOutputs = [...new Set([...(opts?.additionalSecretOutputs ?? []), "value"])];
    super(
      provider,
      name,
      props,
      { ...opts, additionalSecretOutputs: secretOutputs },
      "panther",
      "ApiToken",
    );
    warnAboutInputs(this, args);
    this.expiresAt.apply((expiresAt) => {
      if (expiresSoon(expiresAt, Date.now())) {
        void pulumi.log.warn(
          `Panther token expires at ${String(expiresAt)}. It was rotated once on entering the last ` +
            `${EXPIRY_WINDOW_DAYS} days; if the expiry did not move, replace the token (a new resource name) ` +
            `before it stops working.`,
          this,
        );
      }
    });
  }
}

/** Warnings the engine prints for inputs that are valid but probably not what was meant. */
function warnAboutInputs(resource: PantherApiToken, args: PantherApiTokenArgs): void {
  pulumi.output(args.allowedCIDRBlocks).apply((blocks) => {
    for (const block of blocks ?? []) {
      const parsed = typeof block === "string" ? parseCidr(block.trim()) : undefined;
      if (parsed?.ok && parsed.block.prefix === 0) {
        void pulumi.log.warn(
          `allowedCIDRBlocks contains "${block}", which matches every address: it restricts nothing. ` +
            `Leave the list empty to say so, or list the networks that should use the token.`,
          resource,
        );
      }
    }
  });
  pulumi
    .all([args.permissions, args.allowUnknownPermissions])
    .apply(([permissions, allowUnknown]) => {
      if (allowUnknown !== true) return;
      const unknown = permissions.filter((p) => typeof p === "string" && !isKnownPermission(p));
      if (unknown.length > 0) {
        void pulumi.log.warn(
          `permissions ${unknown.map((p) => `"${p}"`).join(", ")} are not known to this version of ` +
            `pulumi-panther and are sent as they are (allowUnknownPermissions). Panther refuses names it does not know.`,
          resource,
        );
      }
    });
}

/**
 * Warnings the program prints (the engine shows them in `pulumi preview` and
 * `pulumi up`) for inputs that are valid but probably not what was meant,
 * and, before an adoption, for what adopting will change.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseCidr } from "../dynamic-provider/cidr";
import { isKnownPermission } from "../client/permissions";
import { isIpv4Mapped, normalizeCidrs, widensAccess } from "../dynamic-provider/normalize";
import { tryGetApiToken } from "../lookups";
import type { PantherApiToken, PantherApiTokenArgs } from "./apiToken";

/** Why a block restricts nothing, or nothing of IPv4, or undefined. */
export function unrestricted(block: string): string | undefined {
  const parsed = parseCidr(block.trim());
  if (!parsed.ok) return undefined;
  const { family, prefix, bytes } = parsed.block;
  if (prefix === 0) {
    return family === 4
      ? "matches every IPv4 address"
      : "matches every IPv6 address (servers that tell IPv4 and IPv6 callers apart, like Go's net package, do not apply it to IPv4 callers)";
  }
  const mapped = family === 6 && prefix <= 96 && isIpv4Mapped(bytes);
  return mapped ? "matches every IPv4 address (written as IPv4-mapped IPv6)" : undefined;
}

/**
 * Runs `check` on `value` at once when it is plain (the common case: no
 * Output, no promise, so nothing more is made per resource), else when it
 * resolves.
 */
function whenKnown<T>(value: pulumi.Input<T>, check: (value: pulumi.Unwrap<T>) => void): void {
  if (isPlain(value)) {
    check(value as pulumi.Unwrap<T>);
    return;
  }
  pulumi.output(value).apply((resolved) => {
    check(resolved);
  });
}

/** Whether `value` holds no Output or promise (a plain value, or a list of plain values). */
function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  return (
    !Array.isArray(value) ||
    value.every((item) => !pulumi.Output.isInstance(item) && !(item instanceof Promise))
  );
}

/** Warnings for inputs that are valid but probably not what was meant. */
export function warnAboutInputs(resource: PantherApiToken, args: PantherApiTokenArgs): void {
  whenKnown(args.allowedCIDRBlocks, (blocks) => {
    for (const block of blocks ?? []) {
      const why = typeof block === "string" ? unrestricted(block) : undefined;
      if (why !== undefined) {
        void pulumi.log.warn(
          `allowedCIDRBlocks contains "${block}", which ${why}: it hardly restricts anything. ` +
            `Leave the list empty to say so, or list the networks that should use the token.`,
          resource,
        );
      }
    }
  });
  if (args.allowUnknownPermissions === undefined || args.allowUnknownPermissions === false) return;
  whenKnown(
    pulumi.all([args.permissions, args.allowUnknownPermissions]),
    ([permissions, allowUnknown]) => {
      if (!allowUnknown) return;
      const unknown = permissions.filter((p) => typeof p === "string" && !isKnownPermission(p));
      if (unknown.length > 0) {
        void pulumi.log.warn(
          `permissions ${unknown.map((p) => `"${p}"`).join(", ")} are not known to this version of ` +
            `pulumi-panther and are sent as they are (allowUnknownPermissions). Panther refuses names it does not know.`,
          resource,
        );
      }
    },
  );
}

/**
 * In `pulumi preview`, reads the token named by `adoptTokenId` (one GET with
 * the program's credentials) and warns about the permissions adopting adds
 * and an allow-list it would widen (which `up` refuses without
 * `allowWiderAccess`). A token already adopted matches the program and
 * warns nothing.
 */
export function warnBeforeAdoption(resource: PantherApiToken, args: PantherApiTokenArgs): void {
  if (!pulumi.runtime.isDryRun()) return;
  pulumi
    .all([args.adoptTokenId, args.permissions, args.allowedCIDRBlocks, args.allowWiderAccess])
    .apply(([id, permissions, blocks, allowWider]) => {
      if (typeof id !== "string" || id === "" || id === "self") return undefined;
      return tryGetApiToken(id).then((token) => {
        if (token instanceof Error) {
          void pulumi.log.warn(
            `could not read token ${id} to show what adopting it changes: ${token.message}`,
            resource,
          );
          return undefined;
        }
        const added = permissions.filter((p) => !token.permissions.includes(p));
        if (added.length > 0) {
          void pulumi.log.warn(
            `adopting token ${id} ("${token.name}") adds permissions ${added.join(", ")}`,
            resource,
          );
        }
        const live = normalizeCidrs(token.allowedCIDRBlocks);
        if (widensAccess(live, normalizeCidrs(blocks ?? []))) {
          void pulumi.log.warn(
            `adopting token ${id} ("${token.name}") would let it be used from addresses outside ` +
              `${live.join(", ")}: ${allowWider === true ? "allowed by allowWiderAccess" : "pulumi up refuses this unless allowedCIDRBlocks keeps the restriction or allowWiderAccess is true"}`,
            resource,
          );
        }
        return undefined;
      });
    });
}

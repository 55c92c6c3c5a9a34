import * as pulumi from "@pulumi/pulumi";
import { PantherApiToken } from "pulumi-panther";

const config = new pulumi.Config();

// 1. adoptTokenId: bring a token created in the Panther Console under this stack.
//
// On the first `pulumi up` the provider reads the token, updates its name, permissions and CIDR
// blocks to match the arguments below, and (rotateOnAdopt, the default) rotates it, so that the
// stack holds a working value. That rotation makes the value the Console showed stop working:
// hand out the new one (the `alertForwarderToken` output), or set rotateOnAdopt: false to keep
// the current holders working (the stack's `value` is then empty until the first rotation).
// After that, the token is managed like any other; adoptTokenId is not used again, and
// `pulumi destroy` deletes the token.
const forwarder = new PantherApiToken("alert-forwarder", {
  name: "alert-forwarder",
  permissions: ["AlertRead", "AlertModify"],
  allowedCIDRBlocks: ["198.51.100.0/24"],
  // The id shown in the Console under Settings → API Tokens.
  adoptTokenId: config.require("consoleTokenId"),
  rotateOnAdopt: true,
});

export const alertForwarderId = forwarder.id;
export const alertForwarderRotatedAt = forwarder.rotatedAt;
/** The value issued when the stack adopted the token (a secret). */
export const alertForwarderToken = forwarder.value;

// 2. The alternative: Pulumi's `import` resource option, shown only when `importTokenId` is set.
//
// Its limits (see README.md): name, permissions and CIDR blocks must match the live token
// exactly, or the import fails; it never rotates, so the stack holds no value until a later
// rotationTrigger change; the Pulumi CLI may send the provider nothing to import with
// (pulumi/pulumi#16175), and `pulumi import` cannot work for dynamic providers. Once imported,
// keep `importTokenId` set: unsetting it removes the resource, and `pulumi up` deletes the
// token. Prefer adoptTokenId.
const importTokenId = config.get("importTokenId") ?? "";
export const importedId =
  importTokenId === ""
    ? undefined
    : new PantherApiToken(
        "imported-reader",
        {
          // Exactly as the token is in Panther.
          name: "legacy-reader",
          permissions: ["RuleRead"],
        },
        { import: importTokenId },
      ).id;

import * as pulumi from "@pulumi/pulumi";
import { PantherApiToken } from "pulumi-panther";

const config = new pulumi.Config();

// adoptTokenId: bring a token created in the Panther Console under this stack.
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
  adoptTokenId: config.require("consoleId"),
  rotateOnAdopt: true,
});

export const alertForwarderId = forwarder.id;
/** When Panther issued the stack's value (the adoption's rotation). */
export const alertForwarderIssuedAt = forwarder.valueState.issuedAt;
/** The value issued when the stack adopted the token (a secret). */
export const alertForwarderToken = forwarder.value;

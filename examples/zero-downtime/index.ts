import { PantherApiTokenPair, rotationGeneration } from "pulumi-panther";

// Zero-downtime rotation with two tokens, `detections-ci-a` and `detections-ci-b`, rotated in
// alternation. Rotating a Panther token invalidates its old value at once; with a pair, each
// rotation only touches the token holding the older value:
//
//   generation g     rotates one token: its new value becomes `current`
//                    the other token's value, issued at g - 1, becomes `previous`: still valid
//   generation g + 1 rotates that other token, so `previous` of g stops working only then
//
// `rotationGeneration(30)` moves to the next generation every 30 days, so a consumer that
// picked up `current` has at least 30 days to pick up the next one. Run `pulumi up` on a
// schedule (a nightly CI job) so that each rotation happens when its generation starts.
const ci = new PantherApiTokenPair("detections-ci", {
  name: "detections-ci",
  permissions: ["RuleRead", "RuleModify"],
  generation: rotationGeneration(30),
  periodDays: 30,
});

// Consumers read these, e.g. from another stack with a StackReference (see consumer/): use
// `current`, and accept `previous` until they are redeployed.
/** The newest value (a secret). */
export const current = ci.current;
/** The value before it, still valid until the next generation (a secret). */
export const previous = ci.previous;
export const currentTokenId = ci.currentTokenId;
export const previousTokenId = ci.previousTokenId;

import { PantherApiToken } from "pulumi-panther";

// A token for a CI pipeline that deploys detections: it may read and write
// rules, only from the CI runners' network, and is rotated each quarter by
// changing `rotationTrigger`.
const ci = new PantherApiToken("ci-deployer", {
  name: "ci-deployer",
  permissions: ["RuleRead", "RuleModify"],
  allowedCIDRBlocks: ["203.0.113.0/24"],
  rotationTrigger: "2026-Q4",
});

export const tokenId = ci.id;
/** The token value: a Pulumi secret (`pulumi stack output token --show-secrets`). */
export const token = ci.value;

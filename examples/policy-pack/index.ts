import { PolicyPack } from "@pulumi/policy";
import { pantherPolicies } from "pulumi-panther/policy";

// Every policy of pulumi-panther/policy, with its own default enforcement level and config;
// upgrading pulumi-panther upgrades the rules. Configure them with
// `pulumi preview --policy-pack . --policy-pack-config config.json` (see README.md), or in a
// Pulumi Cloud policy group once published.
new PolicyPack("panther-token-hygiene", {
  description: "Token hygiene for Panther API tokens managed with pulumi-panther.",
  policies: pantherPolicies,
});

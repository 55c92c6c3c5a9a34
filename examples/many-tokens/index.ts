import * as pulumi from "@pulumi/pulumi";
import { PantherApiToken, requireDeployerPermissions } from "pulumi-panther";
import type { Permission } from "pulumi-panther";

// One token per team, all from one definition: add a team here and `pulumi up` creates its
// token; remove one and its token is deleted; change a list and the token is updated in place.
interface TeamAccess {
  readonly permissions: Permission[];
  /** Networks allowed to use the token; omit to allow any address. */
  readonly allowedCIDRBlocks?: string[];
}

const teams: Record<string, TeamAccess> = {
  detections: { permissions: ["RuleRead", "RuleModify", "PolicyRead", "PolicyModify"] },
  "incident-response": { permissions: ["AlertRead", "AlertModify", "DataAnalyticsRead"] },
  "log-onboarding": {
    permissions: ["LogSourceRead", "LogSourceModify"],
    allowedCIDRBlocks: ["198.51.100.0/24"],
  },
};

// The program is an async function: Pulumi awaits it, and its result is the stack's outputs.
export = async () => {
  // Fail early: check that the deployer's own key may manage tokens before declaring any. This
  // runs in `pulumi preview` too; when a permission is missing, the program stops here with a
  // message naming it, and nothing is planned.
  const deployer = await requireDeployerPermissions([
    "OrganizationAPITokenRead",
    "OrganizationAPITokenModify",
  ]);

  const tokens = Object.entries(teams).map(([team, access]) => ({
    team,
    token: new PantherApiToken(`team-${team}`, {
      name: `team-${team}`,
      permissions: access.permissions,
      allowedCIDRBlocks: access.allowedCIDRBlocks ?? [],
      rotationTrigger: "2026-Q4",
    }),
  }));

  return {
    /** Who deploys: the deployer token's name in Panther. */
    deployedBy: deployer.name,
    /** Token id per team. */
    tokenIds: Object.fromEntries(tokens.map(({ team, token }) => [team, token.id])),
    /** Token value per team, one secret: `pulumi stack output tokenValues --show-secrets`. */
    tokenValues: pulumi.secret(
      Object.fromEntries(tokens.map(({ team, token }) => [team, token.value])),
    ),
  };
};

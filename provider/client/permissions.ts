/**
 * Permission names of Panther's REST API, as published in the api-tokens
 * OpenAPI document this package was built against.
 *
 * Panther adds permissions over time (for example `ManageScheduledPrompts`),
 * so this list is a floor, not a ceiling: responses that carry a name missing
 * here are accepted as they are, and inputs that use one are let through with
 * a warning (see `allowUnknownPermissions` on the resource).
 */
export const KNOWN_PERMISSIONS = [
  "AIRunAsModify",
  "AlertModify",
  "AlertRead",
  "BulkUpload",
  "BulkUploadValidate",
  "CloudsecSourceModify",
  "CloudsecSourceRead",
  "DataAnalyticsModify",
  "DataAnalyticsRead",
  "DestinationModify",
  "DestinationRead",
  "GeneralSettingsModify",
  "GeneralSettingsRead",
  "LogSourceModify",
  "LogSourceRawDataRead",
  "LogSourceRead",
  "LookupModify",
  "LookupRead",
  "ManageAIResponses",
  "ManageAISkills",
  "McpServerModify",
  "McpServerRead",
  "NotificationsSend",
  "OrganizationAPITokenModify",
  "OrganizationAPITokenRead",
  "PolicyModify",
  "PolicyRead",
  "ResourceModify",
  "ResourceRead",
  "RuleModify",
  "RuleRead",
  "RunPantherAI",
  "SummaryRead",
  "UserModify",
  "UserRead",
  "ViewAIPrivateResponses",
  "ViewAISkills",
] as const;

/** A permission name this package knows about. */
export type KnownPermission = (typeof KNOWN_PERMISSIONS)[number];

/**
 * A permission name: one of {@link KNOWN_PERMISSIONS}, or a newer name that
 * this package does not list yet.
 */
// The `string & {}` keeps editor completion for the known names.
export type Permission = KnownPermission | (string & {});

const KNOWN_SET: ReadonlySet<string> = new Set(KNOWN_PERMISSIONS);

/** Whether `name` is one of {@link KNOWN_PERMISSIONS}. */
export function isKnownPermission(name: string): name is KnownPermission {
  return KNOWN_SET.has(name);
}

/** Permission needed to read tokens (`GET /api-tokens`, `GET /api-tokens/{id}`). */
export const READ_PERMISSION = "OrganizationAPITokenRead" satisfies KnownPermission;
/** Permission needed to create, update, delete and rotate tokens. */
export const MODIFY_PERMISSION = "OrganizationAPITokenModify" satisfies KnownPermission;

/**
 * Names the Panther Console shows for the permissions people most often
 * type by hand (lower case), with the API name each stands for.
 */
export const CONSOLE_NAMES: Readonly<Record<string, KnownPermission>> = {
  "read api token info": "OrganizationAPITokenRead",
  "manage api tokens": "OrganizationAPITokenModify",
  "view rules": "RuleRead",
  "manage rules": "RuleModify",
  "read alerts": "AlertRead",
  "manage alerts": "AlertModify",
  "query data lake": "DataAnalyticsRead",
  "view policies": "PolicyRead",
  "manage policies": "PolicyModify",
  "view log sources": "LogSourceRead",
  "manage log sources": "LogSourceModify",
};

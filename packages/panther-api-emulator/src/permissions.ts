/**
 * The permission names Panther's api-tokens OpenAPI document lists, as this emulator's own table.
 *
 * The emulator is a double of Panther, not of this repository's client: it keeps its own list
 * (as it keeps its own CIDR parser, `cidr.ts`), so that a name the client gets wrong is one the
 * emulator refuses. `test/client/permissions.test.ts` in the repository holds the two lists
 * against each other.
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

/** The permission that lets a key read api tokens (get and list). */
export const READ_PERMISSION = "OrganizationAPITokenRead";
/** The permission that lets a key create, update, rotate and delete api tokens. */
export const MODIFY_PERMISSION = "OrganizationAPITokenModify";

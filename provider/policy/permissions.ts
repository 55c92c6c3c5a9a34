/**
 * How the policy pack classes Panther permissions: which ones reach credentials or users, and
 * which ones only read.
 */
import { isKnownPermission, type KnownPermission } from "../client/permissions";

/**
 * Permissions that can mint or change credentials or users, so a token holding one can give
 * itself, or someone else, any other permission:
 *
 * - `OrganizationAPITokenModify`: create, update, rotate and delete API tokens (the api-tokens
 *   spec requires it for `POST /api-tokens`, `POST /api-tokens/{id}` and `…/rotate`). Its
 *   holder can mint a token with every permission, or widen its own: admin-equivalent.
 * - `UserModify`: invite users and change their roles (the Console's "Manage Users"), which
 *   gives a person, and so their session, any role.
 * - `GeneralSettingsModify`: Panther's General Settings hold single sign-on (SAML): the identity
 *   provider users log in through and the role it gives them. Changing them decides who logs
 *   in and as what.
 *
 * Left out: the other `…Modify` permissions change detections, data and integrations (some of
 * which hold credentials of other systems, e.g. `LogSourceModify`, `DestinationModify`), not
 * Panther's own credentials or users; `AIRunAsModify` is not described by the api-tokens spec.
 * A policy's `privilegedPermissions` config can name any list instead.
 */
export const CREDENTIAL_PERMISSIONS: readonly KnownPermission[] = [
  "GeneralSettingsModify",
  "OrganizationAPITokenModify",
  "UserModify",
];

/**
 * Permissions that only read (or, for `BulkUploadValidate`, check an upload without applying
 * it). Every other permission, including names this package does not know, counts as a write
 * permission for the stack's limit.
 */
export const READ_ONLY_PERMISSIONS: readonly KnownPermission[] = [
  "AlertRead",
  "BulkUploadValidate",
  "CloudsecSourceRead",
  "DataAnalyticsRead",
  "DestinationRead",
  "GeneralSettingsRead",
  "LogSourceRawDataRead",
  "LogSourceRead",
  "LookupRead",
  "McpServerRead",
  "OrganizationAPITokenRead",
  "PolicyRead",
  "ResourceRead",
  "RuleRead",
  "SummaryRead",
  "UserRead",
  "ViewAIPrivateResponses",
  "ViewAISkills",
];

const READ_ONLY: ReadonlySet<string> = new Set(READ_ONLY_PERMISSIONS);

/** Whether `permission` lets a token change something in Panther (anything not read-only). */
export function isWritePermission(permission: string): boolean {
  return !READ_ONLY.has(permission);
}

/** Known names (public vocabulary) as they are; how many others there are, without their text. */
export function namePermissions(permissions: readonly string[]): string {
  const known = permissions.filter((p) => isKnownPermission(p));
  const others = permissions.length - known.length;
  const parts: string[] = [...known];
  if (others > 0) {
    parts.push(
      others === 1
        ? "1 name pulumi-panther does not know"
        : `${others} names pulumi-panther does not know`,
    );
  }
  return parts.join(", ");
}

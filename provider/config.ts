/**
 * The one reader of this package's configuration, used by the provider's
 * `configure` and by the program-side lookups: stack config first, then the
 * environment. Secret config reaches both decrypted, as a plain string; it is
 * only ever held in memory.
 */
import { PantherConfigError } from "./client/errors";

/** Stack config keys and their environment fallbacks. */
export const CONFIG_URL = "panther:url";
export const CONFIG_TOKEN = "panther:token";
export const CONFIG_TIMEOUT = "panther:requestTimeoutSeconds";
export const CONFIG_LATE_LANDING = "panther:lateLandingSeconds";
export const CONFIG_ALLOW_ORIGIN_CHANGE = "panther:allowOriginChange";
/** The names Panther's own Terraform provider reads. */
export const ENV_URL = "PANTHER_API_URL";
export const ENV_TOKEN = "PANTHER_API_TOKEN";
export const ENV_TIMEOUT = "PANTHER_API_TIMEOUT_SECONDS";
export const ENV_LATE_LANDING = "PANTHER_LATE_LANDING_SECONDS";
export const ENV_ALLOW_ORIGIN_CHANGE = "PANTHER_ALLOW_ORIGIN_CHANGE";

/** Longest request timeout accepted, in seconds. */
export const MAX_TIMEOUT_SECONDS = 600;
/** Default and longest wait for a request whose answer was lost to take effect, in seconds. */
export const DEFAULT_LATE_LANDING_SECONDS = 60;
export const MAX_LATE_LANDING_SECONDS = 900;

/** Where and how to reach Panther. */
export interface PantherSettings {
  /** The API URL as configured (not yet parsed; the client checks it). */
  readonly url: string;
  /** The deployer's API key. */
  readonly token: string;
  /** Headers and body timeout of one request, in ms; undefined for the client's default (30 s). */
  readonly requestTimeoutMs: number | undefined;
  /**
   * How long, in ms, a create or rotate whose answer was lost is watched for
   * a late landing before the provider concludes it did not take effect.
   */
  readonly lateLandingMs: number;
  /** Whether tokens recorded under another API origin may be managed through this one. */
  readonly allowOriginChange: boolean;
}

/** Reads one setting: config wins over the environment; blank counts as unset. */
export type ConfigGetter = (key: string) => string | undefined;

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** Milliseconds from a number of seconds in `text`; `zeroAllowed` says whether 0 is accepted. */
function seconds(
  text: string | undefined,
  names: string,
  zeroAllowed: boolean,
  max: number,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  const low = zeroAllowed ? value >= 0 : value > 0;
  if (!Number.isFinite(value) || !low || value > max) {
    // The value is never quoted: a key pasted into the wrong setting must not be printed.
    throw new PantherConfigError(
      `${names} must be a number of seconds ${zeroAllowed ? "from 0" : "above 0 and"} up to ${max}, ` +
        `e.g. ${zeroAllowed ? DEFAULT_LATE_LANDING_SECONDS : 30}; the value set is not (it is not shown here, in ` +
        `case it is a secret pasted into the wrong setting).`,
    );
  }
  return Math.round(value * 1000);
}

function flag(text: string | undefined, names: string): boolean {
  if (text === undefined) return false;
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new PantherConfigError(
    `${names} must be true or false; the value set is not (it is not shown here, in case it is a secret pasted into the wrong setting).`,
  );
}

/**
 * Resolves the settings from `get` (stack config) and `env`. Throws one
 * {@link PantherConfigError} naming everything missing and both ways to set it.
 */
export function readSettings(
  get: ConfigGetter,
  env: NodeJS.ProcessEnv = process.env,
): PantherSettings {
  const pick = (key: string, envName: string) => nonEmpty(get(key)) ?? nonEmpty(env[envName]);
  const url = pick(CONFIG_URL, ENV_URL);
  const token = pick(CONFIG_TOKEN, ENV_TOKEN);
  if (url === undefined || token === undefined) throw notConfigured(url, token);
  const requestTimeoutMs = seconds(
    pick(CONFIG_TIMEOUT, ENV_TIMEOUT),
    `${CONFIG_TIMEOUT} (or ${ENV_TIMEOUT})`,
    false,
    MAX_TIMEOUT_SECONDS,
  );
  const lateLandingMs =
    seconds(
      pick(CONFIG_LATE_LANDING, ENV_LATE_LANDING),
      `${CONFIG_LATE_LANDING} (or ${ENV_LATE_LANDING})`,
      true,
      MAX_LATE_LANDING_SECONDS,
    ) ?? DEFAULT_LATE_LANDING_SECONDS * 1000;
  const allowOriginChange = flag(
    pick(CONFIG_ALLOW_ORIGIN_CHANGE, ENV_ALLOW_ORIGIN_CHANGE),
    `${CONFIG_ALLOW_ORIGIN_CHANGE} (or ${ENV_ALLOW_ORIGIN_CHANGE})`,
  );
  return { url, token, requestTimeoutMs, lateLandingMs, allowOriginChange };
}

/** The one wording of "not configured". */
export function notConfigured(url: unknown, token: unknown): PantherConfigError {
  const missing: string[] = [];
  if (url === undefined) {
    missing.push(
      `the API URL (pulumi config set ${CONFIG_URL} https://api.<your-panther>/public/graphql, or export ${ENV_URL})`,
    );
  }
  if (token === undefined) {
    missing.push(
      `the API key (pulumi config set --secret ${CONFIG_TOKEN} <key>, or export ${ENV_TOKEN})`,
    );
  }
  return new PantherConfigError(
    `Panther is not configured: missing ${missing.join(" and ")}. The key needs the ` +
      `OrganizationAPITokenRead and OrganizationAPITokenModify permissions.`,
  );
}

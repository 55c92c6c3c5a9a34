/**
 * Where the provider finds Panther: stack config `panther:url` and
 * `panther:token` (handed to `configure` by the provider host), else the
 * environment variables `PANTHER_API_URL` and `PANTHER_API_TOKEN`.
 *
 * The credential lives only in this module's memory inside the provider host
 * process: it is never captured by the serialized provider, never returned
 * in outputs, never put in an error.
 */
import type { PantherClient, RetryEvent } from "../client/client";
import { PantherConfigError } from "../client/errors";

/** Stack config keys this package reads. */
export const CONFIG_URL = "panther:url";
export const CONFIG_TOKEN = "panther:token";
export const CONFIG_TIMEOUT = "panther:requestTimeoutSeconds";
/** Environment fallbacks (the names Panther's Terraform provider uses). */
export const ENV_URL = "PANTHER_API_URL";
export const ENV_TOKEN = "PANTHER_API_TOKEN";
export const ENV_TIMEOUT = "PANTHER_API_TIMEOUT_SECONDS";
/** Longest request timeout accepted, in seconds. */
export const MAX_TIMEOUT_SECONDS = 600;

interface Settings {
  url: string | undefined;
  token: string | undefined;
  timeout: string | undefined;
}

let stackSettings: Settings = { url: undefined, token: undefined, timeout: undefined };
let cached: { key: string; client: PantherClient } | undefined;

/** Records the stack config the host passed to `configure`. */
export function setStackConfig(get: (key: string) => string | undefined): void {
  stackSettings = {
    url: nonEmpty(get(CONFIG_URL)),
    token: nonEmpty(get(CONFIG_TOKEN)),
    timeout: nonEmpty(get(CONFIG_TIMEOUT)),
  };
  cached = undefined;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The URL and key to use, or a config error naming both ways to set what is missing. */
export function resolveCredentials(env: NodeJS.ProcessEnv = process.env): {
  url: string;
  token: string;
} {
  const url = stackSettings.url ?? nonEmpty(env[ENV_URL]);
  const token = stackSettings.token ?? nonEmpty(env[ENV_TOKEN]);
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
  if (url === undefined || token === undefined) {
    throw new PantherConfigError(
      `Panther is not configured: missing ${missing.join(" and ")}. The key needs the ` +
        `OrganizationAPITokenRead and OrganizationAPITokenModify permissions.`,
    );
  }
  return { url, token };
}

/**
 * Headers and body timeout of each request, in ms, from `panther:requestTimeoutSeconds` or
 * `PANTHER_API_TIMEOUT_SECONDS`; undefined for the client's default (30 s).
 */
export function resolveTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = stackSettings.timeout ?? nonEmpty(env[ENV_TIMEOUT]);
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new PantherConfigError(
      `${CONFIG_TIMEOUT} (or ${ENV_TIMEOUT}) must be a number of seconds above 0 and at most ` +
        `${MAX_TIMEOUT_SECONDS}, got ${JSON.stringify(text)}.`,
    );
  }
  return Math.round(seconds * 1000);
}

function logRetry(event: RetryEvent): void {
  progress(
    `${event.operation} attempt ${event.attempt} failed (${event.reason}); retrying in ${event.delayMs} ms`,
  );
}

/** Prints a progress line where Pulumi shows the provider's output. */
export function progress(line: string): void {
  console.error(`pulumi-panther: ${line}`);
}

/**
 * The client for the configured Panther, built on first use (so that
 * `check` and `diff`, which make no calls, need no credentials).
 */
export function client(): PantherClient {
  const { url, token } = resolveCredentials();
  const timeoutMs = resolveTimeoutMs();
  const key = `${url}\u0000${token}\u0000${String(timeoutMs)}`;
  if (cached?.key !== key) {
    // Loaded on first network use: previews that only check and diff never load undici.
    const { PantherClient: Client } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("../client/client") as typeof import("../client/client");
    const timeouts = timeoutMs === undefined ? {} : { headersMs: timeoutMs, bodyMs: timeoutMs };
    cached = { key, client: new Client({ url, apiKey: token, timeouts, onRetry: logRetry }) };
  }
  return cached.client;
}

/**
 * A client that authenticates with `apiKey` (a token value just issued) at the
 * configured URL, without retries: used to probe whether the value works.
 */
export function probeClient(apiKey: string): PantherClient {
  const { url } = resolveCredentials();
  const { PantherClient: Client } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../client/client") as typeof import("../client/client");
  const timeoutMs = resolveTimeoutMs();
  const timeouts = timeoutMs === undefined ? {} : { headersMs: timeoutMs, bodyMs: timeoutMs };
  return new Client({ url, apiKey, timeouts, retry: { maxAttempts: 1 } });
}

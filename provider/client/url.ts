import { PantherConfigError } from "./errors";

/** A parsed Panther API base URL. */
export interface PantherBaseUrl {
  /** `https://api.acme.runpanther.net` */
  readonly origin: string;
  /** Path prefix before `/api-tokens`, without trailing slash: `""` or e.g. `/v1`. */
  readonly basePath: string;
}

const GRAPHQL_SUFFIX = "/public/graphql";

/**
 * Whether `hostname` (as `URL.hostname` gives it) is a loopback address:
 * `localhost`, anything in 127.0.0.0/8, or `[::1]`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "[::1]" || host === "::1") return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Normalizes the API URL as the Panther Console shows it (Settings → API
 * Tokens), with or without `/public/graphql`, with or without a trailing
 * slash, into an origin and a base path for REST calls, as Panther's own
 * Terraform provider does.
 *
 * HTTPS is required, except for loopback hosts (a local emulator). User
 * info, query strings and fragments are refused: a key must never sit in a
 * URL, and a URL with extras is most likely a copy-paste of the wrong thing.
 */
export function parseBaseUrl(input: string): PantherBaseUrl {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new PantherConfigError(
      `The Panther API URL ${JSON.stringify(trimmed)} is not a valid URL. Use the API URL shown in the ` +
        `Panther Console under Settings → API Tokens, e.g. https://api.acme.runpanther.net/public/graphql.`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new PantherConfigError(
      `The Panther API URL must use https:// (got ${url.protocol}//${url.host}): the API key must not ` +
        `travel unencrypted. Plain http:// is accepted only for loopback hosts such as a local emulator.`,
    );
  }
  if (url.username || url.password) {
    throw new PantherConfigError(
      "The Panther API URL must not contain a user name or password. Set the API key with " +
        "`pulumi config set --secret panther:token` or PANTHER_API_TOKEN instead.",
    );
  }
  if (url.search || url.hash) {
    throw new PantherConfigError(
      `The Panther API URL must not contain a query string or fragment (got ${url.origin}${url.pathname}` +
        `${url.search ? "?…" : ""}${url.hash ? "#…" : ""}). Use the API URL shown in the Panther Console.`,
    );
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (path.toLowerCase().endsWith(GRAPHQL_SUFFIX)) {
    path = path.slice(0, -GRAPHQL_SUFFIX.length);
  }
  return { origin: url.origin, basePath: path.replace(/\/+$/, "") };
}

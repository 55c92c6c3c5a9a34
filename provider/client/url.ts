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
 * Whether `hostname` (as `URL.hostname` gives it) is a loopback host that
 * may be reached over plain HTTP: the name `localhost` itself, a literal
 * address in 127.0.0.0/8, or `[::1]`. Other names under `.localhost` are
 * not: a resolver may send them anywhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "[::1]" || host === "::1") return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

const WHERE_TO_FIND =
  "use the API URL shown in the Panther Console under Settings → API Tokens, " +
  "e.g. https://api.acme.runpanther.net/public/graphql";

/**
 * Normalizes the API URL as the Panther Console shows it (Settings → API
 * Tokens), with or without `/public/graphql`, with or without a trailing
 * slash, into an origin and a base path for REST calls, as Panther's own
 * Terraform provider does.
 *
 * HTTPS is required, except for loopback hosts (a local emulator). User
 * info, query strings and fragments are refused: a key must never sit in a
 * URL, and a URL with extras is most likely a copy-paste of the wrong thing.
 * Errors never quote the URL (a key pasted into it by mistake would be
 * printed): they say what is wrong and what is expected.
 */
export function parseBaseUrl(input: string): PantherBaseUrl {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new PantherConfigError(
      `The Panther API URL (panther:url or PANTHER_API_URL) is not a valid URL; ${WHERE_TO_FIND}.`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    const uses =
      url.protocol === "http:"
        ? "uses plain http:// to a host that is not loopback"
        : "is not https://";
    throw new PantherConfigError(
      `The Panther API URL (panther:url or PANTHER_API_URL) must use https:// but ${uses}: the API key ` +
        `must not travel unencrypted. Plain http:// is accepted only for localhost, 127.0.0.0/8 and [::1] ` +
        `(a local emulator); ${WHERE_TO_FIND}.`,
    );
  }
  if (url.username || url.password) {
    throw new PantherConfigError(
      "The Panther API URL (panther:url or PANTHER_API_URL) must not contain a user name or password. " +
        "Set the API key with `pulumi config set --secret panther:token` or PANTHER_API_TOKEN instead.",
    );
  }
  if (url.search || url.hash) {
    const extras = [url.search ? "a query string" : "", url.hash ? "a fragment" : ""]
      .filter(Boolean)
      .join(" and ");
    throw new PantherConfigError(
      `The Panther API URL (panther:url or PANTHER_API_URL) must not contain a query string or fragment, ` +
        `and it has ${extras}; ${WHERE_TO_FIND}.`,
    );
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (path.toLowerCase().endsWith(GRAPHQL_SUFFIX)) {
    path = path.slice(0, -GRAPHQL_SUFFIX.length);
  }
  return { origin: url.origin, basePath: path.replace(/\/+$/, "") };
}

/**
 * The API key and ids a caller hands the client, checked before anything is
 * sent: an empty key, or one pasted into the URL, is refused without quoting
 * either.
 */
import { PantherConfigError } from "./errors";

/**
 * `apiKey` trimmed, or a config error when it is empty or appears in `url`
 * (a key pasted into the URL would travel in logs and proxies). The error
 * quotes neither.
 */
export function checkedKey(apiKey: unknown, url: unknown): string {
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    throw new PantherConfigError("The Panther API key is empty.");
  }
  const key = apiKey.trim();
  if (typeof url === "string" && key.length >= 8 && urlContains(url, key)) {
    throw new PantherConfigError(
      "The Panther API URL (panther:url or PANTHER_API_URL) contains the API key. Set panther:url to the " +
        "API URL shown in the Panther Console under Settings → API Tokens, e.g. " +
        "https://api.acme.runpanther.net/public/graphql, and the key with " +
        "`pulumi config set --secret panther:token` or PANTHER_API_TOKEN; then replace the key, which " +
        "may have been logged with the URL.",
    );
  }
  return key;
}

function urlContains(url: string, key: string): boolean {
  const lowerKey = key.toLowerCase();
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // Not percent-encoded validly: the raw text is all there is to search.
  }
  return url.toLowerCase().includes(lowerKey) || decoded.toLowerCase().includes(lowerKey);
}

/** `id` as it goes in a path; a config error when it is empty. */
export function encodeId(id: string): string {
  if (typeof id !== "string" || id === "") {
    throw new PantherConfigError("A Panther token id must be a non-empty string.");
  }
  return encodeURIComponent(id);
}

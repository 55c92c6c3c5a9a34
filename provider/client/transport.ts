/**
 * One request to Panther and what came of it: {@link send} puts it on the
 * wire and returns its {@link Outcome} (an answer or a network failure,
 * never a throw); {@link retryReasonOf} says whether that outcome is worth
 * another attempt; {@link settle} turns it into a value or the error that
 * names the call, says in `applied` whether it may have taken effect, and
 * quotes nothing secret. What differs per operation is read from its
 * endpoint (`endpoints.ts`); the retry loop is the client's (`client.ts`).
 */
import type { Dispatcher } from "undici";
import {
  PantherApiError,
  PantherNetworkError,
  PantherRedirectError,
  PantherResponseError,
} from "./errors";
import type { RequestDescription } from "./errors";
import { appliedForNetworkCode, appliedForStatus } from "./errors/applied";
import { redactAndCut } from "./errors/redact";
import { messageOf } from "./errors/thrown";
import { poolFor, type Timeouts } from "./pool";
import { RETRYABLE_NETWORK_CODES, RETRYABLE_STATUSES, parseRetryAfter } from "./retry";
import type { ServerClock } from "./serverClock";
import type { Endpoint } from "./endpoints";
import type { PantherBaseUrl } from "./url";
import { USER_AGENT } from "./version";

/** Where a client's requests go and how: fixed for the client's life (its key is not). */
export interface Target {
  readonly base: PantherBaseUrl;
  readonly timeouts: Timeouts;
  readonly dispatcher: Dispatcher | undefined;
  readonly clock: { now(): number };
  /** Learns Panther's clock from the answer's `Date` header. */
  readonly serverClock: ServerClock;
}

/** What came of one request: Panther's answer, or a network failure. */
export type Outcome = (
  | {
      readonly kind: "response";
      readonly status: number;
      readonly headers: Dispatcher.ResponseData["headers"];
      readonly text: string;
    }
  | { readonly kind: "network"; readonly code: string | undefined; readonly message: string }
) & {
  /** The API key the request was sent with. */
  readonly key: string;
};

/** Longest text quoted from each source, after redaction (see `redactAndCut`). */
const MAX_PANTHER_MESSAGE = 500;
const MAX_NETWORK_MESSAGE = 300;
const MAX_NETWORK_CODE = 60;
const MAX_QUOTED_HEADER = 100;

/** Sends one request with `key`; never throws: a network failure is an outcome too. */
export async function send(
  target: Target,
  key: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  payload: string | undefined,
): Promise<Outcome> {
  const { base, clock } = target;
  const headers: Record<string, string> = {
    "x-api-key": key,
    "user-agent": USER_AGENT,
    accept: "application/json",
  };
  if (payload !== undefined) headers["content-type"] = "application/json";
  const dispatcher = target.dispatcher ?? poolFor(base.origin, target.timeouts);
  const sentAt = clock.now();
  try {
    const response = await dispatcher.request({
      origin: base.origin,
      method,
      path: base.basePath + path,
      headers,
      body: payload ?? null,
    });
    target.serverClock.observe(headerOf(response.headers, "date"), sentAt, clock.now());
    const text = await response.body.text();
    return {
      kind: "response",
      status: response.statusCode,
      headers: response.headers,
      text,
      key,
    };
  } catch (error) {
    // The message unredacted and uncut: the caller does both, in that order.
    return { kind: "network", code: networkCodeOf(error), message: messageOf(error), key };
  }
}

/**
 * The value `parse` makes of a 2xx answer, or the error `outcome` amounts to
 * (texts quoted from Panther or the network redacted of `secrets`, then cut).
 */
export function settle<T>(
  endpoint: Endpoint,
  outcome: Outcome,
  request: RequestDescription,
  parse: (json: unknown, request: RequestDescription, status: number) => T,
  secrets: readonly string[],
  now: number,
): T {
  if (outcome.kind === "network") {
    const timeout = outcome.code !== undefined && /TIMEOUT/.test(outcome.code);
    throw new PantherNetworkError(
      request,
      timeout,
      outcome.code === undefined
        ? undefined
        : redactAndCut(outcome.code, secrets, MAX_NETWORK_CODE),
      redactAndCut(outcome.message, secrets, MAX_NETWORK_MESSAGE),
    );
  }
  const { status, headers, text } = outcome;
  if (status >= 300 && status < 400) {
    const origin = originOf(headerOf(headers, "location"));
    throw new PantherRedirectError(
      request,
      status,
      origin === undefined ? undefined : redactAndCut(origin, secrets, MAX_QUOTED_HEADER),
    );
  }
  if (status >= 400) {
    const said = pantherMessageOf(text);
    throw new PantherApiError(
      request,
      status,
      said === undefined ? undefined : redactAndCut(said, secrets, MAX_PANTHER_MESSAGE),
      parseRetryAfter(headerOf(headers, "retry-after"), now),
    );
  }
  if (!endpoint.readsBody) return parse(undefined, request, status);
  if (text.trim() === "") {
    throw new PantherResponseError(
      request,
      status,
      "an empty body where a JSON token was expected",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const type = redactAndCut(
      headerOf(headers, "content-type") ?? "no content-type",
      secrets,
      MAX_QUOTED_HEADER,
    );
    throw new PantherResponseError(
      request,
      status,
      `a body that is not valid JSON (${type}, ${Buffer.byteLength(text)} bytes; truncated or not from the API)`,
    );
  }
  return parse(json, request, status);
}

export function headerOf(
  headers: Dispatcher.ResponseData["headers"],
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function originOf(location: string | undefined): string | undefined {
  if (location === undefined) return undefined;
  try {
    return new URL(location).origin;
  } catch {
    return undefined;
  }
}

/** Whether the call `outcome` failed may have taken effect; see `PantherError.applied`. */
function appliedOf(outcome: Outcome): "no" | "maybe" | "yes" {
  return outcome.kind === "network"
    ? appliedForNetworkCode(outcome.code)
    : appliedForStatus(outcome.status);
}

/** Why `outcome` is worth another attempt of `operation`, or undefined. */
export function retryReasonOf(endpoint: Endpoint, outcome: Outcome): string | undefined {
  const reason =
    outcome.kind === "network"
      ? outcome.code !== undefined && RETRYABLE_NETWORK_CODES.has(outcome.code)
        ? outcome.code
        : undefined
      : RETRYABLE_STATUSES.has(outcome.status)
        ? String(outcome.status)
        : undefined;
  if (reason === undefined) return undefined;
  // A repeat of a call that may have taken effect could create a second token or rotate twice.
  if (!endpoint.repeatable && appliedOf(outcome) !== "no") return undefined;
  return reason;
}

/** Panther's own text from an error body, unredacted and uncut: the caller does both, in that order. */
function pantherMessageOf(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const { message, error } = json as Record<string, unknown>;
  // `{"message": …}` as the spec declares it; `{"error": …}` as Panther's tooling has seen on 403.
  if (message !== undefined && typeof message !== "string") return undefined;
  if (error !== undefined && typeof error !== "string") return undefined;
  const said = message ?? error;
  return said === undefined || said === "" ? undefined : said;
}

// undici puts the system error (ECONNRESET, ...) on `cause` of its own
// errors for some failures (https://github.com/nodejs/undici/issues/1248),
// so the code is looked for on the error, then on its cause.
function networkCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

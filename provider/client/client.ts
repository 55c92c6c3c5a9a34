/**
 * Panther's REST API for API tokens, over undici, schema first.
 *
 *   create  POST   /api-tokens              (repeated only when the attempt provably did nothing)
 *   list    GET    /api-tokens?cursor=…     (follows `next` to the last page)
 *   get     GET    /api-tokens/{id}
 *   update  POST   /api-tokens/{id}         (full replace; repeated only when the attempt
 *                                            provably did nothing)
 *   delete  DELETE /api-tokens/{id}
 *   rotate  POST   /api-tokens/{id}/rotate  (the previous value stops working at once;
 *                                            repeated only when the attempt provably did nothing)
 *
 * `{id}` may be `self`: the token making the call. This module knows nothing
 * of Pulumi.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { z } from "zod";
import {
  PantherApiError,
  PantherConfigError,
  PantherNetworkError,
  PantherRedirectError,
  PantherResponseError,
} from "./errors";
import type { RequestDescription } from "./errors";
import { appliedForNetworkCode, appliedForStatus } from "./errors/applied";
import { redact, redactAndCut } from "./errors/redact";
import { DEFAULT_TIMEOUTS, poolFor } from "./pool";
import type { Timeouts } from "./pool";
import {
  DEFAULT_RETRY_POLICY,
  RETRYABLE_NETWORK_CODES,
  RETRYABLE_STATUSES,
  backoffDelay,
  parseRetryAfter,
} from "./retry";
import type { RetryPolicy } from "./retry";
import { readPageQuickly, readTokenQuickly } from "./answers";
import type * as Schemas from "./schemas";
import { ServerClock } from "./serverClock";
import type {
  ApiToken,
  ApiTokenWithValue,
  ModifyApiToken,
  TokenListing,
  TokenPage,
  UnreadableToken,
} from "./types";
import { parseBaseUrl } from "./url";
import type { PantherBaseUrl } from "./url";
import { USER_AGENT } from "./version";

/** The six operations of the api-tokens API. */

/** The zod schemas, loaded on first need: zod takes ~100 ms to load, and well-formed answers never need it. */
let loadedSchemas: typeof Schemas | undefined;
function schemas(): typeof Schemas {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first need, see above
  loadedSchemas ??= require("./schemas") as typeof Schemas;
  return loadedSchemas;
}

export type Operation = "create" | "list" | "get" | "update" | "delete" | "rotate";

/** Told before each retry: what failed and how long the client waits. */
export interface RetryEvent {
  readonly operation: Operation;
  /** The attempt that just failed, counting from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  /** `429`, `503`, `ECONNRESET`, ... */
  readonly reason: string;
}

/** Options of {@link PantherClient}. */
export interface PantherClientOptions {
  /**
   * The API URL shown in the Panther Console (Settings → API Tokens), with or
   * without `/public/graphql`. HTTPS, except for `localhost` and loopback
   * addresses. Must not contain the API key.
   */
  readonly url: string;
  /** The API key the client authenticates with (`X-API-Key`). Never logged or put in errors. */
  readonly apiKey: string;
  /** Per-phase request timeouts; each field defaults to {@link DEFAULT_TIMEOUTS}. */
  readonly timeouts?: Partial<Timeouts>;
  /** Retry policy for operations that are safe to repeat; defaults to {@link DEFAULT_RETRY_POLICY}. */
  readonly retry?: Partial<RetryPolicy>;
  /** Called before each retry, e.g. to print progress. */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Source of randomness for backoff jitter (tests pin it). Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Local time for backoff waits, the retry time budget and the send and
   * receive stamps fed to {@link PantherClient.pantherClock}. Default: real
   * time (`Date.now`, `timers/promises`). For deterministic fault tests.
   *
   * @internal
   */
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
  /**
   * An undici dispatcher to send requests through instead of the shared
   * keep-alive pool (its timeouts then are the dispatcher's own). For fault
   * tests, e.g. an undici `MockAgent`.
   *
   * @internal Not in the shipped declarations, which must not name undici types.
   */
  readonly dispatcher?: Dispatcher;
}

type Outcome = (
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

const MAX_LIST_PAGES = 10_000;

/** Longest text quoted from each source, after redaction (see `redactAndCut`). */
const MAX_PANTHER_MESSAGE = 500;
const MAX_NETWORK_MESSAGE = 300;
const MAX_NETWORK_CODE = 60;
const MAX_PROBLEM = 300;
const MAX_QUOTED_HEADER = 100;
const MAX_UNREADABLE_FIELD = 100;

/**
 * Repeated only when the failed attempt provably did nothing. Create and
 * rotate are not idempotent; an update is a full replace, but an attempt
 * whose answer was lost can land late, after a later change, and undo it.
 */
const NOT_IDEMPOTENT: ReadonlySet<Operation> = new Set<Operation>(["create", "update", "rotate"]);

const REAL_TIME = {
  now: (): number => Date.now(),
  sleep: (ms: number): Promise<void> => sleep(ms),
};

/**
 * A client for Panther's `/api-tokens` REST API.
 *
 * Requests go through one keep-alive pool per origin shared by all clients
 * of the process. Redirects are never followed. Get, list and delete are
 * retried on 429, 502, 503, 504 and network errors with bounded exponential
 * backoff. Create, update and rotate are retried only when the failed attempt
 * provably did nothing (`applied: "no"`) and the failure is transient: a 429,
 * or a network error before the request left (connection refused, connect
 * timeout). (Create and rotate are not idempotent; an update whose answer was
 * lost can land late and undo a later change.) Errors
 * never contain the API key or a token value, and say in `applied` whether
 * the call may have taken effect.
 *
 * @example
 * ```ts
 * const client = new PantherClient({ url: process.env.PANTHER_API_URL!, apiKey: process.env.PANTHER_API_TOKEN! });
 * const me = await client.getToken("self");
 * ```
 */
export class PantherClient {
  #apiKey: string;
  /** Keys replaced by {@link replaceApiKey}: still redacted from every error. */
  readonly #retiredKeys: string[] = [];
  readonly #base: PantherBaseUrl;
  readonly #timeouts: Timeouts;
  readonly #retry: RetryPolicy;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #random: () => number;
  readonly #clock: { now(): number; sleep(ms: number): Promise<void> };
  readonly #dispatcher: Dispatcher | undefined;
  readonly #serverClock: ServerClock;
  /** {@link PantherClient.#secrets}, rebuilt when a key is replaced. */
  #secretForms: string[] | undefined;

  constructor(options: PantherClientOptions) {
    this.#apiKey = checkedKey(options.apiKey, options.url);
    this.#base = parseBaseUrl(options.url);
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#onRetry = options.onRetry;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? REAL_TIME;
    this.#dispatcher = options.dispatcher;
    const clock = this.#clock;
    this.#serverClock = new ServerClock(() => clock.now());
  }

  /** The origin requests go to, e.g. `https://api.acme.runpanther.net`. */
  get origin(): string {
    return this.#base.origin;
  }

  /** Panther's clock as learnt from the `Date` header of every response this client received. */
  get pantherClock(): ServerClock {
    return this.#serverClock;
  }

  /**
   * Authenticates every later request with `newKey`, e.g. after rotating the
   * deployer's own token (`rotateToken("self")`). A request still in flight
   * with the previous key that Panther answers 401 is sent once more with
   * `newKey` (a 401 proves nothing was applied). Previous keys stay redacted
   * from every error.
   */
  replaceApiKey(newKey: string): void {
    const key = checkedKey(newKey, `${this.#base.origin}${this.#base.basePath}`);
    if (key === this.#apiKey) return;
    this.#retiredKeys.push(this.#apiKey);
    this.#apiKey = key;
    this.#secretForms = undefined;
  }

  /**
   * Creates a token. The answer carries its secret `value`, which Panther
   * never returns again. Sent again only when the attempt provably did
   * nothing: if the answer is lost, the token may exist; the caller must
   * reconcile (see the resource provider).
   */
  async createToken(body: ModifyApiToken): Promise<ApiTokenWithValue> {
    return this.#call("create", "POST", "/api-tokens", body, (json, req, status) =>
      this.#tokenWithValue(json, req, status),
    );
  }

  /** Fetches one token (never with its value). `id` may be `self`. */
  async getToken(id: string): Promise<ApiToken> {
    return this.#call("get", "GET", `/api-tokens/${encodeId(id)}`, undefined, (json, req, status) =>
      this.#token(json, req, status),
    );
  }

  /**
   * Replaces a token's name, permissions and allowed CIDR blocks. `id` may be
   * `self`. Sent again only when the attempt provably did nothing: an attempt
   * whose answer was lost may still land, and the caller must wait out that
   * chance before sending anything else to the token (see the resource
   * provider).
   */
  async updateToken(id: string, body: ModifyApiToken): Promise<ApiToken> {
    return this.#call("update", "POST", `/api-tokens/${encodeId(id)}`, body, (json, req, status) =>
      this.#token(json, req, status),
    );
  }

  /** Deletes a token. A 404 is reported as `PANTHER_NOT_FOUND`; callers decide if that is success. */
  async deleteToken(id: string): Promise<void> {
    await this.#call("delete", "DELETE", `/api-tokens/${encodeId(id)}`, undefined, () => undefined);
  }

  /**
   * Rotates a token: Panther issues a new value and the previous one stops
   * working immediately. Sent again only when the attempt provably did
   * nothing: when the answer is lost (`applied` is `"maybe"` or `"yes"`),
   * the rotation may have happened and its value is lost with the answer;
   * the caller decides whether to rotate again (for `self`, the key this
   * client holds may no longer work).
   */
  async rotateToken(id: string): Promise<ApiTokenWithValue> {
    return this.#call(
      "rotate",
      "POST",
      `/api-tokens/${encodeId(id)}/rotate`,
      undefined,
      (json, req, status) => this.#tokenWithValue(json, req, status),
    );
  }

  /**
   * One page of tokens; pass the previous page's `next` as `cursor`. Each
   * item is read on its own: one that does not fit the token schema is
   * reported in `unreadable` (numbered as page `page`), not an error. The
   * page itself must be an object with a `results` array.
   */
  async listTokenPage(cursor?: string, page = 1): Promise<TokenPage> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    return this.#call("list", "GET", `/api-tokens${query}`, undefined, (json, req, status) => {
      const raw = readPageQuickly(json) ?? this.#parse(schemas().ListPageSchema, json, req, status);
      const tokens: ApiToken[] = [];
      const unreadable: UnreadableToken[] = [];
      raw.results.forEach((item, index) => {
        const quick = readTokenQuickly(item, false);
        if (quick !== undefined) {
          tokens.push(quick);
          return;
        }
        const parsed = schemas().ApiTokenSchema.safeParse(item);
        if (parsed.success) tokens.push(parsed.data);
        else unreadable.push(unreadableOf(item, page, index, parsed.error.issues, this.#secrets()));
      });
      return { tokens, unreadable, next: raw.next ? raw.next : undefined };
    });
  }

  /** Every token, following `next` until the last page, and the items that could not be read. */
  async listTokens(): Promise<TokenListing> {
    const all: TokenListing = { tokens: [], unreadable: [] };
    for await (const page of this.listTokenPages()) {
      all.tokens.push(...page.tokens);
      all.unreadable.push(...page.unreadable);
    }
    return all;
  }

  /** Pages of tokens, following `next` until the last page; pages count from 1. */
  async *listTokenPages(): AsyncGenerator<TokenListing, void, undefined> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (let page = 1; page <= MAX_LIST_PAGES; page++) {
      const { tokens, unreadable, next } = await this.listTokenPage(cursor, page);
      yield { tokens, unreadable };
      if (next === undefined) return;
      if (seen.has(next)) {
        throw new PantherResponseError(
          this.#describe("list", "GET", "/api-tokens", 1),
          200,
          "a pagination cursor it had already returned (the listing would never end)",
        );
      }
      seen.add(next);
      cursor = next;
    }
    throw new PantherResponseError(
      this.#describe("list", "GET", "/api-tokens", 1),
      200,
      `more than ${MAX_LIST_PAGES} pages of tokens (the listing would not end in reasonable time)`,
    );
  }

  /** Every key this client has used, in each form it could be echoed in. */
  #secrets(): string[] {
    if (this.#secretForms === undefined) {
      const keys = [this.#apiKey, ...this.#retiredKeys];
      this.#secretForms = [...new Set([...keys, ...keys.map((key) => encodeURIComponent(key))])];
    }
    return this.#secretForms;
  }

  #describe(
    operation: Operation,
    method: string,
    path: string,
    attempts: number,
  ): RequestDescription {
    return {
      operation,
      method,
      // An id in the path is the caller's: redacted in case a key was passed as one.
      path: redact(this.#base.basePath + path.replace(/\?.*$/, ""), this.#secrets()),
      origin: this.#base.origin,
      attempts,
    };
  }

  async #call<T>(
    operation: Operation,
    method: "GET" | "POST" | "DELETE",
    path: string,
    body: unknown,
    parse: (json: unknown, request: RequestDescription, status: number) => T,
  ): Promise<T> {
    const started = this.#clock.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let resentWithNewKey = false;
    // `attempt` counts against the retry policy; `sent` counts requests, a re-send for a new key included.
    for (let attempt = 1, sent = 1; ; sent++) {
      const outcome = await this.#send(method, path, payload);
      if (
        !resentWithNewKey &&
        outcome.kind === "response" &&
        outcome.status === 401 &&
        outcome.key !== this.#apiKey
      ) {
        // The key was replaced while this request was in flight, and a 401 proves nothing was applied.
        resentWithNewKey = true;
        continue;
      }
      const request = this.#describe(operation, method, path, sent);
      const retryReason = retryReasonOf(operation, outcome);
      if (retryReason !== undefined && attempt < this.#retry.maxAttempts) {
        const retryAfter =
          outcome.kind === "response"
            ? parseRetryAfter(headerOf(outcome.headers, "retry-after"), this.#clock.now())
            : undefined;
        const delayMs = backoffDelay(this.#retry, attempt, retryAfter, this.#random);
        if (this.#clock.now() - started + delayMs <= this.#retry.maxElapsedMs) {
          this.#onRetry?.({ operation, attempt: sent, delayMs, reason: retryReason });
          await this.#clock.sleep(delayMs);
          attempt++;
          continue;
        }
      }
      return this.#settle(outcome, request, parse);
    }
  }

  #settle<T>(
    outcome: Outcome,
    request: RequestDescription,
    parse: (json: unknown, request: RequestDescription, status: number) => T,
  ): T {
    const secrets = this.#secrets();
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
        parseRetryAfter(headerOf(headers, "retry-after"), this.#clock.now()),
      );
    }
    if (request.operation === "delete") return parse(undefined, request, status);
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

  /** A token answer: read quickly when well formed, else by its schema, which says what does not fit. */
  #token(json: unknown, request: RequestDescription, status: number): ApiToken {
    return (
      readTokenQuickly(json, false) ?? this.#parse(schemas().ApiTokenSchema, json, request, status)
    );
  }

  /** A create or rotate answer, with its value: as {@link PantherClient.#token}. */
  #tokenWithValue(json: unknown, request: RequestDescription, status: number): ApiTokenWithValue {
    return (
      readTokenQuickly(json, true) ??
      this.#parse(schemas().ApiTokenWithValueSchema, json, request, status)
    );
  }

  /** `json` read with `schema`, else a {@link PantherResponseError} naming the fields that did not fit. */
  #parse<S extends z.ZodType>(
    schema: S,
    json: unknown,
    request: RequestDescription,
    status: number,
  ): z.output<S> {
    const result = schema.safeParse(json);
    if (result.success) return result.data;
    throw new PantherResponseError(
      request,
      status,
      `a body of the wrong shape (${describeIssues(result.error.issues, this.#secrets())})`,
    );
  }

  async #send(
    method: "GET" | "POST" | "DELETE",
    path: string,
    payload: string | undefined,
  ): Promise<Outcome> {
    const key = this.#apiKey;
    const headers: Record<string, string> = {
      "x-api-key": key,
      "user-agent": USER_AGENT,
      accept: "application/json",
    };
    if (payload !== undefined) headers["content-type"] = "application/json";
    const dispatcher = this.#dispatcher ?? poolFor(this.#base.origin, this.#timeouts);
    const sentAt = this.#clock.now();
    try {
      const response = await dispatcher.request({
        origin: this.#base.origin,
        method,
        path: this.#base.basePath + path,
        headers,
        body: payload ?? null,
      });
      this.#serverClock.observe(headerOf(response.headers, "date"), sentAt, this.#clock.now());
      const text = await response.body.text();
      return {
        kind: "response",
        status: response.statusCode,
        headers: response.headers,
        text,
        key,
      };
    } catch (error) {
      return { kind: "network", code: networkCodeOf(error), message: networkMessageOf(error), key };
    }
  }
}

/**
 * `apiKey` trimmed, or a config error when it is empty or appears in `url`
 * (a key pasted into the URL would travel in logs and proxies). The error
 * quotes neither.
 */
function checkedKey(apiKey: unknown, url: unknown): string {
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

function encodeId(id: string): string {
  if (typeof id !== "string" || id === "") {
    throw new PantherConfigError("A Panther token id must be a non-empty string.");
  }
  return encodeURIComponent(id);
}

function headerOf(headers: Dispatcher.ResponseData["headers"], name: string): string | undefined {
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
function retryReasonOf(operation: Operation, outcome: Outcome): string | undefined {
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
  if (NOT_IDEMPOTENT.has(operation) && appliedOf(outcome) !== "no") return undefined;
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

/** The underlying error's message, unredacted and uncut: the caller does both, in that order. */
function networkMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Which fields did not fit and what was expected, from zod issues. zod's
 * messages name types and expectations, never the input's values.
 */
function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  secrets: readonly string[],
  whole = "body",
): string {
  const shown = issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : whole}: ${issue.message}`);
  if (issues.length > 5) shown.push(`${issues.length - 5} more`);
  return redactAndCut(shown.join("; "), secrets, MAX_PROBLEM);
}

function unreadableOf(
  item: unknown,
  page: number,
  index: number,
  issues: readonly z.core.$ZodIssue[],
  secrets: readonly string[],
): UnreadableToken {
  const out: UnreadableToken = { page, index, problem: describeIssues(issues, secrets, "item") };
  if (typeof item === "object" && item !== null) {
    const { id, name } = item as { id?: unknown; name?: unknown };
    if (typeof id === "string") out.id = redactAndCut(id, secrets, MAX_UNREADABLE_FIELD);
    if (typeof name === "string") out.name = redactAndCut(name, secrets, MAX_UNREADABLE_FIELD);
  }
  return out;
}

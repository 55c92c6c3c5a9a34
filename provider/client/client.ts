/**
 * Panther's REST API for API tokens, over undici, schema first: one method per endpoint of
 * `endpoints.ts` (which says what each sends and whether it may be repeated), the retry loop,
 * and what each answer is read as. `list` follows `next` to the last page. This module knows
 * nothing of Pulumi.
 */
import type { z } from "zod";
import { describeIssues, readPageQuickly, readTokenQuickly, unreadableOf } from "./answers";
import { checkedKey } from "./apiKey";
import { ENDPOINTS } from "./endpoints";
import { PantherResponseError } from "./errors";
import type { RequestDescription } from "./errors";
import { redact } from "./errors/redact";
import { realClock, type Clock } from "./clock";
import type { PantherClientOptions, RetryEvent } from "./options";
import { DEFAULT_TIMEOUTS } from "./pool";
import { DEFAULT_RETRY_POLICY, backoffDelay, parseRetryAfter } from "./retry";
import type { RetryPolicy } from "./retry";
import type * as Schemas from "./schemas";
import { ServerClock } from "./serverClock";
import { headerOf, retryReasonOf, send, settle, type Target } from "./transport";
import type {
  ApiToken,
  ApiTokenWithValue,
  ModifyApiToken,
  Operation,
  TokenListing,
  TokenPage,
  UnreadableToken,
} from "./types";
import { parseBaseUrl } from "./url";
import type { PantherBaseUrl } from "./url";

export type { Operation } from "./types";
export type { PantherClientOptions, RetryEvent } from "./options";

/** The zod schemas, loaded on first need: zod takes ~100 ms to load, and well-formed answers never need it. */
let loadedSchemas: typeof Schemas | undefined;
function schemas(): typeof Schemas {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first need, see above
  loadedSchemas ??= require("./schemas") as typeof Schemas;
  return loadedSchemas;
}

const MAX_LIST_PAGES = 10_000;

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
  readonly #retry: RetryPolicy;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #random: () => number;
  readonly #clock: Clock;
  /** Where requests go and how (see `transport.ts`): built once, the key is given per request. */
  readonly #target: Target;
  /** {@link PantherClient.#secrets}, rebuilt when a key is replaced. */
  #secretForms: string[] | undefined;

  constructor(options: PantherClientOptions) {
    this.#apiKey = checkedKey(options.apiKey, options.url);
    this.#base = parseBaseUrl(options.url);
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#onRetry = options.onRetry;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? realClock;
    const clock = this.#clock;
    this.#target = {
      base: this.#base,
      timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
      dispatcher: options.dispatcher,
      clock,
      serverClock: new ServerClock(() => clock.now()),
    };
  }

  /** The origin requests go to, e.g. `https://api.acme.runpanther.net`. */
  get origin(): string {
    return this.#base.origin;
  }

  /** Panther's clock as learnt from the `Date` header of every response this client received. */
  get pantherClock(): ServerClock {
    return this.#target.serverClock;
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
    return this.#call("create", ENDPOINTS.create.path(), body, (json, req, status) =>
      this.#tokenWithValue(json, req, status),
    );
  }

  /** Fetches one token (never with its value). `id` may be `self`. */
  async getToken(id: string): Promise<ApiToken> {
    return this.#call("get", ENDPOINTS.get.path(id), undefined, (json, req, status) =>
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
    return this.#call("update", ENDPOINTS.update.path(id), body, (json, req, status) =>
      this.#token(json, req, status),
    );
  }

  /** Deletes a token. A 404 is reported as `PANTHER_NOT_FOUND`; callers decide if that is success. */
  async deleteToken(id: string): Promise<void> {
    await this.#call("delete", ENDPOINTS.delete.path(id), undefined, () => undefined);
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
    return this.#call("rotate", ENDPOINTS.rotate.path(id), undefined, (json, req, status) =>
      this.#tokenWithValue(json, req, status),
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
    return this.#call("list", `${ENDPOINTS.list.path()}${query}`, undefined, (json, req, status) =>
      this.#page(json, req, status, page),
    );
  }

  /** One page's answer read item by item: the tokens, the items that do not fit, and `next`. */
  #page(json: unknown, req: RequestDescription, status: number, page: number): TokenPage {
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
          this.#describe("list", ENDPOINTS.list.path(), 1),
          200,
          "a pagination cursor it had already returned (the listing would never end)",
        );
      }
      seen.add(next);
      cursor = next;
    }
    throw new PantherResponseError(
      this.#describe("list", ENDPOINTS.list.path(), 1),
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

  #describe(operation: Operation, path: string, attempts: number): RequestDescription {
    return {
      operation,
      method: ENDPOINTS[operation].method,
      // An id in the path is the caller's: redacted in case a key was passed as one.
      path: redact(this.#base.basePath + path.replace(/\?.*$/, ""), this.#secrets()),
      origin: this.#base.origin,
      attempts,
    };
  }

  async #call<T>(
    operation: Operation,
    path: string,
    body: unknown,
    parse: (json: unknown, request: RequestDescription, status: number) => T,
  ): Promise<T> {
    const endpoint = ENDPOINTS[operation];
    const started = this.#clock.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let resentWithNewKey = false;
    // `attempt` counts against the retry policy; `sent` counts requests, a re-send for a new key included.
    for (let attempt = 1, sent = 1; ; sent++) {
      const outcome = await send(this.#target, this.#apiKey, endpoint.method, path, payload);
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
      const request = this.#describe(operation, path, sent);
      const retryReason = retryReasonOf(endpoint, outcome);
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
      return settle(endpoint, outcome, request, parse, this.#secrets(), this.#clock.now());
    }
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
}

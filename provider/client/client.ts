/**
 * Panther's REST API for API tokens, over undici, schema first.
 *
 *   create  POST   /api-tokens              (not retried unless it provably never left)
 *   list    GET    /api-tokens?cursor=…     (follows `next` to the last page)
 *   get     GET    /api-tokens/{id}
 *   update  POST   /api-tokens/{id}         (full replace)
 *   delete  DELETE /api-tokens/{id}
 *   rotate  POST   /api-tokens/{id}/rotate  (the previous value stops working at once)
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
  redact,
  type RequestDescription,
} from "./errors";
import { DEFAULT_TIMEOUTS, poolFor, type Timeouts } from "./pool";
import {
  DEFAULT_RETRY_POLICY,
  NOT_SENT_NETWORK_CODES,
  RETRYABLE_NETWORK_CODES,
  RETRYABLE_STATUSES,
  backoffDelay,
  parseRetryAfter,
  type RetryPolicy,
} from "./retry";
import {
  ApiTokenSchema,
  ApiTokenWithValueSchema,
  ErrorBodySchema,
  ListPageSchema,
  type ApiToken,
  type ApiTokenWithValue,
  type ModifyApiToken,
} from "./schemas";
import { parseBaseUrl, type PantherBaseUrl } from "./url";
import { USER_AGENT } from "./version";

/** The six operations of the api-tokens API. */
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
   * without `/public/graphql`. HTTPS, except for loopback hosts.
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
}

type Outcome =
  | {
      readonly kind: "response";
      readonly status: number;
      readonly headers: Dispatcher.ResponseData["headers"];
      readonly text: string;
    }
  | { readonly kind: "network"; readonly code: string | undefined; readonly message: string };

const MAX_LIST_PAGES = 10_000;

/**
 * A client for Panther's `/api-tokens` REST API.
 *
 * Requests go through one keep-alive pool per origin shared by all clients
 * of the process. Redirects are never followed. Operations that are safe to
 * repeat (get, list, update, delete, rotate) are retried on 429, 502, 503,
 * 504 and network errors with bounded exponential backoff; create is retried
 * only when the request provably never reached Panther (connection refused,
 * or 429). Errors never contain the API key or a token value.
 *
 * @example
 * ```ts
 * const client = new PantherClient({ url: process.env.PANTHER_API_URL!, apiKey: process.env.PANTHER_API_TOKEN! });
 * const me = await client.getToken("self");
 * ```
 */
export class PantherClient {
  readonly #apiKey: string;
  readonly #base: PantherBaseUrl;
  readonly #timeouts: Timeouts;
  readonly #retry: RetryPolicy;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #random: () => number;

  constructor(options: PantherClientOptions) {
    if (typeof options.apiKey !== "string" || options.apiKey.trim() === "") {
      throw new PantherConfigError("The Panther API key is empty.");
    }
    this.#apiKey = options.apiKey.trim();
    this.#base = parseBaseUrl(options.url);
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#onRetry = options.onRetry;
    this.#random = options.random ?? Math.random;
  }

  /** The origin requests go to, e.g. `https://api.acme.runpanther.net`. */
  get origin(): string {
    return this.#base.origin;
  }

  /**
   * Creates a token. The answer carries its secret `value`, which Panther
   * never returns again. Sent once: if the answer is lost, the token may
   * exist; the caller must reconcile (see the resource provider).
   */
  async createToken(body: ModifyApiToken): Promise<ApiTokenWithValue> {
    return this.#call("create", "POST", "/api-tokens", body, (json, req, status) =>
      parseWith(ApiTokenWithValueSchema, json, req, status),
    );
  }

  /** Fetches one token (never with its value). `id` may be `self`. */
  async getToken(id: string): Promise<ApiToken> {
    return this.#call("get", "GET", `/api-tokens/${encodeId(id)}`, undefined, (json, req, status) =>
      parseWith(ApiTokenSchema, json, req, status),
    );
  }

  /** Replaces a token's name, permissions and allowed CIDR blocks. `id` may be `self`. */
  async updateToken(id: string, body: ModifyApiToken): Promise<ApiToken> {
    return this.#call("update", "POST", `/api-tokens/${encodeId(id)}`, body, (json, req, status) =>
      parseWith(ApiTokenSchema, json, req, status),
    );
  }

  /** Deletes a token. A 404 is reported as `PANTHER_NOT_FOUND`; callers decide if that is success. */
  async deleteToken(id: string): Promise<void> {
    await this.#call("delete", "DELETE", `/api-tokens/${encodeId(id)}`, undefined, () => undefined);
  }

  /**
   * Rotates a token: Panther issues a new value and the previous one stops
   * working immediately. Retried when the answer is lost, which rotates
   * again: the value returned is always the one that works.
   */
  async rotateToken(id: string): Promise<ApiTokenWithValue> {
    return this.#call(
      "rotate",
      "POST",
      `/api-tokens/${encodeId(id)}/rotate`,
      undefined,
      (json, req, status) => parseWith(ApiTokenWithValueSchema, json, req, status),
    );
  }

  /** One page of tokens; pass the previous page's `next` as `cursor`. */
  async listTokenPage(cursor?: string): Promise<{ results: ApiToken[]; next: string | undefined }> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    return this.#call("list", "GET", `/api-tokens${query}`, undefined, (json, req, status) => {
      const page = parseWith(ListPageSchema, json, req, status);
      return { results: page.results, next: page.next ? page.next : undefined };
    });
  }

  /** Every token, following `next` until the last page. */
  async listTokens(): Promise<ApiToken[]> {
    const all: ApiToken[] = [];
    for await (const page of this.listTokenPages()) all.push(...page);
    return all;
  }

  /** Pages of tokens, following `next` until the last page. */
  async *listTokenPages(): AsyncGenerator<ApiToken[], void, undefined> {
    let cursor: string | undefined;
    const seen = new Set<string>();
    for (let pages = 0; pages < MAX_LIST_PAGES; pages++) {
      const page = await this.listTokenPage(cursor);
      yield page.results;
      if (page.next === undefined) return;
      if (seen.has(page.next)) {
        throw new PantherResponseError(
          this.#describe("list", "GET", "/api-tokens", 1),
          200,
          "a pagination cursor it had already returned (the listing would never end)",
        );
      }
      seen.add(page.next);
      cursor = page.next;
    }
    throw new PantherResponseError(
      this.#describe("list", "GET", "/api-tokens", 1),
      200,
      `more than ${MAX_LIST_PAGES} pages of tokens (the listing would not end in reasonable time)`,
    );
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
      path: this.#base.basePath + path.replace(/\?.*$/, ""),
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
    const started = Date.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#send(method, path, payload);
      const request = this.#describe(operation, method, path, attempt);
      const retryReason = retryReasonOf(operation, outcome);
      if (retryReason !== undefined && attempt < this.#retry.maxAttempts) {
        const retryAfter =
          outcome.kind === "response"
            ? parseRetryAfter(headerOf(outcome.headers, "retry-after"))
            : undefined;
        const delayMs = backoffDelay(this.#retry, attempt, retryAfter, this.#random);
        if (Date.now() - started + delayMs <= this.#retry.maxElapsedMs) {
          this.#onRetry?.({ operation, attempt, delayMs, reason: retryReason });
          await sleep(delayMs);
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
    const secrets = [this.#apiKey];
    if (outcome.kind === "network") {
      const timeout = outcome.code !== undefined && /TIMEOUT/.test(outcome.code);
      throw new PantherNetworkError(
        request,
        timeout,
        outcome.code,
        redact(outcome.message, secrets),
      );
    }
    const { status, headers, text } = outcome;
    if (status >= 300 && status < 400) {
      throw new PantherRedirectError(request, status, originOf(headerOf(headers, "location")));
    }
    if (status >= 400) {
      const said = pantherMessageOf(text);
      throw new PantherApiError(
        request,
        status,
        said === undefined ? undefined : redact(said, secrets),
        parseRetryAfter(headerOf(headers, "retry-after")),
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
      const type = headerOf(headers, "content-type") ?? "no content-type";
      throw new PantherResponseError(
        request,
        status,
        `a body that is not valid JSON (${type}, ${Buffer.byteLength(text)} bytes; truncated or not from the API)`,
      );
    }
    return parse(json, request, status);
  }

  async #send(
    method: "GET" | "POST" | "DELETE",
    path: string,
    payload: string | undefined,
  ): Promise<Outcome> {
    const headers: Record<string, string> = {
      "x-api-key": this.#apiKey,
      "user-agent": USER_AGENT,
      accept: "application/json",
    };
    if (payload !== undefined) headers["content-type"] = "application/json";
    try {
      const response = await poolFor(this.#base.origin, this.#timeouts).request({
        method,
        path: this.#base.basePath + path,
        headers,
        body: payload ?? null,
      });
      const text = await response.body.text();
      return { kind: "response", status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      return { kind: "network", code: networkCodeOf(error), message: networkMessageOf(error) };
    }
  }
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

/** Why `outcome` is worth another attempt of `operation`, or undefined. */
function retryReasonOf(operation: Operation, outcome: Outcome): string | undefined {
  if (outcome.kind === "network") {
    const code = outcome.code ?? "";
    const codes = operation === "create" ? NOT_SENT_NETWORK_CODES : RETRYABLE_NETWORK_CODES;
    return codes.has(code) ? code : undefined;
  }
  // A 429 is refused before it is processed; anything else may have created a token.
  if (operation === "create") return outcome.status === 429 ? "429" : undefined;
  return RETRYABLE_STATUSES.has(outcome.status) ? String(outcome.status) : undefined;
}

function pantherMessageOf(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ErrorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const said = parsed.data.message ?? parsed.data.error;
  return said === undefined || said === "" ? undefined : said.slice(0, 500);
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

function networkMessageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 300);
}

function parseWith<S extends z.ZodType>(
  schema: S,
  json: unknown,
  request: RequestDescription,
  status: number,
): z.infer<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
  throw new PantherResponseError(request, status, `a body of the wrong shape (${problems})`);
}

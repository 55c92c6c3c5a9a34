/**
 * The one place the REST client is loaded: on first network use, so that
 * programs and provider calls that make none (check, diff, programs without
 * lookups) never load undici or zod. Used by the provider's session and by
 * the program-side lookups.
 */
import type { PantherClient, PantherClientOptions, RetryEvent } from "./client/client";
import type { Clock } from "./client/clock";

/** The client calls the provider makes. */
export type TokenApi = Pick<
  PantherClient,
  | "createToken"
  | "getToken"
  | "updateToken"
  | "deleteToken"
  | "rotateToken"
  | "listTokens"
  | "replaceApiKey"
  | "pantherClock"
>;

/** How to build a client: the provider's default requires the real one lazily. */
export interface ClientOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly requestTimeoutMs: number | undefined;
  /** Attempts for operations that are safe to repeat; 1 for probes. */
  readonly maxAttempts?: number;
  readonly onRetry?: (event: RetryEvent) => void;
  readonly clock?: Clock;
}

/** What the provider's clients are built with, for `options`. */
export function clientOptions(options: ClientOptions): PantherClientOptions {
  const timeouts =
    options.requestTimeoutMs === undefined
      ? {}
      : { headersMs: options.requestTimeoutMs, bodyMs: options.requestTimeoutMs };
  return {
    url: options.url,
    apiKey: options.apiKey,
    timeouts,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.maxAttempts === undefined ? {} : { retry: { maxAttempts: options.maxAttempts } }),
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  };
}

/** The real client, required on first use (undici and zod load only then). */
export function connectPanther(options: ClientOptions): TokenApi {
  const { PantherClient: Client } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("./client/client") as typeof import("./client/client");
  return new Client(clientOptions(options));
}

/**
 * What one provider host process knows about its Panther: the settings read
 * in `configure`, the client (built on first network use, so `check` and
 * `diff` load neither undici nor zod), the deployer's own token (looked up
 * once, only when an operation needs it), and Panther's clock as learned
 * from its answers.
 */
import type { ApiToken } from "../client/types";
import { parseBaseUrl } from "../client/url";
import { readSettings, type ConfigGetter, type PantherSettings } from "../config";
import type { ClientOptions, TokenApi } from "../connect";
import type { Clock } from "./clock";
import type { Progress } from "./progress";

/** What the provider depends on; the defaults are the real ones, tests pass their own. */
export interface ProviderDeps {
  readonly connect: (options: ClientOptions) => TokenApi;
  readonly clock: Clock;
  readonly progress: Progress;
  readonly env: NodeJS.ProcessEnv;
}

/** Panther's time as an interval (ms since the epoch). */
export interface PantherTime {
  readonly earliest: number;
  readonly latest: number;
}

export class Session {
  readonly #config: ConfigGetter;
  readonly #deps: ProviderDeps;
  #settings: PantherSettings | undefined;
  #client: TokenApi | undefined;
  #deployer: Promise<ApiToken> | undefined;
  /** When this provider process started serving (this machine's clock): the start of the run. */
  readonly startedAt: number;

  constructor(config: ConfigGetter, deps: ProviderDeps) {
    this.#config = config;
    this.#deps = deps;
    this.startedAt = deps.clock.now();
  }

  /** The settings; a config error when something is missing (first network use only). */
  settings(): PantherSettings {
    this.#settings ??= readSettings(this.#config, this.#deps.env);
    return this.#settings;
  }

  /** The client for the configured Panther and key. */
  client(): TokenApi {
    if (this.#client === undefined) {
      const settings = this.settings();
      this.#client = this.#deps.connect({
        url: settings.url,
        apiKey: settings.token,
        requestTimeoutMs: settings.requestTimeoutMs,
        clock: this.#deps.clock,
        onRetry: (event) => {
          this.progress(
            `${event.operation} attempt ${event.attempt} failed (${event.reason}); retrying in ${event.delayMs} ms`,
          );
        },
      });
    }
    return this.#client;
  }

  /** A client authenticating with a value just issued, without retries: to probe it. */
  probeClient(apiKey: string, requestTimeoutMs: number): TokenApi {
    const settings = this.settings();
    return this.#deps.connect({
      url: settings.url,
      apiKey,
      requestTimeoutMs,
      maxAttempts: 1,
      clock: this.#deps.clock,
    });
  }

  /** Origin and base path of the configured API, e.g. `https://api.acme.runpanther.net/v1`. */
  apiOrigin(): string {
    const base = parseBaseUrl(this.settings().url);
    return `${base.origin}${base.basePath}`;
  }

  /**
   * The deployer's own token (`GET /api-tokens/self`), looked up once per
   * process. Its answer also proves that this key reaches a real Panther API
   * at the configured URL. A failed lookup is not cached.
   */
  deployer(): Promise<ApiToken> {
    if (this.#deployer === undefined) {
      const lookup = this.client().getToken("self");
      this.#deployer = lookup;
      lookup.catch(() => {
        if (this.#deployer === lookup) this.#deployer = undefined;
      });
    }
    return this.#deployer;
  }

  /** Called after the deployer's own token was rotated: later calls use `newKey`. */
  deployerKeyReplaced(newKey: string): void {
    this.client().replaceApiKey(newKey);
  }

  /** This machine's time. */
  now(): number {
    return this.#deps.clock.now();
  }

  sleep(ms: number): Promise<void> {
    return this.#deps.clock.sleep(ms);
  }

  /** Panther's time at local time `local`, from the offset its answers showed; ours ±15 min when unknown. */
  pantherTime(local: number): PantherTime {
    const offset = this.client().pantherClock.offset();
    if (offset === undefined) return { earliest: local - MAX_SKEW_MS, latest: local + MAX_SKEW_MS };
    return { earliest: local + offset.low, latest: local + offset.high };
  }

  progress(line: string): void {
    this.#deps.progress(line);
  }
}

/** Largest clock difference assumed between this machine and Panther before any answer told. */
export const MAX_SKEW_MS = 15 * 60_000;

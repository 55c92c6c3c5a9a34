/**
 * What one provider host process knows about its Panther: the settings read
 * in `configure`, the client (built on first network use, so `check` and
 * `diff` load neither undici nor zod), the deployer's own token (looked up
 * once, only when an operation needs it), and Panther's clock as learned
 * from its answers.
 *
 * One process serves every token of a run, concurrently. Rotating the
 * deployer's own token kills the key every other call uses, so it runs
 * {@link Session.exclusively}: calls in flight finish first, calls started
 * meanwhile wait until the new key authenticates.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ApiToken } from "../client/types";
import { parseBaseUrl } from "../client/url";
import { readSettings, type ConfigGetter, type PantherSettings } from "../config";
import type { ClientOptions, TokenApi } from "../connect";
import type { Clock } from "../client/clock";
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
  #origin: string | undefined;
  #raw: TokenApi | undefined;
  #client: TokenApi | undefined;
  #deployer: Promise<ApiToken> | undefined;
  /** Calls of the shared client in flight. */
  #inFlight = 0;
  /** Set while a call runs exclusively; later calls wait for it. */
  #gate: Promise<void> | undefined;
  /** Resolves the exclusive call's wait once the calls in flight are done. */
  #drained: (() => void) | undefined;
  /** Marks the calls made by the exclusive work itself, which the gate lets through. */
  readonly #holder = new AsyncLocalStorage<true>();

  constructor(config: ConfigGetter, deps: ProviderDeps) {
    this.#config = config;
    this.#deps = deps;
  }

  /** The settings; a config error when something is missing (first network use only). */
  settings(): PantherSettings {
    this.#settings ??= readSettings(this.#config, this.#deps.env);
    return this.#settings;
  }

  /**
   * The client for the configured Panther and key. Its calls wait while
   * another runs {@link exclusively}.
   */
  client(): TokenApi {
    this.#client ??= this.#gated(this.#rawClient());
    return this.#client;
  }

  #rawClient(): TokenApi {
    if (this.#raw === undefined) {
      const settings = this.settings();
      this.#raw = this.#deps.connect({
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
    return this.#raw;
  }

  /** `raw` with every call counted and held back while a call runs exclusively. */
  #gated(raw: TokenApi): TokenApi {
    const call =
      <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (this.#holder.getStore() === true) return method.apply(raw, args);
        while (this.#gate !== undefined) await this.#gate;
        this.#inFlight++;
        try {
          return await method.apply(raw, args);
        } finally {
          this.#inFlight--;
          if (this.#inFlight === 0) this.#drained?.();
        }
      };
    return {
      createToken: call(raw.createToken),
      getToken: call(raw.getToken),
      updateToken: call(raw.updateToken),
      deleteToken: call(raw.deleteToken),
      rotateToken: call(raw.rotateToken),
      listTokens: call(raw.listTokens),
      replaceApiKey: (key) => {
        raw.replaceApiKey(key);
      },
      get pantherClock() {
        return raw.pantherClock;
      },
    };
  }

  /**
   * Runs `work` with the client to itself: calls in flight finish first, and
   * calls started elsewhere meanwhile wait until `work` is done (for rotating
   * the deployer's own token, whose old key dies at once). The calls `work`
   * makes itself, through {@link client}, go through.
   */
  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    while (this.#gate !== undefined) await this.#gate;
    let release: () => void = () => undefined;
    this.#gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      if (this.#inFlight > 0) {
        await new Promise<void>((resolve) => {
          this.#drained = resolve;
        });
      }
      this.#drained = undefined;
      return await this.#holder.run(true, work);
    } finally {
      this.#gate = undefined;
      release();
    }
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
    if (this.#origin === undefined) {
      const base = parseBaseUrl(this.settings().url);
      this.#origin = `${base.origin}${base.basePath}`;
    }
    return this.#origin;
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

  /** Whether `id` names the deployer's own token (Panther's ids compare without case). */
  async isDeployer(id: string): Promise<boolean> {
    return sameId(id, (await this.deployer()).id);
  }

  /** This machine's time. */
  now(): number {
    return this.#deps.clock.now();
  }

  sleep(ms: number): Promise<void> {
    return this.#deps.clock.sleep(ms);
  }

  /**
   * Panther's time at local time `local`, from the `Date` headers of its
   * answers; ours ±15 min when unknown. Only for a stamp Panther's answer
   * left out; nothing of ownership or safety is decided on it.
   */
  pantherTime(local: number): PantherTime {
    return (
      this.client().pantherClock.toPanther(local) ?? {
        earliest: local - MAX_SKEW_MS,
        latest: local + MAX_SKEW_MS,
      }
    );
  }

  progress(line: string): void {
    this.#deps.progress(line);
  }
}

/** Largest clock difference assumed between this machine and Panther before any answer told. */
export const MAX_SKEW_MS = 15 * 60_000;

/** Whether two Panther token ids name the same token (Panther matches ids without regard to case). */
export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * An in-process world for fault-sequence tests: the emulator's Panther
 * behaviour (its HTTP-free core) on a virtual clock, reached by the real
 * client through a transport that injects faults the way gateways do. The
 * faults are the emulator's own (`FaultAction`: `status`, `reset`, `delay`,
 * `dropAfterApply`, `rawBody`, `lateLanding`), matched by the emulator's own
 * `FaultTable` against the operation and token the core routes a request to,
 * and a fault that answers in Panther's place answers what the server sends
 * (`EmulatorCore.faultAnswer`). Only their acting out differs, on this virtual
 * clock instead of sockets and timers: the same answer, reset or silence,
 * applied at the same moment. Long waits cost no wall time: the clock jumps
 * to the next timer whenever everything is waiting.
 *
 * Why not the real CLI: these tests run thousands of sequences with faults
 * placed inside single operations at exact virtual times; the real-engine
 * suite (test/e2e) covers what the engine does around them.
 *
 * Used by the fault sequences (test/faults) and the lifecycle tests
 * (test/dynamic-provider), with the in-process engine (inprocess-engine.ts).
 * Not to be confused with the echo fixture's "world file" (test/harness/echo.ts).
 */
import {
  FaultTable,
  createEmulatorCore,
  type ApiOperation,
  type EmulatorCore,
  type EmulatorCoreOptions,
  type FaultAction,
} from "pulumi-panther-emulator";
import { PantherClient } from "../../provider/client/client";
import type { ClientOptions } from "../../provider/connect";
import type { StackDeps } from "./inprocess-engine";

/** A timer-driven clock that only moves when told (or when everything waits). */
export class VirtualClock {
  #now: number;
  #timers: { at: number; seq: number; fire: () => void }[] = [];
  #seq = 0;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.at(this.#now + Math.max(0, ms), resolve);
    });
  }

  /** Runs `fire` when the clock reaches `at`. */
  at(at: number, fire: () => void): void {
    this.#timers.push({ at, seq: this.#seq++, fire });
    this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Moves the clock forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (;;) {
      await flush();
      const next = this.#timers[0];
      if (next === undefined || next.at > until) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fire();
    }
    this.#now = until;
    await flush();
  }

  /**
   * Settles `promise`, jumping the clock to the next timer whenever nothing
   * else can run. Fails when the promise waits on nothing (a deadlock).
   */
  async run<T>(promise: Promise<T>, limitMs = 24 * 60 * 60 * 1000): Promise<T> {
    const done = { settled: false };
    const watched = promise.finally(() => {
      done.settled = true;
    });
    watched.catch(() => undefined);
    const deadline = this.#now + limitMs;
    for (;;) {
      await flush();
      if (done.settled) return watched;
      const next = this.#timers[0];
      if (next === undefined) throw new Error("virtual clock: the operation waits on nothing");
      if (next.at > deadline) throw new Error("virtual clock: the operation did not end in time");
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fire();
    }
  }

  /** Timers still pending (late landings, mostly). */
  pending(): number {
    return this.#timers.length;
  }
}

/** Lets every queued promise callback run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A fault for the next request of `operation` sent by a given stack: one of the emulator's
 * actions (`FaultAction`), applied once.
 */
export type Fault = { readonly operation: ApiOperation } & FaultAction;

/** What the fault sequences call an answer that cannot be read: a 200 cut short, applied. */
export const UNREADABLE_200 = '{"id": "tok-';

/** The request timeout the worlds' clients run with (the provider's default). */
export const REQUEST_TIMEOUT_MS = 30_000;

interface DispatchOptions {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | null;
}

function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A request a stack sent that changes a token (for "never touch another's token"). */
export interface Mutation {
  readonly stack: string;
  /** The provider process that sent it. */
  readonly process: object;
  readonly operation: "update" | "rotate" | "delete";
  readonly tokenId: string;
}

/** Everything a sequence acts on. */
export class World {
  readonly clock: VirtualClock;
  readonly core: EmulatorCore;
  /** Faults waiting for their request, per stack: the emulator's table, one per stack. */
  readonly #faults = new Map<string, FaultTable>();
  /** Every token value any answer carried: none may appear anywhere but a `value` output. */
  readonly issuedValues = new Set<string>();
  /** Requests per stack and operation, for call-count checks. */
  readonly calls = new Map<string, Map<string, number>>();
  /** Faults that fired. */
  faultsInjected = 0;
  /** Which stack's request made each token (whatever became of the answer), and in which process. */
  readonly creators = new Map<string, { stack: string; process: object }>();
  /** Every update, rotate and delete a stack sent, in order. */
  readonly mutations: Mutation[] = [];
  /** Requests whose landing is still to come (a 504 or a timeout that lands late), per token id. */
  readonly pendingLandings = new Map<string, number>();
  /** Armed interruptions per stack: requests left before the kill. */
  readonly #interrupts = new Map<string, { left: number; applyLast: boolean; fire: () => void }>();
  /** Provider processes that were killed: their requests never get an answer. */
  readonly deadProcesses = new Set<object>();

  constructor(options: EmulatorCoreOptions = {}, start = Date.parse("2026-12-01T00:00:00Z")) {
    this.clock = new VirtualClock(start);
    this.core = createEmulatorCore({ ...options, now: () => this.clock.now() });
  }

  /**
   * Kills stack `stack`'s next provider process after `calls` more requests:
   * the one after them is never answered (applied first when `applyLast`),
   * nor is any later one of that process. Resolves at the kill.
   */
  interruptAfter(stack: string, calls: number, applyLast: boolean): Promise<void> {
    return new Promise((resolve) => {
      this.#interrupts.set(stack, { left: calls, applyLast, fire: resolve });
    });
  }

  /** Drops an interruption that found no request to kill. */
  disarm(stack: string): void {
    this.#interrupts.delete(stack);
  }

  /** What the in-process engine's stacks run on here: real clients over this world's transport. */
  deps(): StackDeps {
    return {
      clock: this.clock,
      connect: (stack: string, options: ClientOptions, process: object) =>
        new PantherClient({
          url: options.url,
          apiKey: options.apiKey,
          timeouts: { headersMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS },
          clock: options.clock ?? this.clock,
          dispatcher: this.transport(stack, process) as never,
          random: () => 0.5,
          ...(options.maxAttempts === undefined
            ? {}
            : { retry: { maxAttempts: options.maxAttempts } }),
        }),
    };
  }

  /** Sets how far Panther's clock is ahead of ours (negative: behind). */
  setSkew(ms: number): void {
    this.core.control.setClock({ offsetMs: ms });
  }

  /** Queues faults for stack `stack`'s next matching requests (validated as the emulator does). */
  inject(stack: string, faults: readonly Fault[]): void {
    const table = this.#faults.get(stack) ?? new FaultTable();
    for (const fault of faults) table.add(fault);
    this.#faults.set(stack, table);
  }

  /** Drops faults that found no request. */
  clearFaults(stack: string): void {
    this.#faults.delete(stack);
  }

  #count(stack: string, operation: string): void {
    const map = this.calls.get(stack) ?? new Map<string, number>();
    map.set(operation, (map.get(operation) ?? 0) + 1);
    this.calls.set(stack, map);
  }

  /** Calls of `stack` since the last reset, by operation. */
  takeCalls(stack: string): Record<string, number> {
    const map = this.calls.get(stack) ?? new Map<string, number>();
    this.calls.delete(stack);
    return Object.fromEntries(map);
  }

  #apply(
    options: DispatchOptions,
    operation: string,
    stack: string,
    process: object,
  ): {
    status: number;
    headers: Record<string, string>;
    body: string;
  } {
    const answer = this.core.handle({
      method: options.method,
      path: options.path,
      headers: options.headers,
      body: options.body ?? "",
    });
    this.#remember(answer.body, operation, stack, process);
    return answer;
  }

  #remember(body: string, operation: string, stack: string, process: object): void {
    if (!body.includes('"value"')) return;
    try {
      const parsed = JSON.parse(body) as { value?: unknown; id?: unknown };
      if (typeof parsed.value === "string") this.issuedValues.add(parsed.value);
      if (operation === "create" && typeof parsed.id === "string") {
        this.creators.set(parsed.id, { stack, process });
      }
    } catch {
      // Not JSON: nothing issued.
    }
  }

  /** The token id a request's path names (`self` left as is), for the mutation log. */
  #tokenIdOf(path: string): string | undefined {
    return /\/api-tokens\/([^/?]+)/.exec(path)?.[1];
  }

  /** A transport (an undici `Dispatcher` as far as the client uses one) for one process of stack `stack`. */
  transport(
    stack: string,
    process: object = {},
  ): { request(options: DispatchOptions): Promise<unknown> } {
    const never = () => new Promise<never>(() => undefined);
    return {
      request: async (options: DispatchOptions) => {
        if (this.deadProcesses.has(process)) return never();
        const { operation, tokenId: target } = this.core.classify(
          options.method,
          options.path,
          options.headers["x-api-key"],
        );
        const apply = () => this.#apply(options, operation, stack, process);
        const interrupt = this.#interrupts.get(stack);
        const killed = interrupt !== undefined && interrupt.left-- <= 0;
        if (
          (!killed || interrupt.applyLast) &&
          (operation === "update" || operation === "rotate" || operation === "delete")
        ) {
          const tokenId = this.#tokenIdOf(options.path);
          if (tokenId !== undefined) this.mutations.push({ stack, process, operation, tokenId });
        }
        if (killed) {
          this.#interrupts.delete(stack);
          this.deadProcesses.add(process);
          if (interrupt.applyLast) apply();
          interrupt.fire();
          return never();
        }
        this.#count(stack, operation);
        const fault =
          operation === "other" ? undefined : this.#faults.get(stack)?.take(operation, target);
        const answer = (a: { status: number; headers: Record<string, string>; body: string }) => ({
          statusCode: a.status,
          headers: a.headers,
          body: { text: () => Promise.resolve(a.body) },
        });
        if (fault === undefined) return answer(apply());
        this.faultsInjected++;
        /** No answer: the client gives up at its timeout (the request may land meanwhile). */
        const silence = async (): Promise<never> => {
          await this.clock.sleep(REQUEST_TIMEOUT_MS);
          throw networkError("UND_ERR_HEADERS_TIMEOUT", "Headers Timeout Error");
        };
        switch (fault.kind) {
          case "status":
            return answer(this.core.faultAnswer(fault));
          case "reset":
            throw networkError("ECONNRESET", "read ECONNRESET");
          case "delay":
            if (fault.ms < REQUEST_TIMEOUT_MS) {
              await this.clock.sleep(fault.ms);
              return answer(apply());
            }
            // The client gives up first; the change is applied all the same, as by a server.
            this.clock.at(this.clock.now() + fault.ms, () => apply());
            return silence();
          case "dropAfterApply":
            apply();
            throw networkError("UND_ERR_SOCKET", "other side closed");
          case "rawBody": {
            const real = apply();
            return answer({
              status: fault.status,
              headers: { ...real.headers, "content-type": fault.contentType ?? "application/json" },
              body: fault.body,
            });
          }
          case "lateLanding": {
            const land = this.clock.now() + fault.applyAfterMs;
            const key = this.#tokenIdOf(options.path) ?? "(create)";
            this.pendingLandings.set(key, (this.pendingLandings.get(key) ?? 0) + 1);
            const landed = new Promise<void>((resolve) => {
              this.clock.at(land, () => {
                this.pendingLandings.set(key, (this.pendingLandings.get(key) ?? 1) - 1);
                if (this.pendingLandings.get(key) === 0) this.pendingLandings.delete(key);
                apply();
                resolve();
              });
            });
            switch (fault.answer ?? "status") {
              case "status":
                return answer(this.core.faultAnswer(fault));
              case "reset":
                throw networkError("ECONNRESET", "read ECONNRESET");
              case "hang":
                // The emulator destroys a hung connection when its request lands.
                return Promise.race([
                  silence(),
                  landed.then(() => {
                    throw networkError("UND_ERR_SOCKET", "other side closed");
                  }),
                ]);
            }
          }
        }
      },
    };
  }
}

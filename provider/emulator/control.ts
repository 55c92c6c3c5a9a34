/**
 * The control API: what a test (or the demo, over HTTP) uses to look into
 * and steer a running emulator. Token operations here simulate actions in
 * the Panther Console: they bypass HTTP, authentication and faults, and are
 * not counted as requests.
 */
import { EmulatorError } from "./errors";
import type { EmulatorCounters } from "./counters";
import type { Fault } from "./faults";
import { RandomFailures, validateRandomFailures, type RandomFailureConfig } from "./randomFailures";
import { TokenBucket, validateRateLimit, type RateLimitConfig } from "./rateLimit";
import type { RecordedRequest } from "./requestLog";
import type { EmulatorState } from "./state";
import type { EmulatorActor, EmulatorToken } from "./token";
import {
  validateCidrBlocks,
  validateName,
  validatePermissions,
  type Validation,
  type ValidTokenInput,
} from "./validation";

/** A token to create as if in the Panther Console. */
export interface ConsoleTokenInput {
  /** Display name (required, non-blank, at most `NAME_MAX_LENGTH` characters). */
  name: string;
  /** Permission names; must be known (or in `extraPermissions`). May be empty. */
  permissions: readonly string[];
  /** Allowed CIDR blocks; omitted or empty means any address. */
  allowedCIDRBlocks?: readonly string[];
}

/** Changes to a token as if edited in the Panther Console: omitted fields stay as they are. */
export interface ConsoleTokenChanges {
  /** New name. */
  name?: string;
  /** New permission list (replaces the old one). */
  permissions?: readonly string[];
  /** New allow-list (replaces the old one; `[]` allows any address). */
  allowedCIDRBlocks?: readonly string[];
}

/**
 * Steers a running emulator. Available in-process as `Emulator.control`, and
 * over HTTP under `<url>/_emulator` (see `controlHttp`).
 *
 * Methods that take input throw {@link EmulatorError} with code
 * `EMULATOR_INVALID_INPUT` for bad input and `EMULATOR_NOT_FOUND` for an
 * unknown token id.
 */
export interface EmulatorControl {
  /** Counts since start or the last {@link resetCounters}. */
  counters(): EmulatorCounters;
  /** Sets every counter, connections included, back to 0. */
  resetCounters(): void;
  /**
   * Adds a fault for the next matching API requests and returns its id.
   * See `Fault` for matching and the actions.
   */
  addFault(fault: Fault): string;
  /** Removes one fault before it is used up; returns whether it was still pending. */
  removeFault(id: string): boolean;
  /** Ids of the faults not used up yet, in the order they were added. */
  pendingFaults(): string[];
  /** Removes every pending fault. */
  clearFaults(): void;
  /** Turns the token-bucket rate limit on (a fresh, full bucket) or off (`null`). */
  setRateLimit(config: RateLimitConfig | null): void;
  /** Turns seeded random failures on (the generator restarts from the seed) or off (`null`). */
  setRandomFailures(config: RandomFailureConfig | null): void;
  /**
   * Creates a token as a Console user would (`createdBy` is
   * `{"id": "user", "type": "emulator-console"}`). The value is subject to the
   * propagation delay like any new value.
   */
  createToken(input: ConsoleTokenInput): { token: EmulatorToken; value: string };
  /** Rotates a token as a Console user would; returns the new value. The old value stops working at once. */
  rotateToken(id: string): string;
  /** Changes a token as a Console user would and returns it. */
  updateToken(id: string, changes: ConsoleTokenChanges): EmulatorToken;
  /** Deletes a token as a Console user would; its value stops working. */
  deleteToken(id: string): void;
  /** The token with this id (never with its value), or `undefined`. */
  getToken(id: string): EmulatorToken | undefined;
  /** Every token in creation order, the admin token included. */
  listTokens(): EmulatorToken[];
  /**
   * Id of the token `value` currently belongs to, ignoring the propagation
   * delay and CIDR limits; `undefined` if it belongs to none (never issued,
   * rotated away, deleted). Does not touch `lastUsedAt`.
   */
  authenticate(value: string): string | undefined;
  /** Changes the largest list page (integer ≥ 1) for later list calls. */
  setPageSize(pageSize: number): void;
  /** Changes the propagation delay (ms ≥ 0) for values issued from now on. */
  setPropagationDelay(ms: number): void;
  /** The last API requests (up to `RECENT_REQUESTS_LIMIT`), oldest first, headers unredacted. */
  recentRequests(): RecordedRequest[];
  /** Forgets the recorded requests. */
  clearRecentRequests(): void;
}

const CONSOLE_ACTOR: EmulatorActor = { id: "user", type: "emulator-console" };

function unwrap<T>(result: Validation<T>): T {
  if (!result.ok) throw new EmulatorError("EMULATOR_INVALID_INPUT", result.message);
  return result.value;
}

function notFound(id: string): EmulatorError {
  return new EmulatorError("EMULATOR_NOT_FOUND", `api token ${JSON.stringify(id)} not found`);
}

function toInput(
  state: EmulatorState,
  name: unknown,
  permissions: unknown,
  allowedCIDRBlocks: unknown,
): ValidTokenInput {
  const blocks = unwrap(validateCidrBlocks(allowedCIDRBlocks));
  return {
    name: unwrap(validateName(name)),
    permissions: unwrap(validatePermissions(permissions, state.allowedPermissions)),
    allowedCIDRBlocks: blocks.texts,
    cidrBlocks: blocks.parsed,
  };
}

/** Builds the control object over an emulator's state. */
export function createControl(state: EmulatorState): EmulatorControl {
  return {
    counters: () => state.counters.snapshot(),
    resetCounters: () => {
      state.counters.reset();
    },
    addFault: (fault) => state.faults.add(fault),
    removeFault: (id) => state.faults.remove(id),
    pendingFaults: () => state.faults.pendingIds(),
    clearFaults: () => {
      state.faults.clear();
    },
    setRateLimit: (config) => {
      state.rateLimiter = config === null ? undefined : new TokenBucket(validateRateLimit(config));
    },
    setRandomFailures: (config) => {
      state.randomFailures =
        config === null ? undefined : new RandomFailures(validateRandomFailures(config));
    },
    createToken: (input) => {
      const valid = toInput(state, input.name, input.permissions, input.allowedCIDRBlocks);
      return state.store.create(valid, CONSOLE_ACTOR);
    },
    rotateToken: (id) => {
      const rotated = state.store.rotate(id, CONSOLE_ACTOR);
      if (rotated === undefined) throw notFound(id);
      return rotated.value;
    },
    updateToken: (id, changes) => {
      const current = state.store.inputOf(id);
      if (current === undefined) throw notFound(id);
      const valid = toInput(
        state,
        changes.name ?? current.name,
        changes.permissions ?? current.permissions,
        changes.allowedCIDRBlocks ?? current.allowedCIDRBlocks,
      );
      const token = state.store.update(id, valid, CONSOLE_ACTOR);
      if (token === undefined) throw notFound(id);
      return token;
    },
    deleteToken: (id) => {
      if (!state.store.delete(id)) throw notFound(id);
    },
    getToken: (id) => state.store.get(id),
    listTokens: () => state.store.list(),
    authenticate: (value) => state.store.lookup(value)?.id,
    setPageSize: (pageSize) => {
      if (!Number.isInteger(pageSize) || pageSize < 1) {
        throw new EmulatorError(
          "EMULATOR_INVALID_INPUT",
          "page size must be an integer of at least 1",
        );
      }
      state.pageSize = pageSize;
    },
    setPropagationDelay: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new EmulatorError(
          "EMULATOR_INVALID_INPUT",
          "propagation delay must be a finite number of at least 0",
        );
      }
      state.store.setPropagationDelay(ms);
    },
    recentRequests: () => state.log.list(),
    clearRecentRequests: () => {
      state.log.clear();
    },
  };
}

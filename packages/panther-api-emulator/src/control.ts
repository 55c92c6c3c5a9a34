/**
 * The control API: what a test (or the demo, over HTTP) uses to look into
 * and steer a running emulator. Token operations here simulate actions in
 * the Panther Console: they bypass HTTP, authentication and faults, and are
 * not counted as requests.
 */
import type { ClockSettings } from "./clock";
import type { EmulatorCounters } from "./counters";
import { EmulatorError } from "./errors";
import type { Fault } from "./faults";
import type { RecordedRequest } from "./requestLog";
import type { EmulatorState } from "./state";
import type { EmulatorToken, StoredActor } from "./token";
import { validateTokenFields, type ValidTokenInput } from "./validation";

/** A token to create as if in the Panther Console. */
export interface ConsoleTokenInput {
  /** Display name (required, non-blank, at most `NAME_MAX_LENGTH` characters). */
  name: string;
  /** Permission names; must be known (or in `extraPermissions`). May be empty. */
  permissions: readonly string[];
  /** Allowed CIDR blocks; omitted or empty means any address. */
  allowedCIDRBlocks?: readonly string[];
  /** The Console user making the change, by id or email (the actor's `id`); default `emulator-console`. */
  user?: string;
}

/** Changes to a token as if edited in the Panther Console: omitted fields stay as they are. */
export interface ConsoleTokenChanges {
  name?: string;
  /** New permission list (replaces the old one). */
  permissions?: readonly string[];
  /** New allow-list (replaces the old one; `[]` allows any address). */
  allowedCIDRBlocks?: readonly string[];
  /** The Console user making the change; default `emulator-console`. */
  user?: string;
}

/**
 * Steers an emulator's Panther side: tokens, clock, response forms,
 * counters and the request log. This is what an in-process
 * `createEmulatorCore` offers; a running HTTP emulator offers
 * {@link EmulatorControl}, which adds the gateway's faults.
 *
 * Methods that take input throw `EmulatorError` with code
 * `EMULATOR_INVALID_INPUT` for bad input and `EMULATOR_NOT_FOUND` for an
 * unknown token id. Token input is stored in the emulator's canonical forms,
 * and tokens come back as `GET /api-tokens/{id}` would answer them.
 */
export interface EmulatorCoreControl {
  /** Counts since start or the last {@link resetCounters}. */
  counters(): EmulatorCounters;
  /** Sets every counter, connections included, back to 0. */
  resetCounters(): void;
  /**
   * Creates a token as a Console user would (`createdBy` is that user, by
   * default `emulator-console`). The value is subject to the propagation
   * delay like any new value.
   */
  createToken(input: ConsoleTokenInput): { token: EmulatorToken; value: string };
  /** Rotates a token as a Console user would (default `emulator-console`); returns the new value. The old value stops working at once. */
  rotateToken(id: string, user?: string): string;
  /** Changes a token as a Console user would and returns it. */
  updateToken(id: string, changes: ConsoleTokenChanges): EmulatorToken;
  /** Deletes a token as a Console user would; its value stops working. The bootstrap admin token may be deleted here (the REST API refuses). */
  deleteToken(id: string): void;
  /** The token with this id, as GET would answer it (never with its value), or `undefined` (raw records too). */
  getToken(id: string): EmulatorToken | undefined;
  /** Every token in creation order, the admin token included, as the API lists them; raw records are left out (list them over the API). */
  listTokens(): EmulatorToken[];
  /**
   * Id of the token `value` currently belongs to, ignoring the propagation
   * delay and CIDR limits; `undefined` if it belongs to none (never issued,
   * rotated away, deleted). Does not touch `lastUsedAt`.
   */
  authenticate(value: string): string | undefined;
  /** Changes the propagation delay (ms ≥ 0) for values issued from now on. */
  setPropagationDelay(ms: number): void;
  /** The last API requests (up to `RECENT_REQUESTS_LIMIT`), oldest first, headers unredacted. */
  recentRequests(): RecordedRequest[];
  /** Forgets the recorded requests. */
  clearRecentRequests(): void;
  /** Changes the clock offsets (omitted ones stay); later stamps and `Date` headers follow. */
  setClock(settings: ClockSettings): void;
  /**
   * Adds a record that `GET /api-tokens` lists exactly as given (in creation
   * order with the tokens, across pages) and that `GET /api-tokens/{id}`
   * answers when its `id` is a string. It authenticates nothing. DELETE over
   * the API removes it; update and rotate answer 404. Returns its key: the
   * `id` if a string, else a new `raw-<n>`.
   *
   * @example
   * control.insertRawToken({ id: "odd-1", name: "odd", permissions: null, createdAt: "2024-01-01T00:00:00Z" });
   */
  insertRawToken(record: Record<string, unknown>): string;
}

/**
 * Steers a running HTTP emulator: {@link EmulatorCoreControl} plus the
 * gateway in front of it. Available in-process as `Emulator.control`, and
 * over HTTP under `<url>/_emulator` (see `controlHttp`).
 */
export interface EmulatorControl extends EmulatorCoreControl {
  /**
   * Adds a fault for the next matching API requests and returns its id.
   * See `Fault` for matching and the actions.
   */
  addFault(fault: Fault): string;
  /** Removes every pending fault. */
  clearFaults(): void;
}

const CONSOLE_USER = "emulator-console";

function consoleActor(user: unknown): StoredActor {
  if (user === undefined) return { kind: "user", id: CONSOLE_USER };
  if (typeof user !== "string" || user === "") {
    throw new EmulatorError("EMULATOR_INVALID_INPUT", "user must be a non-empty string");
  }
  return { kind: "user", id: user };
}

function notFound(id: string): EmulatorError {
  return new EmulatorError("EMULATOR_NOT_FOUND", `api token ${JSON.stringify(id)} not found`);
}

function toInput(
  state: EmulatorState,
  fields: { name: unknown; permissions: unknown; allowedCIDRBlocks: unknown },
): ValidTokenInput {
  const result = validateTokenFields(fields, state);
  if (!result.ok) throw new EmulatorError("EMULATOR_INVALID_INPUT", result.message);
  return result.value;
}

/** Builds the control object over an emulator's Panther state. */
export function createControl(state: EmulatorState): EmulatorCoreControl {
  return {
    counters: () => state.counters.snapshot(),
    resetCounters: () => {
      state.counters.reset();
    },
    createToken: (input) => {
      const actor = consoleActor(input.user);
      const valid = toInput(state, {
        name: input.name,
        permissions: input.permissions,
        allowedCIDRBlocks: input.allowedCIDRBlocks,
      });
      return state.store.create(valid, actor);
    },
    rotateToken: (id, user) => {
      const rotated = state.store.rotate(id, consoleActor(user));
      if (rotated === undefined) throw notFound(id);
      return rotated.value;
    },
    updateToken: (id, changes) => {
      const current = state.store.inputOf(id);
      if (current === undefined) throw notFound(id);
      const actor = consoleActor(changes.user);
      const valid = toInput(state, {
        name: changes.name ?? current.name,
        permissions: changes.permissions ?? current.permissions,
        allowedCIDRBlocks: changes.allowedCIDRBlocks ?? current.allowedCIDRBlocks,
      });
      const token = state.store.update(id, valid, actor);
      if (token === undefined) throw notFound(id);
      return token;
    },
    deleteToken: (id) => {
      if (state.store.get(id) === undefined || !state.store.delete(id)) throw notFound(id);
    },
    getToken: (id) => state.store.get(id),
    listTokens: () => state.store.list(),
    authenticate: (value) => state.store.lookup(value)?.id,
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
    setClock: (settings) => {
      state.clock.set(settings);
    },
    insertRawToken: (record) => state.store.insertRaw(record),
  };
}

/**
 * The emulator's token table: tokens by id, their values by sha256 hash
 * (the plain value is never kept), creation order for pagination, and the
 * propagation delay of new values.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { CidrBlock } from "./cidr";
import type { EmulatorActor, EmulatorToken } from "./token";
import type { ValidTokenInput } from "./validation";

/** What a token value authenticates as, from {@link TokenStore.lookup}. */
export interface Caller {
  /** Id of the token the value belongs to. */
  readonly id: string;
  /** The token's permissions. */
  readonly permissions: ReadonlySet<string>;
  /** The token's parsed CIDR allow-list; empty means any address. */
  readonly cidrBlocks: readonly CidrBlock[];
  /** False while the value is still inside its propagation delay. */
  readonly propagated: boolean;
}

interface StoredToken {
  readonly id: string;
  /** Creation sequence number: orders the list and backs the pagination cursor. */
  readonly seq: number;
  input: ValidTokenInput;
  readonly createdAt: string;
  readonly createdBy: EmulatorActor;
  updatedAt: string;
  updatedBy: EmulatorActor;
  lastUsedAt?: string;
  rotatedAt?: string;
  valueHash: string;
  /** Epoch milliseconds from which the current value authenticates. */
  usableFrom: number;
}

/** Options for {@link TokenStore.create}. */
export interface CreateOptions {
  /** Use this value instead of a random one (the bootstrap admin key). */
  readonly value?: string;
  /** Make the value usable at once, ignoring the propagation delay. */
  readonly immediate?: boolean;
}

/** One page of {@link TokenStore.page}. */
export interface TokenPage {
  readonly tokens: EmulatorToken[];
  /** Sequence number to continue after, present only when more tokens follow. */
  readonly nextAfter?: number;
}

/** A new random token value: 32 random bytes as base64url, 43 characters. */
export function newTokenValue(): string {
  return randomBytes(32).toString("base64url");
}

function hashValue(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/**
 * In-memory token storage. Every method returns copies; callers never hold
 * references into the table.
 */
export class TokenStore {
  readonly #tokens = new Map<string, StoredToken>();
  readonly #idByHash = new Map<string, string>();
  readonly #now: () => number;
  #nextSeq = 1;
  #propagationDelayMs: number;

  /**
   * @param propagationDelayMs how long a new value (from create or rotate) is
   *   refused before it authenticates; see {@link setPropagationDelay}.
   * @param now clock in epoch milliseconds, replaceable for tests.
   */
  constructor(propagationDelayMs: number, now: () => number = Date.now) {
    this.#propagationDelayMs = propagationDelayMs;
    this.#now = now;
  }

  /**
   * Changes the propagation delay for values issued from now on. Values
   * already issued keep the moment they were due to start working.
   */
  setPropagationDelay(ms: number): void {
    this.#propagationDelayMs = ms;
  }

  /** Creates a token and returns it with its new value. */
  create(
    input: ValidTokenInput,
    actor: EmulatorActor,
    options: CreateOptions = {},
  ): { token: EmulatorToken; value: string } {
    const value = options.value ?? newTokenValue();
    const now = this.#now();
    const at = new Date(now).toISOString();
    const stored: StoredToken = {
      id: randomUUID(),
      seq: this.#nextSeq++,
      input,
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      valueHash: hashValue(value),
      usableFrom: options.immediate === true ? now : now + this.#propagationDelayMs,
    };
    this.#tokens.set(stored.id, stored);
    this.#idByHash.set(stored.valueHash, stored.id);
    return { token: toWire(stored), value };
  }

  /** Replaces a token's name, permissions and allow-list; `undefined` if there is no such token. */
  update(id: string, input: ValidTokenInput, actor: EmulatorActor): EmulatorToken | undefined {
    const stored = this.#tokens.get(id);
    if (stored === undefined) return undefined;
    stored.input = input;
    stored.updatedAt = new Date(this.#now()).toISOString();
    stored.updatedBy = actor;
    return toWire(stored);
  }

  /**
   * Gives a token a new value. The old value stops authenticating at once;
   * the new one is subject to the propagation delay. The id stays the same.
   * Returns `undefined` if there is no such token.
   */
  rotate(id: string, actor: EmulatorActor): { token: EmulatorToken; value: string } | undefined {
    const stored = this.#tokens.get(id);
    if (stored === undefined) return undefined;
    const value = newTokenValue();
    const now = this.#now();
    const at = new Date(now).toISOString();
    this.#idByHash.delete(stored.valueHash);
    stored.valueHash = hashValue(value);
    stored.usableFrom = now + this.#propagationDelayMs;
    stored.rotatedAt = at;
    stored.updatedAt = at;
    stored.updatedBy = actor;
    this.#idByHash.set(stored.valueHash, stored.id);
    return { token: toWire(stored), value };
  }

  /** Deletes a token; its value stops authenticating. Returns whether it existed. */
  delete(id: string): boolean {
    const stored = this.#tokens.get(id);
    if (stored === undefined) return false;
    this.#tokens.delete(id);
    this.#idByHash.delete(stored.valueHash);
    return true;
  }

  /** The token with this id, without its value. */
  get(id: string): EmulatorToken | undefined {
    const stored = this.#tokens.get(id);
    return stored === undefined ? undefined : toWire(stored);
  }

  /** Every token in creation order. */
  list(): EmulatorToken[] {
    return [...this.#tokens.values()].map(toWire);
  }

  /**
   * Up to `limit` tokens created after sequence number `after` (0 for the
   * first page), in creation order. Tokens deleted between pages are simply
   * not returned; tokens created between pages appear on a later page.
   */
  page(after: number, limit: number): TokenPage {
    const remaining = [...this.#tokens.values()].filter((token) => token.seq > after);
    const slice = remaining.slice(0, limit);
    const last = slice.at(-1);
    const tokens = slice.map(toWire);
    if (remaining.length > slice.length && last !== undefined) {
      return { tokens, nextAfter: last.seq };
    }
    return { tokens };
  }

  /**
   * What `value` authenticates as, with no side effects, or `undefined` if it
   * belongs to no token (never issued, rotated away, or deleted).
   */
  lookup(value: string): Caller | undefined {
    const id = this.#idByHash.get(hashValue(value));
    const stored = id === undefined ? undefined : this.#tokens.get(id);
    if (stored === undefined) return undefined;
    return {
      id: stored.id,
      permissions: new Set(stored.input.permissions),
      cidrBlocks: stored.input.cidrBlocks,
      propagated: this.#now() >= stored.usableFrom,
    };
  }

  /** Records that the token authenticated a request now (`lastUsedAt`). */
  markUsed(id: string): void {
    const stored = this.#tokens.get(id);
    if (stored !== undefined) stored.lastUsedAt = new Date(this.#now()).toISOString();
  }

  /** The current input of a token, for partial updates through the control API. */
  inputOf(id: string): ValidTokenInput | undefined {
    return this.#tokens.get(id)?.input;
  }
}

function toWire(stored: StoredToken): EmulatorToken {
  const token: EmulatorToken = {
    id: stored.id,
    name: stored.input.name,
    permissions: [...stored.input.permissions],
    allowedCIDRBlocks: [...stored.input.allowedCIDRBlocks],
    createdAt: stored.createdAt,
    createdBy: { ...stored.createdBy },
    updatedAt: stored.updatedAt,
    updatedBy: { ...stored.updatedBy },
    expiresAt: null,
  };
  if (stored.lastUsedAt !== undefined) token.lastUsedAt = stored.lastUsedAt;
  if (stored.rotatedAt !== undefined) token.rotatedAt = stored.rotatedAt;
  return token;
}

/**
 * The emulator's token table: tokens by id, their values by sha256 hash
 * (the plain value is never kept), raw records, one creation order for
 * pagination, and the propagation delay of new values.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { CidrBlock } from "./cidr";
import type { EmulatorClock } from "./clock";
import { EmulatorError } from "./errors";
import { renderActor, type ActorShape, type EmulatorToken, type StoredActor } from "./token";
import type { ValidTokenInput } from "./validation";

/** How a token id in a request is matched: `exact` (default) or `caseInsensitive`, as some servers do. */
export type IdMatching = "exact" | "caseInsensitive";

/** What a token value authenticates as, from {@link TokenStore.lookup}. */
export interface Caller {
  /** Id of the token the value belongs to. */
  readonly id: string;
  /** The token's name, for actors written in the `nested` shape. */
  readonly name: string;
  readonly permissions: ReadonlySet<string>;
  /** The token's parsed CIDR allow-list; empty means any address. */
  readonly cidrBlocks: readonly CidrBlock[];
  /** False while the value is still inside its propagation delay. */
  readonly propagated: boolean;
}

interface StoredToken {
  readonly kind: "token";
  readonly id: string;
  /** Creation sequence number: orders the list and backs the pagination cursor. */
  readonly seq: number;
  input: ValidTokenInput;
  readonly createdAt: string;
  readonly createdBy: StoredActor;
  updatedAt: string;
  updatedBy: StoredActor;
  lastUsedAt?: string;
  rotatedAt?: string;
  valueHash: string;
  /** Base-clock epoch ms from which the current value authenticates. */
  usableFrom: number;
}

/** A record listed exactly as given (see `EmulatorControl.insertRawToken`). */
interface RawRecord {
  readonly kind: "raw";
  readonly seq: number;
  /** The record as JSON text, so every read returns a fresh copy of what was given. */
  readonly json: string;
}

type Entry = StoredToken | RawRecord;

/** Options for {@link TokenStore.create}. */
export interface CreateOptions {
  /** Use this value instead of a random one (the bootstrap admin key). */
  readonly value?: string;
  /** Make the value usable at once, ignoring the propagation delay. */
  readonly immediate?: boolean;
}

/** One page of {@link TokenStore.page}: tokens and raw records as the API lists them. */
export interface TokenPage {
  readonly records: unknown[];
  /** Sequence number to continue after, present only when more records follow. */
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
  /** Tokens by id and raw records by key, in creation order (a Map keeps insertion order). */
  readonly #entries = new Map<string, Entry>();
  readonly #idByHash = new Map<string, string>();
  readonly #clock: EmulatorClock;
  #nextSeq = 1;
  #nextRawKey = 1;
  #propagationDelayMs: number;
  /** How actors are written in every token this store returns. */
  readonly actorShape: ActorShape;
  /** How a token id in a request is matched: exactly, or without regard to case. */
  idMatching: IdMatching = "exact";

  /**
   * @param clock stamps use its offset time; the propagation delay its base time.
   * @param propagationDelayMs how long a new value (from create or rotate) is
   *   refused before it authenticates; see {@link setPropagationDelay}.
   */
  constructor(clock: EmulatorClock, propagationDelayMs: number, actorShape: ActorShape) {
    this.#clock = clock;
    this.#propagationDelayMs = propagationDelayMs;
    this.actorShape = actorShape;
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
    actor: StoredActor,
    options: CreateOptions = {},
  ): { token: EmulatorToken; value: string } {
    const value = options.value ?? newTokenValue();
    const now = this.#clock.base();
    const at = this.#clock.stamp();
    const stored: StoredToken = {
      kind: "token",
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
    this.#entries.set(stored.id, stored);
    this.#idByHash.set(stored.valueHash, stored.id);
    return { token: this.#toWire(stored), value };
  }

  /**
   * The id of the stored record `id` names: `id` itself, or, when ids match
   * without regard to case, the stored id that equals it so.
   */
  canonicalId(id: string): string {
    if (this.idMatching === "exact" || this.#entries.has(id)) return id;
    const wanted = id.toLowerCase();
    for (const key of this.#entries.keys()) if (key.toLowerCase() === wanted) return key;
    return id;
  }

  #token(id: string): StoredToken | undefined {
    const entry = this.#entries.get(id);
    return entry?.kind === "token" ? entry : undefined;
  }

  /** Replaces a token's name, permissions and allow-list; `undefined` if there is no such token. */
  update(id: string, input: ValidTokenInput, actor: StoredActor): EmulatorToken | undefined {
    const stored = this.#token(id);
    if (stored === undefined) return undefined;
    stored.input = input;
    stored.updatedAt = this.#clock.stamp();
    stored.updatedBy = actor;
    return this.#toWire(stored);
  }

  /**
   * Gives a token a new value. The old value stops authenticating at once;
   * the new one is subject to the propagation delay. The id stays the same.
   * Returns `undefined` if there is no such token.
   */
  rotate(id: string, actor: StoredActor): { token: EmulatorToken; value: string } | undefined {
    const stored = this.#token(id);
    if (stored === undefined) return undefined;
    const value = newTokenValue();
    const at = this.#clock.stamp();
    this.#idByHash.delete(stored.valueHash);
    stored.valueHash = hashValue(value);
    stored.usableFrom = this.#clock.base() + this.#propagationDelayMs;
    stored.rotatedAt = at;
    stored.updatedAt = at;
    stored.updatedBy = actor;
    this.#idByHash.set(stored.valueHash, stored.id);
    return { token: this.#toWire(stored), value };
  }

  /** Deletes a token or a raw record; a token's value stops authenticating. Returns whether it existed. */
  delete(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    if (entry.kind === "token") this.#idByHash.delete(entry.valueHash);
    return true;
  }

  /** The token with this id, without its value; `undefined` for raw records too. */
  get(id: string): EmulatorToken | undefined {
    const stored = this.#token(id);
    return stored === undefined ? undefined : this.#toWire(stored);
  }

  /** What `GET /api-tokens/{id}` answers: a token, a raw record as given, or `undefined`. */
  getRecord(id: string): unknown {
    const entry = this.#entries.get(id);
    return entry === undefined ? undefined : this.#recordOf(entry);
  }

  /** Every token in creation order (raw records left out). */
  list(): EmulatorToken[] {
    const tokens: EmulatorToken[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.kind === "token") tokens.push(this.#toWire(entry));
    }
    return tokens;
  }

  /**
   * Up to `limit` records created after sequence number `after` (0 for the
   * first page), in creation order, raw records included. Records deleted
   * between pages are simply not returned; records created between pages
   * appear on a later page.
   */
  page(after: number, limit: number): TokenPage {
    const remaining = [...this.#entries.values()].filter((entry) => entry.seq > after);
    const slice = remaining.slice(0, limit);
    const last = slice.at(-1);
    const records = slice.map((entry) => this.#recordOf(entry));
    if (remaining.length > slice.length && last !== undefined) {
      return { records, nextAfter: last.seq };
    }
    return { records };
  }

  /**
   * Adds a record listed exactly as given. Its key is its `id` when that is a
   * string, else a new `raw-<n>`. Throws `EMULATOR_INVALID_INPUT` if the
   * record is not a JSON object or its id is taken.
   */
  insertRaw(record: Record<string, unknown>): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(record);
    } catch {
      json = undefined;
    }
    if (json === undefined || !json.startsWith("{")) {
      throw new EmulatorError("EMULATOR_INVALID_INPUT", "a raw token must be a JSON object");
    }
    const id = record["id"];
    let key: string;
    if (typeof id === "string") {
      if (this.#entries.has(id)) {
        throw new EmulatorError("EMULATOR_INVALID_INPUT", `id ${JSON.stringify(id)} is taken`);
      }
      key = id;
    } else {
      do key = `raw-${this.#nextRawKey++}`;
      while (this.#entries.has(key));
    }
    this.#entries.set(key, { kind: "raw", seq: this.#nextSeq++, json });
    return key;
  }

  /**
   * What `value` authenticates as, with no side effects, or `undefined` if it
   * belongs to no token (never issued, rotated away, or deleted).
   */
  lookup(value: string): Caller | undefined {
    const id = this.#idByHash.get(hashValue(value));
    const stored = id === undefined ? undefined : this.#token(id);
    if (stored === undefined) return undefined;
    return {
      id: stored.id,
      name: stored.input.name,
      permissions: new Set(stored.input.permissions),
      cidrBlocks: stored.input.cidrBlocks,
      propagated: this.#clock.base() >= stored.usableFrom,
    };
  }

  /** Records that the token authenticated a request now (`lastUsedAt`). */
  markUsed(id: string): void {
    const stored = this.#token(id);
    if (stored !== undefined) stored.lastUsedAt = this.#clock.stamp();
  }

  /** The current input of a token, for partial updates through the control API. */
  inputOf(id: string): ValidTokenInput | undefined {
    return this.#token(id)?.input;
  }

  #recordOf(entry: Entry): unknown {
    return entry.kind === "raw" ? (JSON.parse(entry.json) as unknown) : this.#toWire(entry);
  }

  #toWire(stored: StoredToken): EmulatorToken {
    const token: EmulatorToken = {
      id: stored.id,
      name: stored.input.name,
      permissions: [...stored.input.permissions],
      allowedCIDRBlocks: [...stored.input.allowedCIDRBlocks],
      createdAt: stored.createdAt,
      createdBy: renderActor(stored.createdBy, this.actorShape),
      updatedAt: stored.updatedAt,
      updatedBy: renderActor(stored.updatedBy, this.actorShape),
      expiresAt: null,
    };
    if (stored.lastUsedAt !== undefined) token.lastUsedAt = stored.lastUsedAt;
    if (stored.rotatedAt !== undefined) token.rotatedAt = stored.rotatedAt;
    return token;
  }
}

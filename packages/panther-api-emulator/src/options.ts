/**
 * Options of `startEmulator`, with their defaults and checks.
 */
import { randomBytes } from "node:crypto";
import { KNOWN_PERMISSIONS } from "./permissions";
import {
  resolveCanonicalForms,
  type CanonicalForms,
  type ResolvedCanonicalForms,
} from "./canonical";
import { isLoopbackHost } from "./cidr";
import { checkOffset } from "./clock";
import { EmulatorError } from "./errors";
import type { AnswerStamps, ForbiddenBodyShape } from "./state";
import type { IdMatching } from "./store";
import { ACTOR_SHAPES, type ActorShape } from "./token";

/**
 * How to start an emulator. Every field is optional.
 *
 * @example
 * const emulator = await startEmulator({ pageSize: 3, propagationDelayMs: 300 });
 */
export interface EmulatorOptions {
  /**
   * Address to listen on. Default `127.0.0.1`. Anything that is not loopback
   * (`localhost`, `127.0.0.0/8`, `::1`) is refused unless `allowRemote` is
   * true, because the emulator hands out an all-powerful admin key.
   */
  host?: string;
  /** Allow a non-loopback `host` such as `0.0.0.0`. Default false. */
  allowRemote?: boolean;
  /** TCP port; default 0, which picks a free port (read it from `Emulator.port`). */
  port?: number;
  /**
   * Path prefix the API is served under, e.g. `/v1` to mimic Panther's
   * API-Gateway URLs (`https://…/v1/public/graphql` → REST at `…/v1/api-tokens`).
   * Must start with `/` and not end with `/`. Default `""` (REST at `/api-tokens`).
   * `Emulator.url` includes it, and so does the control API (`<url>/_emulator`).
   */
  basePath?: string;
  /** Largest list page, an integer ≥ 1; `?limit=` can ask for less, not more. Default 50. */
  pageSize?: number;
  /**
   * Milliseconds a new value (from create or rotate) answers 401 before it
   * starts working, like Panther's 30–60 s. Default 0. The bootstrap admin
   * key is exempt.
   */
  propagationDelayMs?: number;
  /**
   * Value of the bootstrap admin token, and the key of the control API.
   * 32 to 1024 printable ASCII characters without spaces (a short key is
   * easy to guess, and this one can do everything). Default: 43 random
   * base64url characters.
   */
  adminKey?: string;
  /** Body of every 403: `{"message": "..."}` (`"message"`, default) or `{"error": "forbidden"}` (`"error"`). */
  forbiddenBodyShape?: ForbiddenBodyShape;
  /**
   * Permission names accepted in addition to `KNOWN_PERMISSIONS`, to
   * simulate a newer Panther server. The admin token gets them too.
   */
  extraPermissions?: readonly string[];
  /**
   * How long an idle keep-alive connection stays open, in ms. Default 5000
   * (Node's); load-balancers in front of real APIs often keep 60 000.
   */
  keepAliveTimeoutMs?: number;
  /**
   * Milliseconds the emulator's clock is ahead of real time (negative:
   * behind), |value| ≤ 24 h. Applies to every stamp it writes and to the
   * `Date` header. Default 0. Change it at run time with `control.setClock`.
   */
  clockOffsetMs?: number;
  /**
   * Extra milliseconds added to the `Date` header only, as a gateway whose
   * clock differs from the backend's, |value| ≤ 24 h. Default 0.
   */
  dateHeaderSkewMs?: number;
  /** How token input is rewritten before it is stored; default: stored as given. See {@link CanonicalForms}. */
  canonicalForms?: CanonicalForms;
  /**
   * `"full"` (default): create and rotate answers carry every stamp.
   * `"none"`: they leave out `rotatedAt` and `updatedAt`; the stored token
   * keeps them, so a later GET shows them.
   */
  answerStamps?: AnswerStamps;
  /** How `createdBy` and `updatedBy` are written; default `"typed"`. See {@link ActorShape}. */
  actorShape?: ActorShape;
  /**
   * How a token id in a request path is matched: `"exact"` (default), or
   * `"caseInsensitive"`, as a server that compares ids without regard to case
   * (`GET /api-tokens/<ID IN UPPER CASE>` answers the token).
   */
  idMatching?: IdMatching;
}

/** {@link EmulatorOptions} with defaults filled in and values checked; each field means what the option of that name means. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly basePath: string;
  readonly pageSize: number;
  readonly propagationDelayMs: number;
  /** See {@link EmulatorOptions.adminKey}; generated when not given. */
  readonly adminKey: string;
  readonly forbiddenBodyShape: ForbiddenBodyShape;
  /** Known permissions plus the extra ones, sorted. */
  readonly allowedPermissions: readonly string[];
  readonly keepAliveTimeoutMs: number;
  readonly clockOffsetMs: number;
  readonly dateHeaderSkewMs: number;
  readonly canonicalForms: ResolvedCanonicalForms;
  readonly answerStamps: AnswerStamps;
  readonly actorShape: ActorShape;
  readonly idMatching: IdMatching;
}

/** Shortest `adminKey` accepted. */
export const MIN_ADMIN_KEY_LENGTH = 32;

const ADMIN_KEY = /^[\x21-\x7e]{1,1024}$/;
const PERMISSION_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
const BASE_PATH = /^(?:\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/;

function invalid(message: string): EmulatorError {
  return new EmulatorError("EMULATOR_INVALID_OPTION", message);
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Fills in defaults and checks every option; throws {@link EmulatorError}
 * (`EMULATOR_INVALID_OPTION`) naming the option and what it accepts.
 */
export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const host = options.host ?? "127.0.0.1";
  if (host === "") throw invalid("host must not be empty");
  if (!isLoopbackHost(host) && options.allowRemote !== true) {
    throw invalid(
      `host ${JSON.stringify(host)} is not a loopback address; set allowRemote to listen on it ` +
        "(anyone who can reach it could use the emulator's admin key if they learn it)",
    );
  }
  const port = options.port ?? 0;
  if (!isIntegerIn(port, 0, 65535)) throw invalid("port must be an integer from 0 to 65535");
  const basePath = options.basePath ?? "";
  if (!BASE_PATH.test(basePath)) {
    throw invalid(
      'basePath must be "" or a path like "/v1" (starting with "/", not ending with "/")',
    );
  }
  const pageSize = options.pageSize ?? 50;
  if (!isIntegerIn(pageSize, 1, 1_000_000))
    throw invalid("pageSize must be an integer of at least 1");
  const propagationDelayMs = options.propagationDelayMs ?? 0;
  if (!Number.isFinite(propagationDelayMs) || propagationDelayMs < 0) {
    throw invalid("propagationDelayMs must be a finite number of at least 0");
  }
  const adminKey = options.adminKey ?? randomBytes(32).toString("base64url");
  if (!ADMIN_KEY.test(adminKey)) {
    throw invalid("adminKey must be printable ASCII characters without spaces, at most 1024");
  }
  if (adminKey.length < MIN_ADMIN_KEY_LENGTH) {
    throw invalid(
      `adminKey must be at least ${MIN_ADMIN_KEY_LENGTH} characters, got ${adminKey.length}: ` +
        "it is the key of a token with every permission and of the control API; " +
        "leave it out for a random one",
    );
  }
  // Typed as unknown: JavaScript callers can pass anything.
  const forbiddenBodyShape: unknown = options.forbiddenBodyShape ?? "message";
  if (forbiddenBodyShape !== "message" && forbiddenBodyShape !== "error") {
    throw invalid('forbiddenBodyShape must be "message" or "error"');
  }
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5000;
  if (!isIntegerIn(keepAliveTimeoutMs, 1, 3_600_000)) {
    throw invalid("keepAliveTimeoutMs must be an integer from 1 to 3600000");
  }
  const clockOffsetMs = checkOffset(
    options.clockOffsetMs ?? 0,
    "clockOffsetMs",
    "EMULATOR_INVALID_OPTION",
  );
  const dateHeaderSkewMs = checkOffset(
    options.dateHeaderSkewMs ?? 0,
    "dateHeaderSkewMs",
    "EMULATOR_INVALID_OPTION",
  );
  const canonicalForms = resolveCanonicalForms(options.canonicalForms, "EMULATOR_INVALID_OPTION");
  const answerStamps = checkAnswerStamps(options.answerStamps ?? "full", "EMULATOR_INVALID_OPTION");
  const actorShape = checkActorShape(options.actorShape ?? "typed", "EMULATOR_INVALID_OPTION");
  const idMatching: unknown = options.idMatching ?? "exact";
  if (idMatching !== "exact" && idMatching !== "caseInsensitive") {
    throw invalid('idMatching must be "exact" or "caseInsensitive"');
  }
  const extra = options.extraPermissions ?? [];
  for (const name of extra) {
    if (!PERMISSION_NAME.test(name)) {
      throw invalid(
        `extraPermissions: ${JSON.stringify(name)} is not a permission name (letters, digits, _)`,
      );
    }
  }
  return {
    host,
    port,
    basePath,
    pageSize,
    propagationDelayMs,
    adminKey,
    forbiddenBodyShape,
    allowedPermissions: [...new Set<string>([...KNOWN_PERMISSIONS, ...extra])].sort(),
    keepAliveTimeoutMs,
    clockOffsetMs,
    dateHeaderSkewMs,
    canonicalForms,
    answerStamps,
    actorShape,
    idMatching,
  };
}

/** Checks an `answerStamps` value (typed as unknown: JavaScript and JSON callers can pass anything). */
export function checkAnswerStamps(
  value: unknown,
  code: "EMULATOR_INVALID_OPTION" | "EMULATOR_INVALID_INPUT",
): AnswerStamps {
  if (value !== "full" && value !== "none") {
    throw new EmulatorError(code, 'answerStamps must be "full" or "none"');
  }
  return value;
}

/** Checks an `actorShape` value. */
export function checkActorShape(
  value: unknown,
  code: "EMULATOR_INVALID_OPTION" | "EMULATOR_INVALID_INPUT",
): ActorShape {
  const shape = ACTOR_SHAPES.find((candidate) => candidate === value);
  if (shape === undefined) {
    throw new EmulatorError(code, `actorShape must be one of ${ACTOR_SHAPES.join(", ")}`);
  }
  return shape;
}

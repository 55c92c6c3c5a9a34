/**
 * Fault injection: scripted misbehaviour for the next matching requests,
 * so tests can reproduce gateway errors, timeouts and lost answers exactly.
 */
import { STATUS_CODES } from "node:http";
import { EmulatorError } from "./errors";
import { messageResponse, type EmulatorResponse } from "./http";
import { isJsonObject } from "./json";
import { isRequestOperation, type RequestOperation } from "./operations";

/**
 * Which requests a fault applies to, and how many times.
 *
 * A request matches when its operation equals `operation` (any operation if
 * omitted, including `other`) and, if `tokenId` is set, when the token id in
 * its path equals `tokenId` (`self` counts as the calling token's id; create
 * and list have no id in the path, so they never match a fault with
 * `tokenId`).
 */
export interface FaultMatch {
  /** Operation to match; omitted means every request. */
  operation?: RequestOperation;
  /** Token id in the request path to match (after resolving `self`). */
  tokenId?: string;
  /** How many matching requests the fault applies to: a positive integer, `Infinity` or `"always"`. Default 1. */
  times?: number | "always";
  /** How many matching requests to let through untouched before the fault starts applying. Default 0. */
  skip?: number;
}

/** Answer with this status instead of handling the request; the request is NOT applied. */
export interface StatusFault {
  kind: "status";
  /** HTTP status, 200–599 (e.g. 429, 500, 502, 503, 504). */
  status: number;
  /** A string is sent as is (set `content-type` in `headers` for HTML); an object is sent as JSON. Default `{"message": "<status text>"}`. */
  body?: string | object;
  /** Extra response headers, e.g. `{"Retry-After": "1"}`. */
  headers?: Record<string, string>;
}

/** Wait `ms`, then handle the request normally (to trip client timeouts). */
export interface DelayFault {
  kind: "delay";
  /** Milliseconds to wait, finite and at least 0. */
  ms: number;
}

/** Apply the request fully, then destroy the socket without answering: the lost-answer case. */
export interface DropAfterApplyFault {
  kind: "dropAfterApply";
}

/** Destroy the socket (TCP reset) before anything is applied. */
export interface ResetFault {
  kind: "reset";
}

/** Apply the request, then answer with this raw body instead of the real answer. */
export interface RawBodyFault {
  kind: "rawBody";
  /** HTTP status to answer with, 200–599. */
  status: number;
  /** Body sent byte for byte: truncated JSON, wrong shapes, HTML, anything. */
  body: string;
  /** `Content-Type` of the answer; default `application/json`. */
  contentType?: string;
}

/**
 * What a fault that answers in Panther's place sends: a `status` fault's answer, or the status a
 * `lateLanding` answers with (`answer: "status"`, the default). The HTTP server sends it, and an
 * in-process transport gets it rendered from `EmulatorCore.faultAnswer`: one answer for both.
 */
export function faultAnswer(fault: StatusFault | LateLandingFault): EmulatorResponse {
  if (fault.kind === "lateLanding") {
    const status = fault.status ?? 504;
    return messageResponse(status, STATUS_CODES[status] ?? "gateway error");
  }
  const headers = fault.headers ?? {};
  if (typeof fault.body === "string") return { status: fault.status, text: fault.body, headers };
  const json = fault.body ?? { message: STATUS_CODES[fault.status] ?? "injected failure" };
  return { status: fault.status, json, headers };
}

/** Longest `applyAfterMs` of a late landing (24 h). */
export const MAX_APPLY_AFTER_MS = 86_400_000;

/**
 * A gateway gives up on the request, then delivers it late: the client is
 * answered at once *without* the request being applied, and the request is
 * applied `applyAfterMs` later exactly as if it had just arrived at Panther
 * (its key is checked then; its result is discarded). Counted in
 * `lateApplied` when it lands; `close()` cancels it.
 *
 * @example
 * control.addFault({ operation: "create", kind: "lateLanding", applyAfterMs: 3000 });
 * control.addFault({ operation: "rotate", kind: "lateLanding", answer: "hang", applyAfterMs: 70_000 });
 */
export interface LateLandingFault {
  kind: "lateLanding";
  /**
   * What the client gets: `"status"` (default) a JSON error with `status`;
   * `"reset"` a TCP reset; `"hang"` no answer: the connection stays open
   * until the client closes it, or is destroyed when the request lands.
   */
  answer?: "status" | "reset" | "hang";
  /** With `answer: "status"`: a 5xx status; default 504. */
  status?: number;
  /** Milliseconds from arrival to application, 0 to 24 h. */
  applyAfterMs: number;
}

/** What a fault does to a matching request. */
export type FaultAction =
  StatusFault | DelayFault | DropAfterApplyFault | ResetFault | RawBodyFault | LateLandingFault;

/**
 * A fault to inject: a {@link FaultMatch} plus a {@link FaultAction}.
 *
 * @example
 * control.addFault({ operation: "create", kind: "status", status: 429, headers: { "Retry-After": "1" } });
 * control.addFault({ operation: "update", times: "always", kind: "delay", ms: 2000 });
 */
export type Fault = FaultMatch & FaultAction;

interface ActiveFault {
  readonly id: string;
  readonly operation: RequestOperation | undefined;
  readonly tokenId: string | undefined;
  readonly action: FaultAction;
  skipLeft: number;
  timesLeft: number;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FAULT_KINDS = [
  "status",
  "delay",
  "dropAfterApply",
  "reset",
  "rawBody",
  "lateLanding",
] as const;
const LATE_ANSWERS = ["status", "reset", "hang"] as const;

function invalid(message: string): EmulatorError {
  return new EmulatorError("EMULATOR_INVALID_INPUT", `invalid fault: ${message}`);
}

function checkStatus(status: unknown): number {
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) {
    throw invalid("status must be an integer from 200 to 599");
  }
  return status;
}

function checkHeaders(headers: unknown): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  if (!isJsonObject(headers)) throw invalid("headers must be an object of strings");
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw invalid(`header name ${JSON.stringify(name)} is not valid`);
    if (typeof value !== "string" || /[\r\n]/.test(value)) {
      throw invalid(`header ${name} must be a single-line string`);
    }
    out[name] = value;
  }
  return out;
}

function checkAction(input: Record<string, unknown>): FaultAction {
  const kind = input["kind"];
  switch (kind) {
    case "status": {
      const body = input["body"];
      if (
        body !== undefined &&
        typeof body !== "string" &&
        (typeof body !== "object" || body === null)
      ) {
        throw invalid("body must be a string or an object");
      }
      const action: StatusFault = { kind, status: checkStatus(input["status"]) };
      if (body !== undefined) action.body = body;
      const headers = checkHeaders(input["headers"]);
      if (headers !== undefined) action.headers = headers;
      return action;
    }
    case "delay": {
      const ms = input["ms"];
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
        throw invalid("ms must be a finite number of at least 0");
      }
      return { kind, ms };
    }
    case "dropAfterApply":
    case "reset":
      return { kind };
    case "rawBody": {
      const body = input["body"];
      if (typeof body !== "string") throw invalid("body must be a string");
      const action: RawBodyFault = { kind, status: checkStatus(input["status"]), body };
      const contentType = input["contentType"];
      if (contentType !== undefined) {
        if (typeof contentType !== "string" || /[\r\n]/.test(contentType)) {
          throw invalid("contentType must be a single-line string");
        }
        action.contentType = contentType;
      }
      return action;
    }
    case "lateLanding": {
      const answer = input["answer"] ?? "status";
      const answerKind = LATE_ANSWERS.find((candidate) => candidate === answer);
      if (answerKind === undefined)
        throw invalid(`answer must be one of ${LATE_ANSWERS.join(", ")}`);
      const applyAfterMs = input["applyAfterMs"];
      if (
        typeof applyAfterMs !== "number" ||
        !Number.isFinite(applyAfterMs) ||
        applyAfterMs < 0 ||
        applyAfterMs > MAX_APPLY_AFTER_MS
      ) {
        throw invalid(`applyAfterMs must be a number from 0 to ${MAX_APPLY_AFTER_MS}`);
      }
      const action: LateLandingFault = { kind, answer: answerKind, applyAfterMs };
      const status = input["status"];
      if (status !== undefined) {
        if (answerKind !== "status")
          throw invalid(`status cannot be given with answer "${answerKind}"`);
        if (
          typeof status !== "number" ||
          !Number.isInteger(status) ||
          status < 500 ||
          status > 599
        ) {
          throw invalid("status of a late landing must be an integer from 500 to 599");
        }
        action.status = status;
      }
      return action;
    }
    default:
      throw invalid(`kind must be one of ${FAULT_KINDS.join(", ")}`);
  }
}

/**
 * Checks a fault given in-process or as JSON over the control API, so that a
 * mistake in a test fails loudly at `addFault` rather than silently never
 * matching. Throws {@link EmulatorError} (`EMULATOR_INVALID_INPUT`).
 */
export function validateFault(input: unknown): {
  match: {
    operation: RequestOperation | undefined;
    tokenId: string | undefined;
    times: number;
    skip: number;
  };
  action: FaultAction;
} {
  if (!isJsonObject(input)) throw invalid("expected an object");
  const operation = input["operation"];
  if (operation !== undefined && !isRequestOperation(operation)) {
    throw invalid(`unknown operation ${JSON.stringify(operation)}`);
  }
  const tokenId = input["tokenId"];
  if (tokenId !== undefined && (typeof tokenId !== "string" || tokenId === "")) {
    throw invalid("tokenId must be a non-empty string");
  }
  const timesInput = input["times"] ?? 1;
  let times: number;
  if (timesInput === "always" || timesInput === Infinity) {
    times = Infinity;
  } else if (typeof timesInput === "number" && Number.isInteger(timesInput) && timesInput >= 1) {
    times = timesInput;
  } else {
    throw invalid('times must be a positive integer, Infinity or "always"');
  }
  const skip = input["skip"] ?? 0;
  if (typeof skip !== "number" || !Number.isInteger(skip) || skip < 0) {
    throw invalid("skip must be an integer of at least 0");
  }
  return { match: { operation, tokenId, times, skip }, action: checkAction(input) };
}

/**
 * The faults waiting to apply, in the order they were added.
 *
 * Each request is offered to every fault that matches it: a fault still
 * skipping counts the request against its `skip`; of the faults done
 * skipping, the first one added applies to the request and uses up one of
 * its `times`. So one request triggers at most one fault, and a fault is
 * removed once its `times` are used up.
 */
export class FaultTable {
  readonly #faults: ActiveFault[] = [];
  #nextId = 1;

  /** Adds a fault (validated by {@link validateFault}) and returns its id. */
  add(fault: unknown): string {
    const { match, action } = validateFault(fault);
    const id = `fault-${this.#nextId++}`;
    this.#faults.push({
      id,
      operation: match.operation,
      tokenId: match.tokenId,
      action,
      skipLeft: match.skip,
      timesLeft: match.times,
    });
    return id;
  }

  /** Removes one fault (used up). */
  #remove(id: string): void {
    const index = this.#faults.findIndex((fault) => fault.id === id);
    if (index >= 0) this.#faults.splice(index, 1);
  }

  /** Removes every fault. */
  clear(): void {
    this.#faults.length = 0;
  }

  /**
   * Offers a request to the table and returns the action to apply to it, if
   * any. `tokenId` is the (self-resolved) id in the request path, if it has one.
   */
  take(operation: RequestOperation, tokenId: string | undefined): FaultAction | undefined {
    let chosen: ActiveFault | undefined;
    for (const fault of this.#faults) {
      if (fault.operation !== undefined && fault.operation !== operation) continue;
      if (fault.tokenId !== undefined && fault.tokenId !== tokenId) continue;
      if (fault.skipLeft > 0) {
        fault.skipLeft--;
        continue;
      }
      if (chosen === undefined) {
        chosen = fault;
        fault.timesLeft--;
      }
    }
    if (chosen === undefined) return undefined;
    if (chosen.timesLeft <= 0) this.#remove(chosen.id);
    return chosen.action;
  }
}

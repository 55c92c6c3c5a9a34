/**
 * What happens to each HTTP request, in order:
 *
 * 1. Requests under `<basePath>/_emulator` go to the control API and skip
 *    everything below.
 * 2. Route, count (`requests`, `byOperation`) and record the request (core).
 * 3. Read the body (over `MAX_BODY_BYTES` → 413).
 * 4. Injected faults: `reset`, `status` and `lateLanding` answer here,
 *    without applying anything (a late landing is applied later); `delay`
 *    waits, then carries on.
 * 5. The Panther behaviour (core): auth, permissions, validation, the
 *    change itself; unknown paths 404, wrong methods 405.
 * 6. `dropAfterApply` destroys the socket instead of answering; `rawBody`
 *    replaces the answer. Otherwise the real answer is sent.
 *
 * Every answer carries the core's `Date` header. Every request ends in
 * exactly one `byStatus` count: its status, or `none` when the socket was
 * destroyed (by a fault, or by the client going away).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { NO_RESPONSE } from "./counters";
import { CONTROL_PREFIX, handleControl, type ControlContext } from "./controlHttp";
import { TOO_LARGE, type ApplicableRequest, type Core, type RoutedRequest } from "./core";
import { faultAnswer, type LateLandingFault } from "./faults";
import type { Gateway } from "./gateway";
import {
  MAX_BODY_BYTES,
  messageResponse,
  readBody,
  sendResponse,
  type EmulatorResponse,
} from "./http";
import type { RecordedRequest } from "./requestLog";

/** What the pipeline needs from its emulator. */
export interface PipelineContext extends ControlContext {
  readonly core: Core;
  readonly gateway: Gateway;
  /** Aborted when the emulator closes: pending delays end and apply nothing. */
  readonly closing: AbortSignal;
}

/** A header sent exactly once, or `undefined`. */
function singleHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

function headersOf(req: IncomingMessage): RecordedRequest["headers"] {
  return Object.fromEntries(
    Object.entries(req.headers).filter(
      (entry): entry is [string, string | string[]] => entry[1] !== undefined,
    ),
  );
}

async function handleControlRequest(
  context: PipelineContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const body = await readBody(req, MAX_BODY_BYTES);
  const response = body.ok
    ? handleControl(context, {
        method: req.method ?? "GET",
        path: path.slice(CONTROL_PREFIX.length),
        adminHeader: singleHeader(req.headers["x-emulator-admin"]),
        body: body.body,
      })
    : TOO_LARGE;
  sendResponse(res, context.core.render(response));
}

/** One API request's way out: answered once, or its socket destroyed once. */
class Exchange {
  #finished = false;

  constructor(
    private readonly core: Core,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  respond(response: EmulatorResponse): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.req.socket.destroyed) {
      this.core.state.counters.outcome(NO_RESPONSE);
      return;
    }
    this.core.state.counters.outcome(response.status);
    sendResponse(this.res, this.core.render(response));
  }

  destroy(reset: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    this.core.state.counters.outcome(NO_RESPONSE);
    if (reset) this.req.socket.resetAndDestroy();
    else this.req.socket.destroy();
  }

  /** Leaves the request unanswered; counted as `none` once the client closes the connection. */
  hang(): void {
    this.req.socket.once("close", () => {
      this.destroy(false);
    });
  }
}

/** Answers (or drops) a late-landing request now and schedules its application. */
function holdForLateLanding(
  context: PipelineContext,
  exchange: Exchange,
  fault: LateLandingFault,
  routed: RoutedRequest,
  request: ApplicableRequest,
  entry: RecordedRequest,
): void {
  const { core } = context;
  context.gateway.lateLandings.schedule(fault.applyAfterMs, () => {
    try {
      const result = core.apply(routed, request);
      core.state.counters.lateApplied(routed.operation);
      entry.lateAppliedStatus = result.status;
    } catch (error) {
      console.error("pulumi-panther emulator: internal error in a late landing:", error);
    }
    // A hanging client learns nothing before the request has landed.
    exchange.destroy(false);
  });
  if (fault.answer === "reset") exchange.destroy(true);
  else if (fault.answer === "hang") exchange.hang();
  else exchange.respond(faultAnswer(fault));
}

async function handleApiRequest(
  context: PipelineContext,
  req: IncomingMessage,
  res: ServerResponse,
  routed: RoutedRequest,
): Promise<void> {
  const { core, gateway } = context;
  const remoteAddress = req.socket.remoteAddress ?? "";
  const entry = core.arrive(routed, headersOf(req), remoteAddress);
  const exchange = new Exchange(core, req, res);

  try {
    let body: Buffer;
    try {
      const result = await readBody(req, MAX_BODY_BYTES);
      if (!result.ok) {
        exchange.respond(TOO_LARGE);
        return;
      }
      body = result.body;
    } catch {
      // The client went away mid-body: nothing to answer.
      exchange.destroy(false);
      return;
    }

    const apiKey = singleHeader(req.headers["x-api-key"]);
    const request: ApplicableRequest = { apiKey, remoteAddress, body: body.toString("utf8") };
    const fault = gateway.faults.take(routed.operation, core.targetId(routed, apiKey));
    switch (fault?.kind) {
      case "reset":
        exchange.destroy(true);
        return;
      case "status":
        exchange.respond(faultAnswer(fault));
        return;
      case "lateLanding":
        holdForLateLanding(context, exchange, fault, routed, request, entry);
        return;
      case "delay":
        await sleep(fault.ms, context.closing);
        // A client that gave up still gets its change applied, as with a real
        // server; only a closing emulator applies nothing more.
        if (context.closing.aborted) {
          exchange.destroy(false);
          return;
        }
        break;
      default:
        break;
    }

    const response = core.apply(routed, request);
    if (fault?.kind === "dropAfterApply") {
      exchange.destroy(false);
      return;
    }
    if (fault?.kind === "rawBody") {
      exchange.respond({
        status: fault.status,
        text: fault.body,
        headers: { "content-type": fault.contentType ?? "application/json" },
      });
      return;
    }
    exchange.respond(response);
  } catch (error) {
    console.error("pulumi-panther emulator: internal error:", error);
    exchange.respond(messageResponse(500, "internal emulator error"));
  }
}

/** Handles one HTTP request end to end. Never rejects. */
export async function handleRequest(
  context: PipelineContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const routed = context.core.route(req.method ?? "GET", req.url ?? "/");
    if (routed.path !== undefined && isControlPath(routed.path)) {
      await handleControlRequest(context, req, res, routed.path);
      return;
    }
    await handleApiRequest(context, req, res, routed);
  } catch (error) {
    // API requests catch their own errors, so this is a control request whose
    // connection died mid-body, or a bug.
    if (!req.socket.destroyed) {
      console.error("pulumi-panther emulator: internal error:", error);
      sendResponse(res, context.core.render(messageResponse(500, "internal emulator error")));
    }
  }
}

/**
 * What happens to each HTTP request, in order:
 *
 * 1. Requests under `<basePath>/_emulator` go to the control API and skip
 *    everything below.
 * 2. Route, count (`requests`, `byOperation`) and record the request.
 * 3. Read the body (over `MAX_BODY_BYTES` → 413).
 * 4. Injected faults: `reset` and `status` answer here, without applying
 *    anything; `delay` waits, then carries on.
 * 5. Rate limit (429 with `Retry-After`), then seeded random failures; both
 *    answer without applying anything.
 * 6. The Panther behaviour (`handleApi`): auth, permissions, validation, the
 *    change itself; unknown paths 404, wrong methods 405.
 * 7. `dropAfterApply` destroys the socket instead of answering; `rawBody`
 *    replaces the answer. Otherwise the real answer is sent.
 *
 * Every request ends in exactly one `byStatus` count: its status, or `none`
 * when the socket was destroyed (by a fault, or by the client going away).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { handleApi } from "./api";
import { NO_RESPONSE } from "./counters";
import { CONTROL_PREFIX, handleControl, type ControlContext } from "./controlHttp";
import type { StatusFault } from "./faults";
import {
  MAX_BODY_BYTES,
  messageResponse,
  readBody,
  sendResponse,
  type EmulatorResponse,
} from "./http";
import { matchRoute, type RouteMatch } from "./routes";
import type { EmulatorState } from "./state";

/** What the pipeline needs from its emulator. */
export interface PipelineContext extends ControlContext {
  readonly state: EmulatorState;
  /** Path prefix of every route, `""` or like `/v1`. */
  readonly basePath: string;
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

function statusFaultResponse(fault: StatusFault): EmulatorResponse {
  const headers = fault.headers ?? {};
  if (typeof fault.body === "string") return { status: fault.status, text: fault.body, headers };
  const json = fault.body ?? { message: STATUS_CODES[fault.status] ?? "injected failure" };
  return { status: fault.status, json, headers };
}

/** The path below the base path, or `undefined` if the request is outside it. */
function relativePath(path: string, basePath: string): string | undefined {
  if (basePath === "") return path;
  if (path === basePath) return "/";
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

function isControlPath(path: string): boolean {
  return path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`);
}

async function handleControlRequest(
  context: PipelineContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const body = await readBody(req, MAX_BODY_BYTES);
  if (!body.ok) {
    sendResponse(res, messageResponse(413, `request body exceeds ${MAX_BODY_BYTES} bytes`));
    return;
  }
  sendResponse(
    res,
    handleControl(context, {
      method: req.method ?? "GET",
      path: path.slice(CONTROL_PREFIX.length),
      adminHeader: singleHeader(req.headers["x-emulator-admin"]),
      body: body.body,
    }),
  );
}

async function handleApiRequest(
  context: PipelineContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  match: RouteMatch,
): Promise<void> {
  const { state } = context;
  const method = req.method ?? "GET";
  const operation = match.kind === "api" ? match.route.operation : "other";
  const remoteAddress = req.socket.remoteAddress ?? "";
  state.counters.request(operation);
  state.log.record({
    method,
    path: url.pathname,
    url: req.url ?? "/",
    operation,
    headers: Object.fromEntries(
      Object.entries(req.headers).filter(
        (entry): entry is [string, string | string[]] => entry[1] !== undefined,
      ),
    ),
    remoteAddress,
    receivedAt: new Date().toISOString(),
  });

  let finished = false;
  const respond = (response: EmulatorResponse): void => {
    if (finished) return;
    finished = true;
    if (req.socket.destroyed) {
      state.counters.outcome(NO_RESPONSE);
      return;
    }
    state.counters.outcome(response.status);
    sendResponse(res, response);
  };
  const destroy = (reset: boolean): void => {
    if (finished) return;
    finished = true;
    state.counters.outcome(NO_RESPONSE);
    if (reset) req.socket.resetAndDestroy();
    else req.socket.destroy();
  };

  try {
    let body: Buffer;
    try {
      const result = await readBody(req, MAX_BODY_BYTES);
      if (!result.ok) {
        respond(
          messageResponse(413, `request body exceeds ${MAX_BODY_BYTES} bytes`, {
            connection: "close",
          }),
        );
        return;
      }
      body = result.body;
    } catch {
      // The client went away mid-body: nothing to answer.
      destroy(false);
      return;
    }

    const apiKey = singleHeader(req.headers["x-api-key"]);
    let targetId: string | undefined;
    if (match.kind === "api" && "id" in match.route) {
      targetId =
        match.route.id === "self"
          ? apiKey === undefined
            ? undefined
            : state.store.lookup(apiKey)?.id
          : match.route.id;
    }
    const fault = state.faults.take(operation, targetId);
    if (fault?.kind === "reset") {
      destroy(true);
      return;
    }
    if (fault?.kind === "status") {
      respond(statusFaultResponse(fault));
      return;
    }
    if (fault?.kind === "delay") {
      await sleep(fault.ms, context.closing);
      // A client that gave up still gets its change applied, as with a real
      // server; only a closing emulator applies nothing more.
      if (context.closing.aborted) {
        destroy(false);
        return;
      }
    }

    const limiter = state.rateLimiter;
    if (limiter !== undefined && !limiter.tryTake()) {
      respond(
        messageResponse(429, "rate limit exceeded", {
          "retry-after": String(limiter.config.retryAfterSeconds),
        }),
      );
      return;
    }
    const failure = state.randomFailures?.next();
    if (failure !== undefined) {
      respond(messageResponse(failure, `${STATUS_CODES[failure] ?? "failure"} (injected)`));
      return;
    }

    let response: EmulatorResponse;
    if (match.kind === "api") {
      response = handleApi(state, match.route, {
        apiKey,
        remoteAddress,
        body,
        query: url.searchParams,
      });
    } else if (match.kind === "methodNotAllowed") {
      response = messageResponse(405, `method ${method} not allowed on ${url.pathname}`, {
        allow: match.allow.join(", "),
      });
    } else {
      response = messageResponse(404, `no route for ${method} ${url.pathname}`);
    }

    if (fault?.kind === "dropAfterApply") {
      destroy(false);
      return;
    }
    if (fault?.kind === "rawBody") {
      respond({
        status: fault.status,
        text: fault.body,
        headers: { "content-type": fault.contentType ?? "application/json" },
      });
      return;
    }
    respond(response);
  } catch (error) {
    console.error("pulumi-panther emulator: internal error:", error);
    respond(messageResponse(500, "internal emulator error"));
  }
}

/** Handles one HTTP request end to end. Never rejects. */
export async function handleRequest(
  context: PipelineContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    // Prefixing the origin (rather than passing it as a base) keeps a target
    // like "//x" a path instead of a protocol-relative URL.
    const target = req.url ?? "/";
    const url = new URL(`http://emulator.invalid${target.startsWith("/") ? "" : "/"}${target}`);
    const path = relativePath(url.pathname, context.basePath);
    if (path !== undefined && isControlPath(path)) {
      await handleControlRequest(context, req, res, path);
      return;
    }
    const match: RouteMatch =
      path === undefined ? { kind: "notFound" } : matchRoute(req.method ?? "GET", path);
    await handleApiRequest(context, req, res, url, match);
  } catch (error) {
    // API requests catch their own errors, so this is a control request whose
    // connection died mid-body, or a bug.
    if (!req.socket.destroyed) {
      console.error("pulumi-panther emulator: internal error:", error);
      sendResponse(res, messageResponse(500, "internal emulator error"));
    }
  }
}

/**
 * The emulator's Panther behaviour without sockets or real time: routing,
 * authentication, permissions, validation, canonical forms, stamps and the
 * `Date` header, request in, response out. The HTTP server is built on it
 * (adding the gateway: faults, late landings, and the control routes under
 * `/_emulator`), so the two cannot drift.
 *
 * @example
 * let now = Date.parse("2030-01-01T00:00:00Z");
 * const core = createEmulatorCore({ now: () => now });
 * const answer = core.handle({
 *   method: "GET",
 *   path: "/api-tokens/self",
 *   headers: { "x-api-key": core.adminKey },
 *   body: "",
 * });
 * now += 60_000; // virtual time: propagation delays and stamps follow it
 */
import { handleApi } from "./api";
import { EmulatorClock } from "./clock";
import { createControl, type EmulatorCoreControl } from "./control";
import { faultAnswer, type LateLandingFault, type StatusFault } from "./faults";
import type { RecordedRequest } from "./requestLog";
import {
  MAX_BODY_BYTES,
  messageResponse,
  renderResponse,
  type EmulatorResponse,
  type WireResponse,
} from "./http";
import type { RequestOperation } from "./operations";
import { resolveOptions, type EmulatorOptions, type ResolvedOptions } from "./options";
import { matchRoute, type RouteMatch } from "./routes";
import { EmulatorState } from "./state";

/** Name of the bootstrap admin token every emulator starts with. */
export const ADMIN_TOKEN_NAME = "emulator-admin";

/** A request handed to {@link EmulatorCore.handle}. */
export interface EmulatorCoreRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The request target: path (with the `basePath` option, if set) and query, e.g. `/api-tokens?limit=5`. */
  readonly path: string;
  /** Request headers; names are case-insensitive. `X-API-Key` authenticates. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text (`""` for none). */
  readonly body: string;
  /** The caller's address, checked against the calling token's allow-list. Default `127.0.0.1`. */
  readonly remoteAddress?: string;
}

/** An answer from {@link EmulatorCore.handle}: what the HTTP server would send. */
export interface EmulatorCoreResponse {
  readonly status: number;
  /** Lower-case names: `date` always; `content-type` and `content-length` with a body; `allow` on 405. */
  readonly headers: Record<string, string>;
  /** The body text; `""` for none (204). */
  readonly body: string;
}

/** Options of {@link createEmulatorCore}: those of `startEmulator`, and a clock. */
export type EmulatorCoreOptions = EmulatorOptions & {
  /**
   * Base clock in epoch ms; default `Date.now`. Stamps, the `Date` header,
   * propagation delays and `receivedAt` follow it (plus `clockOffsetMs`).
   */
  now?: () => number;
};

/** An in-process emulator: Panther's behaviour with no HTTP and no gateway. */
export interface EmulatorCore {
  /**
   * Answers one request as the HTTP server would if no fault applied: same routing (paths outside `basePath`, unknown
   * paths and `/_emulator`, whose routes belong to the HTTP server, answer
   * 404), same 413 above `MAX_BODY_BYTES`, same bodies and headers. Counted
   * and recorded like an HTTP request. Never throws for bad input.
   */
  handle(request: EmulatorCoreRequest): EmulatorCoreResponse;
  /**
   * What a request is, as the server routes it: its operation (`other` for no endpoint) and the
   * token id its path names (`self` resolved for `apiKey`), for a transport that matches faults
   * in process (the same {@link FaultTable} matching the HTTP server does). Counts nothing.
   */
  classify(
    method: string,
    target: string,
    apiKey: string | undefined,
  ): { readonly operation: RequestOperation; readonly tokenId: string | undefined };
  /**
   * What a fault that answers in Panther's place sends (see `faultAnswer`), rendered as the
   * server renders it (its `Date` on the emulator's clock), for an in-process transport.
   * Counts nothing.
   */
  faultAnswer(fault: StatusFault | LateLandingFault): EmulatorCoreResponse;
  /** Steers the core (tokens, counters, clock, ...); see {@link EmulatorCoreControl}. */
  readonly control: EmulatorCoreControl;
  /** The bootstrap admin token's value (every permission, no CIDR limit, usable at once). */
  readonly adminKey: string;
  readonly adminTokenId: string;
}

/** A request routed by {@link Core.route}. */
export interface RoutedRequest {
  readonly method: string;
  /** The target as sent, query included. */
  readonly target: string;
  readonly url: URL;
  /** Path below `basePath`, or `undefined` if the request is outside it. */
  readonly path: string | undefined;
  readonly match: RouteMatch;
  readonly operation: RequestOperation;
}

/** The request fields the API handlers read, kept for a late landing. */
export interface ApplicableRequest {
  readonly apiKey: string | undefined;
  readonly remoteAddress: string;
  readonly body: string;
}

/** 413 for a body over {@link MAX_BODY_BYTES}; the HTTP server closes the connection after it. */
export const TOO_LARGE: EmulatorResponse = messageResponse(
  413,
  `request body exceeds ${MAX_BODY_BYTES} bytes`,
  { connection: "close" },
);

/** The pieces the HTTP pipeline composes; {@link Core.handle} composes them without a gateway. */
export class Core {
  readonly state: EmulatorState;
  readonly control: EmulatorCoreControl;
  readonly adminKey: string;
  readonly adminTokenId: string;
  readonly basePath: string;

  constructor(resolved: ResolvedOptions, now: () => number) {
    this.state = new EmulatorState({
      clock: new EmulatorClock(now, resolved.clockOffsetMs, resolved.dateHeaderSkewMs),
      propagationDelayMs: resolved.propagationDelayMs,
      pageSize: resolved.pageSize,
      allowedPermissions: new Set(resolved.allowedPermissions),
      forbiddenBodyShape: resolved.forbiddenBodyShape,
      canonicalForms: resolved.canonicalForms,
      answerStamps: resolved.answerStamps,
      actorShape: resolved.actorShape,
      idMatching: resolved.idMatching,
    });
    const admin = this.state.store.create(
      {
        name: ADMIN_TOKEN_NAME,
        permissions: resolved.allowedPermissions,
        allowedCIDRBlocks: [],
        cidrBlocks: [],
      },
      { kind: "system", id: "emulator" },
      { value: resolved.adminKey, immediate: true },
    );
    this.state.adminTokenId = admin.token.id;
    this.adminKey = resolved.adminKey;
    this.adminTokenId = admin.token.id;
    this.basePath = resolved.basePath;
    this.control = createControl(this.state);
  }

  /** Routes a request target. */
  route(method: string, target: string): RoutedRequest {
    // Prefixing the origin (rather than passing it as a base) keeps a target
    // like "//x" a path instead of a protocol-relative URL.
    const url = new URL(`http://emulator.invalid${target.startsWith("/") ? "" : "/"}${target}`);
    const path = relativePath(url.pathname, this.basePath);
    const match: RouteMatch = path === undefined ? { kind: "notFound" } : matchRoute(method, path);
    const operation = match.kind === "api" ? match.route.operation : "other";
    return { method, target, url, path, match, operation };
  }

  /** Counts and records an arriving request; returns its log entry. */
  arrive(
    routed: RoutedRequest,
    headers: RecordedRequest["headers"],
    remoteAddress: string,
  ): RecordedRequest {
    this.state.counters.request(routed.operation);
    return this.state.log.record({
      method: routed.method,
      path: routed.url.pathname,
      url: routed.target,
      operation: routed.operation,
      headers,
      remoteAddress,
      receivedAt: this.state.clock.stamp(),
    });
  }

  /** The token id a request's path names, `self` resolved through its key; for fault matching. */
  targetId(routed: RoutedRequest, apiKey: string | undefined): string | undefined {
    const { match } = routed;
    if (match.kind !== "api" || !("id" in match.route)) return undefined;
    if (match.route.id !== "self") return match.route.id;
    return apiKey === undefined ? undefined : this.state.store.lookup(apiKey)?.id;
  }

  /** Applies a request: Panther's answer, and any change it makes. */
  apply(routed: RoutedRequest, request: ApplicableRequest): EmulatorResponse {
    const { match, method, url } = routed;
    if (match.kind === "api") {
      return handleApi(this.state, match.route, { ...request, query: url.searchParams });
    }
    if (match.kind === "methodNotAllowed") {
      return messageResponse(405, `method ${method} not allowed on ${url.pathname}`, {
        allow: match.allow.join(", "),
      });
    }
    return messageResponse(404, `no route for ${method} ${url.pathname}`);
  }

  /** Serializes an answer with the emulator's `Date` header. */
  render(response: EmulatorResponse): WireResponse {
    return renderResponse(response, this.state.clock.httpDate());
  }

  /** See {@link EmulatorCore.handle}. */
  handle(request: EmulatorCoreRequest): EmulatorCoreResponse {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name.toLowerCase()] = value;
    }
    const remoteAddress = request.remoteAddress ?? "127.0.0.1";
    const routed = this.route(request.method, request.path);
    this.arrive(routed, { ...headers }, remoteAddress);
    const response =
      Buffer.byteLength(request.body, "utf8") > MAX_BODY_BYTES
        ? TOO_LARGE
        : this.apply(routed, { apiKey: headers["x-api-key"], remoteAddress, body: request.body });
    this.state.counters.outcome(response.status);
    return this.render(response);
  }
}

/** The path below the base path, or `undefined` if the request is outside it. */
function relativePath(path: string, basePath: string): string | undefined {
  if (basePath === "") return path;
  if (path === basePath) return "/";
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : undefined;
}

/**
 * Creates an in-process emulator core. Options are those of `startEmulator`
 * (the listening ones, `host`, `port` and `keepAliveTimeoutMs`, are checked
 * but unused) plus `now`. Throws `EmulatorError` (`EMULATOR_INVALID_OPTION`)
 * for bad options.
 */
export function createEmulatorCore(options: EmulatorCoreOptions = {}): EmulatorCore {
  const { now = Date.now, ...rest } = options;
  const core = new Core(resolveOptions(rest), now);
  return {
    handle: (request) => core.handle(request),
    classify: (method, target, apiKey) => {
      const routed = core.route(method, target);
      return { operation: routed.operation, tokenId: core.targetId(routed, apiKey) };
    },
    faultAnswer: (fault) => core.render(faultAnswer(fault)),
    control: core.control,
    adminKey: core.adminKey,
    adminTokenId: core.adminTokenId,
  };
}

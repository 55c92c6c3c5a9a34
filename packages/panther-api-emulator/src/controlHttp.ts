/**
 * The control API over HTTP, for tests and demos in another process. Its routes, bodies,
 * answers and errors are documented once, in this package's README ("The control API").
 *
 * Control requests are not API requests: they are not counted (except as
 * connections), not recorded, and never hit by faults.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { ConsoleTokenChanges, ConsoleTokenInput, EmulatorControl } from "./control";
import { EmulatorError } from "./errors";
import type { Fault } from "./faults";
import { jsonResponse, messageResponse, type EmulatorResponse } from "./http";
import { isJsonObject } from "./json";

/** Path prefix of the control API, below the emulator's base path. */
export const CONTROL_PREFIX = "/_emulator";

/** Header carrying the admin key on control requests. */
export const CONTROL_HEADER = "X-Emulator-Admin";

/** A control request, as the pipeline hands it over. */
export interface ControlRequest {
  /** HTTP method, as sent. */
  readonly method: string;
  /** Path below {@link CONTROL_PREFIX}, e.g. `/counters` (may be empty). */
  readonly path: string;
  /** The `X-Emulator-Admin` header, if sent once. */
  readonly adminHeader: string | undefined;
  /** The raw request body (may be empty). */
  readonly body: Buffer;
}

/** What the control routes need besides the control object. */
export interface ControlContext {
  readonly control: EmulatorControl;
  /** The key the `X-Emulator-Admin` header must carry. */
  readonly adminKey: string;
  /** The emulator's base URL, answered by `GET /_emulator/info`. */
  readonly url: string;
  /** Id of the bootstrap admin token, answered by `GET /_emulator/info`. */
  readonly adminTokenId: string;
}

const NO_CONTENT: EmulatorResponse = { status: 204 };

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Constant-time comparison of the admin header with the admin key. */
function isAdmin(header: string | undefined, adminKey: string): boolean {
  return header !== undefined && timingSafeEqual(digest(header), digest(adminKey));
}

function badInput(message: string): EmulatorError {
  return new EmulatorError("EMULATOR_INVALID_INPUT", message);
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) throw badInput("request body is required");
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    throw badInput("request body is not valid JSON");
  }
}

function parseObject(body: Buffer): Record<string, unknown> {
  const value = parseBody(body);
  if (!isJsonObject(value)) throw badInput("request body must be a JSON object");
  return value;
}

function methodNotAllowed(allow: string): EmulatorResponse {
  return messageResponse(405, "method not allowed", { allow });
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badInput(`malformed path segment ${JSON.stringify(segment)}`);
  }
}

function tokenRoutes(
  context: ControlContext,
  request: ControlRequest,
  rest: string[],
): EmulatorResponse {
  const { control } = context;
  const { method } = request;
  if (rest.length === 0) {
    if (method === "GET") return jsonResponse(200, control.listTokens());
    if (method === "POST") {
      // createToken checks every field at run time; the cast only names the expected shape.
      const input = parseObject(request.body) as unknown as ConsoleTokenInput;
      return jsonResponse(200, control.createToken(input));
    }
    return methodNotAllowed("GET, POST");
  }
  const id = decodeSegment(rest[0] ?? "");
  if (rest.length === 1) {
    if (method === "GET") {
      const token = control.getToken(id);
      return token === undefined
        ? messageResponse(404, `api token ${JSON.stringify(id)} not found`)
        : jsonResponse(200, token);
    }
    if (method === "PATCH") {
      // updateToken checks every field at run time; the cast only names the expected shape.
      const changes = parseObject(request.body) as unknown as ConsoleTokenChanges;
      return jsonResponse(200, control.updateToken(id, changes));
    }
    if (method === "DELETE") {
      control.deleteToken(id);
      return NO_CONTENT;
    }
    return methodNotAllowed("DELETE, GET, PATCH");
  }
  if (rest.length === 2 && rest[1] === "rotate") {
    if (method !== "POST") return methodNotAllowed("POST");
    const user = request.body.length === 0 ? undefined : parseObject(request.body)["user"];
    if (user !== undefined && typeof user !== "string") throw badInput("user must be a string");
    return jsonResponse(200, { value: control.rotateToken(id, user) });
  }
  return messageResponse(404, "no such control route");
}

/** `PUT /_emulator/<name>` routes: each checks its body and changes one setting (→ 204). */
const SETTINGS = new Map<string, (control: EmulatorControl, body: Buffer) => void>(
  Object.entries({
    "propagation-delay": (control, body) => {
      const ms = parseObject(body)["ms"];
      if (typeof ms !== "number") throw badInput("ms must be a number");
      control.setPropagationDelay(ms);
    },
    // setClock checks both fields at run time.
    clock: (control, body) => {
      control.setClock(parseObject(body));
    },
  }),
);

function route(context: ControlRequest & ControlContext): EmulatorResponse {
  const { control, method, body } = context;
  const segments = context.path.split("/").slice(1);
  const [head = "", ...rest] = segments;
  const setting = rest.length === 0 ? SETTINGS.get(head) : undefined;
  if (setting !== undefined) {
    if (method !== "PUT") return methodNotAllowed("PUT");
    setting(control, body);
    return NO_CONTENT;
  }
  switch (`${head}${rest.length === 0 ? "" : `/${rest.join("/")}`}`) {
    case "info":
      if (method !== "GET") return methodNotAllowed("GET");
      return jsonResponse(200, { url: context.url, adminTokenId: context.adminTokenId });
    case "counters":
      if (method !== "GET") return methodNotAllowed("GET");
      return jsonResponse(200, control.counters());
    case "counters/reset":
      if (method !== "POST") return methodNotAllowed("POST");
      control.resetCounters();
      return NO_CONTENT;
    case "faults":
      if (method === "POST") {
        const fault = parseObject(body);
        if (fault["times"] === "always") fault["times"] = Infinity;
        // addFault validates the fault at run time; the cast only names the expected shape.
        return jsonResponse(200, { id: control.addFault(fault as unknown as Fault) });
      }
      if (method === "DELETE") {
        control.clearFaults();
        return NO_CONTENT;
      }
      return methodNotAllowed("DELETE, POST");
    case "raw-tokens":
      if (method !== "POST") return methodNotAllowed("POST");
      return jsonResponse(200, { id: control.insertRawToken(parseObject(body)) });
    case "authenticate": {
      if (method !== "POST") return methodNotAllowed("POST");
      const value = parseObject(body)["value"];
      if (typeof value !== "string") throw badInput("value must be a string");
      return jsonResponse(200, { tokenId: control.authenticate(value) ?? null });
    }
    case "requests":
      if (method === "GET") return jsonResponse(200, control.recentRequests());
      if (method === "DELETE") {
        control.clearRecentRequests();
        return NO_CONTENT;
      }
      return methodNotAllowed("DELETE, GET");
    default:
      break;
  }
  if (head === "tokens") return tokenRoutes(context, context, rest);
  return messageResponse(404, "no such control route");
}

/**
 * Answers one control request. Checks the admin header first, then routes;
 * {@link EmulatorError}s from the control object become 400 or 404.
 */
export function handleControl(context: ControlContext, request: ControlRequest): EmulatorResponse {
  if (!isAdmin(request.adminHeader, context.adminKey)) {
    return messageResponse(401, `missing or wrong ${CONTROL_HEADER} header`);
  }
  try {
    return route({ ...context, ...request });
  } catch (error) {
    if (error instanceof EmulatorError) return messageResponse(error.status, error.message);
    throw error;
  }
}

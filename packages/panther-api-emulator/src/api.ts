/**
 * Panther's `/api-tokens` behaviour: authentication, the CIDR allow-list,
 * permissions, validation, and the six operations. Pure request → response;
 * the pipeline around it handles HTTP, counting and faults.
 *
 * Checks run in this order, and the first failure answers:
 * 1. `X-API-Key` missing → 401; unknown, rotated away, deleted or not yet
 *    propagated → 401 (same message for all four, as a real server would).
 * 2. Caller's address outside the calling token's `allowedCIDRBlocks` → 403.
 *    From here on the call counts as a use of the token (`lastUsedAt`).
 * 3. Missing permission → 403: `OrganizationAPITokenRead` for list and get,
 *    `OrganizationAPITokenModify` for create, update, delete and rotate. A
 *    token may always get and rotate itself (`self` or its own id).
 * 4. Body and query validation → 400; deleting or rotating the bootstrap
 *    admin token → 400 (the emulator's users sign in with it).
 * 5. Unknown token id → 404. Raw records (`insertRawToken`) are found by GET
 *    and DELETE, which needs no valid record; update and rotate, which do,
 *    answer 404 for them.
 */
import { MODIFY_PERMISSION, READ_PERMISSION } from "./permissions";
import { displayAddress, isAddressAllowed } from "./cidr";
import { decodeCursor, encodeCursor } from "./cursor";
import { jsonResponse, messageResponse, type EmulatorResponse } from "./http";
import type { ApiRoute } from "./routes";
import type { EmulatorState } from "./state";
import type { Caller } from "./store";
import type { StoredActor } from "./token";
import { validateModifyBody, type Validation } from "./validation";

/** What the API handlers need from an HTTP request. */
export interface ApiRequest {
  /** The `X-API-Key` header, if sent once. */
  readonly apiKey: string | undefined;
  /** The socket's remote address, checked against the caller's allow-list. */
  readonly remoteAddress: string;
  /** The request body as text (may be empty). */
  readonly body: string;
  readonly query: URLSearchParams;
}

/** Result of authenticating a request: the caller, or the response refusing it. */
export type Authentication =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly response: EmulatorResponse };

function forbidden(state: EmulatorState, message: string): EmulatorResponse {
  return state.forbiddenBodyShape === "error"
    ? jsonResponse(403, { error: "forbidden" })
    : messageResponse(403, message);
}

/**
 * Steps 1 and 2 above. On success, records the use of the token
 * (`lastUsedAt`).
 */
export function authenticate(state: EmulatorState, request: ApiRequest): Authentication {
  if (request.apiKey === undefined || request.apiKey === "") {
    return { ok: false, response: messageResponse(401, "missing X-API-Key header") };
  }
  const caller = state.store.lookup(request.apiKey);
  if (caller?.propagated !== true) {
    return { ok: false, response: messageResponse(401, "invalid API key") };
  }
  if (!isAddressAllowed(caller.cidrBlocks, request.remoteAddress)) {
    const address = displayAddress(request.remoteAddress);
    return {
      ok: false,
      response: forbidden(state, `requests from ${address} are not allowed for this API token`),
    };
  }
  state.store.markUsed(caller.id);
  return { ok: true, caller };
}

function parseJson(body: string): Validation<unknown> {
  if (body.length === 0) return { ok: false, message: "request body is required" };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false, message: "request body is not valid JSON" };
  }
}

function notFound(id: string): EmulatorResponse {
  return messageResponse(404, `api token ${JSON.stringify(id)} not found`);
}

function listTokens(state: EmulatorState, query: URLSearchParams): EmulatorResponse {
  const cursor = query.get("cursor") ?? "";
  const after = cursor === "" ? 0 : decodeCursor(cursor);
  if (after === undefined) return messageResponse(400, `invalid cursor ${JSON.stringify(cursor)}`);
  const limitText = query.get("limit");
  let limit = state.pageSize;
  if (limitText !== null) {
    if (!/^[1-9][0-9]{0,8}$/.test(limitText)) {
      return messageResponse(
        400,
        `invalid limit ${JSON.stringify(limitText)}: must be a positive integer`,
      );
    }
    limit = Math.min(limit, Number(limitText));
  }
  const page = state.store.page(after, limit);
  return jsonResponse(
    200,
    page.nextAfter === undefined
      ? { results: page.records }
      : { results: page.records, next: encodeCursor(page.nextAfter) },
  );
}

function bootstrapRefusal(action: "deleted" | "rotated", verb: string): EmulatorResponse {
  return messageResponse(
    400,
    `the emulator's bootstrap admin token cannot be ${action} through the API: the emulator's ` +
      `admin key is its value, and tests and tools sign in with it. Create another token for the ` +
      `test (POST /api-tokens) and ${verb} that one`,
  );
}

/** A create or rotate answer: the token with its value, stamps left out with `answerStamps: "none"`. */
function withValue(
  state: EmulatorState,
  issued: { token: object; value: string },
): EmulatorResponse {
  const body: Record<string, unknown> = { ...issued.token, value: issued.value };
  if (state.answerStamps === "none") {
    delete body["updatedAt"];
    delete body["rotatedAt"];
  }
  return jsonResponse(200, body);
}

/**
 * Answers one routed API request, applying any change it asks for. Never
 * throws for bad input; every refusal is a response.
 */
export function handleApi(
  state: EmulatorState,
  route: ApiRoute,
  request: ApiRequest,
): EmulatorResponse {
  const auth = authenticate(state, request);
  if (!auth.ok) return auth.response;
  const caller = auth.caller;
  const actor: StoredActor = { kind: "api-token", id: caller.id, name: caller.name };

  const resolve = (id: string): string => (id === "self" ? caller.id : state.store.canonicalId(id));
  const selfExempt =
    (route.operation === "get" || route.operation === "rotate") && resolve(route.id) === caller.id;
  const needed =
    route.operation === "list" || route.operation === "get" ? READ_PERMISSION : MODIFY_PERMISSION;
  if (!selfExempt && !caller.permissions.has(needed)) {
    return forbidden(state, `this API token is missing the ${needed} permission`);
  }

  switch (route.operation) {
    case "create": {
      const input = parseModifyBody(state, request.body);
      if (!input.ok) return messageResponse(400, input.message);
      return withValue(state, state.store.create(input.value, actor));
    }
    case "list":
      return listTokens(state, request.query);
    case "get": {
      const record = state.store.getRecord(resolve(route.id));
      return record === undefined ? notFound(route.id) : jsonResponse(200, record);
    }
    case "update": {
      const input = parseModifyBody(state, request.body);
      if (!input.ok) return messageResponse(400, input.message);
      const token = state.store.update(resolve(route.id), input.value, actor);
      return token === undefined ? notFound(route.id) : jsonResponse(200, token);
    }
    case "delete":
      if (resolve(route.id) === state.adminTokenId) return bootstrapRefusal("deleted", "delete");
      return state.store.delete(resolve(route.id)) ? { status: 204 } : notFound(route.id);
    case "rotate": {
      if (resolve(route.id) === state.adminTokenId) return bootstrapRefusal("rotated", "rotate");
      const rotated = state.store.rotate(resolve(route.id), actor);
      return rotated === undefined ? notFound(route.id) : withValue(state, rotated);
    }
  }
}

function parseModifyBody(
  state: EmulatorState,
  body: string,
): ReturnType<typeof validateModifyBody> {
  const json = parseJson(body);
  if (!json.ok) return json;
  return validateModifyBody(json.value, state);
}

/**
 * Routing of Panther's `/api-tokens` paths and methods to operations.
 *
 * | method | path                       | operation |
 * |--------|----------------------------|-----------|
 * | POST   | /api-tokens                | create    |
 * | GET    | /api-tokens                | list      |
 * | GET    | /api-tokens/{id}           | get       |
 * | POST   | /api-tokens/{id}           | update    |
 * | DELETE | /api-tokens/{id}           | delete    |
 * | POST   | /api-tokens/{id}/rotate    | rotate    |
 */

/** A request routed to one of the six API operations. `id` is percent-decoded and may be `self`. */
export type ApiRoute =
  | { readonly operation: "create" }
  | { readonly operation: "list" }
  | { readonly operation: "get" | "update" | "delete" | "rotate"; readonly id: string };

/** Outcome of {@link matchRoute}. */
export type RouteMatch =
  | { readonly kind: "api"; readonly route: ApiRoute }
  | { readonly kind: "notFound" }
  | { readonly kind: "methodNotAllowed"; readonly allow: readonly string[] };

const NOT_FOUND: RouteMatch = { kind: "notFound" };

function decodeId(segment: string): string | undefined {
  if (segment === "") return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Routes `method` and `path` (the path without query string, relative to the
 * emulator's base path). Paths are matched exactly: a trailing slash or an
 * empty id is a different path and gives `notFound`; a known path with
 * another method gives `methodNotAllowed` with the methods it does accept.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.split("/");
  if (segments[0] !== "" || segments[1] !== "api-tokens") return NOT_FOUND;
  if (segments.length === 2) {
    if (method === "POST") return { kind: "api", route: { operation: "create" } };
    if (method === "GET") return { kind: "api", route: { operation: "list" } };
    return { kind: "methodNotAllowed", allow: ["GET", "POST"] };
  }
  const id = decodeId(segments[2] ?? "");
  if (id === undefined) return NOT_FOUND;
  if (segments.length === 3) {
    if (method === "GET") return { kind: "api", route: { operation: "get", id } };
    if (method === "POST") return { kind: "api", route: { operation: "update", id } };
    if (method === "DELETE") return { kind: "api", route: { operation: "delete", id } };
    return { kind: "methodNotAllowed", allow: ["DELETE", "GET", "POST"] };
  }
  if (segments.length === 4 && segments[3] === "rotate") {
    if (method === "POST") return { kind: "api", route: { operation: "rotate", id } };
    return { kind: "methodNotAllowed", allow: ["POST"] };
  }
  return NOT_FOUND;
}

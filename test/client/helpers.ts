/** Shared pieces of the client tests: a local HTTP server, a fake clock, token bodies. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isPantherError, type PantherError } from "../../provider/client/errors";

/** A real HTTP server on 127.0.0.1, port 0, answering with `handler`. */
export interface LocalServer {
  readonly url: string;
  /** Requests received, in order: method, URL and the API key header. */
  readonly requests: { method: string; url: string; key: string | undefined }[];
  close(): Promise<void>;
}

export async function startLocalServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<LocalServer> {
  const requests: LocalServer["requests"] = [];
  const server = createServer((request, response) => {
    const key = request.headers["x-api-key"];
    requests.push({
      method: request.method ?? "",
      url: request.url ?? "",
      key: typeof key === "string" ? key : undefined,
    });
    // Drain the body before answering, as a real server does.
    request.resume();
    request.on("end", () => {
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Answers `status` with `body` as JSON (a string is sent as is) and extra headers. */
export function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(text);
}

/** A clock that only moves when slept on (or told to): waits cost no wall time. */
export class FakeClock {
  time: number;
  readonly slept: number[] = [];
  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

/** A token body as Panther returns it. */
export function tokenBody(
  id: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    name: `name-${id}`,
    permissions: ["RuleRead"],
    allowedCIDRBlocks: [],
    createdAt: "2026-01-01T00:00:00Z",
    ...extra,
  };
}

/** Runs `fn`, expecting a PantherError, and returns it. */
export async function failure(fn: () => Promise<unknown>): Promise<PantherError> {
  try {
    await fn();
  } catch (error) {
    if (!isPantherError(error)) throw error;
    return error;
  }
  throw new Error("expected a PantherError");
}

/**
 * The pieces (8 characters or more, case ignored) of `secret` found in
 * `text`: empty when nothing of it leaked.
 */
export function leakedPieces(text: string, secret: string): string[] {
  const haystack = text.toLowerCase();
  const found: string[] = [];
  for (let i = 0; i + 8 <= secret.length; i++) {
    const piece = secret.slice(i, i + 8);
    if (haystack.includes(piece.toLowerCase())) found.push(piece);
  }
  return found;
}

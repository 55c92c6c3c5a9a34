/**
 * Small HTTP helpers shared by the API and the control routes: the response
 * value handlers return, reading a bounded body, and writing a response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Largest request body accepted, in bytes (1 MiB); bigger bodies get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * An answer to send. `json` is serialized with `Content-Type:
 * application/json`; `text` is sent as is (default content type
 * `text/plain; charset=utf-8` unless `headers` sets one); neither means an
 * empty body (as for 204).
 */
export interface EmulatorResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Extra headers; they override the defaults (names are case-insensitive). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Body to serialize as JSON. */
  readonly json?: unknown;
  /** Body to send as is, when `json` is not set. */
  readonly text?: string;
}

/** A JSON answer. */
export function jsonResponse(
  status: number,
  json: unknown,
  headers?: Readonly<Record<string, string>>,
): EmulatorResponse {
  return headers === undefined ? { status, json } : { status, json, headers };
}

/** A `{"message": "..."}` answer, the error shape Panther's spec declares. */
export function messageResponse(
  status: number,
  message: string,
  headers?: Readonly<Record<string, string>>,
): EmulatorResponse {
  return jsonResponse(status, { message }, headers);
}

/** The body of a request, or `tooLarge` once more than `limit` bytes arrived (the rest is drained). */
export type BodyResult =
  { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly tooLarge: true };

/**
 * Reads a request body up to `limit` bytes. Past the limit, the rest is read
 * and discarded so the client gets to read the 413 instead of a broken pipe.
 * Rejects if the connection dies mid-body.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(chunk);
  }
  return tooLarge ? { ok: false, tooLarge: true } : { ok: true, body: Buffer.concat(chunks) };
}

/** Writes `response` to `res`. Does nothing if the connection is already gone. */
export function sendResponse(res: ServerResponse, response: EmulatorResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = {};
  let payload: string | undefined;
  if (response.json !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(response.json);
  } else if (response.text !== undefined) {
    headers["content-type"] = "text/plain; charset=utf-8";
    payload = response.text;
  }
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

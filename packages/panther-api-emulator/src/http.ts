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

/** An answer as bytes go out: status, lower-case headers, body text (`""` for none). */
export interface WireResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Serializes `response` with `date` as its `Date` header. The emulator sets
 * `Date` itself on every answer so its clock settings apply (Node then adds
 * none of its own); `response.headers` may still override it.
 */
export function renderResponse(response: EmulatorResponse, date: string): WireResponse {
  const headers: Record<string, string> = { date };
  let body: string | undefined;
  if (response.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(response.json);
  } else if (response.text !== undefined) {
    headers["content-type"] = "text/plain; charset=utf-8";
    body = response.text;
  }
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  return { status: response.status, headers, body: body ?? "" };
}

/** Writes `wire` to `res`. Does nothing if the connection is already gone. */
export function sendResponse(res: ServerResponse, wire: WireResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(wire.status, wire.headers);
  res.end(wire.body === "" ? undefined : wire.body);
}

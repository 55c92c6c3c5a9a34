/**
 * Small HTTP helpers for the emulator tests: one call, JSON in and out.
 */
import { request as httpRequest } from "node:http";
import type { Emulator } from "../src";

/** What a test needs from an answer. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Sent as `X-API-Key`; omit to send none. */
  key?: string;
  /** Serialized as JSON. */
  body?: unknown;
  /** Sent byte for byte instead of `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Calls `method path` on the emulator (path relative to `emulator.url`). */
export async function call(
  emulator: Emulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers["x-api-key"] = options.key;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  if (options.signal !== undefined) init.signal = options.signal;
  const response = await fetch(`${emulator.url}${path}`, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A token object from an answer, for field access in assertions. */
export function asToken(value: unknown): Record<string, unknown> & { id: string } {
  if (
    typeof value !== "object" ||
    value === null ||
    !("id" in value) ||
    typeof value.id !== "string"
  ) {
    throw new Error(`expected a token object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown> & { id: string };
}

/** Creates a token over the API with the admin key and returns its id and value. */
export async function createViaApi(
  emulator: Emulator,
  body: { name: string; permissions: string[]; allowedCIDRBlocks?: string[] },
): Promise<{ id: string; value: string }> {
  const answer = await call(emulator, "POST", "/api-tokens", { key: emulator.adminKey, body });
  if (answer.status !== 200) throw new Error(`create failed: ${answer.status} ${answer.text}`);
  const token = asToken(answer.json);
  if (typeof token["value"] !== "string") throw new Error("create returned no value");
  return { id: token.id, value: token["value"] };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An answer's status and its headers exactly as sent (name, value, name, value, ...). */
export interface RawAnswer {
  status: number;
  rawHeaders: string[];
}

/**
 * Calls the emulator with `node:http`, which keeps repeated headers apart
 * (fetch joins them), to check what the server itself put on the wire.
 */
export function rawCall(
  emulator: Emulator,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${emulator.url}${path}`, { method, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** The values of header `name` (any case) in `rawHeaders`. */
export function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === name) values.push(rawHeaders[index + 1] ?? "");
  }
  return values;
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

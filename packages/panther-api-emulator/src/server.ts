/**
 * A local Panther API emulator: a real HTTP server implementing Panther's
 * REST `/api-tokens` endpoints, for tests, demos and trying a stack offline.
 *
 * @example
 * const emulator = await startEmulator();
 * const res = await fetch(`${emulator.url}/api-tokens/self`, {
 *   headers: { "X-API-Key": emulator.adminKey },
 * });
 * await emulator.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { EmulatorControl } from "./control";
import { Core } from "./core";
import { createGatewayControl, Gateway } from "./gateway";
import { resolveOptions, type EmulatorOptions } from "./options";
import { handleRequest, type PipelineContext } from "./pipeline";

export type { EmulatorOptions } from "./options";

/** A running emulator. */
export interface Emulator {
  /**
   * Base URL of the API, without a trailing slash, e.g.
   * `http://127.0.0.1:43121` (plus the `basePath` option, if set). REST
   * paths are appended to it (`${url}/api-tokens`), and so is the control
   * API (`${url}/_emulator`). When listening on `0.0.0.0` or `::` it names the
   * matching loopback address instead.
   */
  readonly url: string;
  /** The TCP port listened on (the picked one when the `port` option was 0). */
  readonly port: number;
  /**
   * The bootstrap admin token's value, and the control API key
   * (`X-Emulator-Admin`) for the emulator's whole life. The token has every
   * allowed permission and no CIDR limit. The REST API refuses to delete or
   * rotate it (400); if a test does so through the control API, this string
   * stops being an API key but stays the control key.
   */
  readonly adminKey: string;
  /** Id of the bootstrap admin token. */
  readonly adminTokenId: string;
  /** The in-process control API. */
  readonly control: EmulatorControl;
  /**
   * Stops listening, destroys every open socket (idle keep-alive ones too),
   * ends pending injected delays and cancels pending late landings without
   * applying them, so test runs end promptly. Safe to call more than once;
   * later calls return the same promise.
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost(address: AddressInfo): string {
  if (address.address === "0.0.0.0") return "127.0.0.1";
  if (address.address === "::") return "[::1]";
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}

/**
 * Starts an emulator and resolves once it is listening: an HTTP server and
 * gateway around the same core `createEmulatorCore` gives.
 *
 * The emulator starts with one token, the admin token (`ADMIN_TOKEN_NAME`),
 * whose value is `adminKey`: usable at once, whatever the propagation delay.
 *
 * Rejects with `EmulatorError` (`EMULATOR_INVALID_OPTION`) for bad options
 * (for example a non-loopback host without `allowRemote`), or with the
 * `listen` error (such as `EADDRINUSE`).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const core = new Core(resolved, Date.now);
  const gateway = new Gateway();
  const control = createGatewayControl(core.control, gateway);
  const closing = new AbortController();
  const sockets = new Set<Socket>();

  const server = createServer();
  server.keepAliveTimeout = resolved.keepAliveTimeoutMs;
  server.on("connection", (socket: Socket) => {
    core.state.counters.connection();
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const address = await listen(server, resolved.port, resolved.host);
  const url = `http://${urlHost(address)}:${address.port}${resolved.basePath}`;
  const context: PipelineContext = {
    core,
    gateway,
    control,
    adminKey: resolved.adminKey,
    adminTokenId: core.adminTokenId,
    url,
    closing: closing.signal,
  };
  // Attached once the URL is known; no request can be read before this runs.
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    void handleRequest(context, req, res);
  });

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    adminKey: resolved.adminKey,
    adminTokenId: core.adminTokenId,
    control,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        gateway.lateLandings.cancelAll();
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}

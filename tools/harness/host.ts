/**
 * The provider side of a deployment: the SDK's real dynamic-provider host
 * (`@pulumi/pulumi/cmd/dynamic-provider`, a gRPC server) started from a scratch install, and a
 * client that sends it the requests the Pulumi engine sends.
 *
 * The generated gRPC and protobuf code is loaded from the scratch install (not from this
 * repository) so message classes are the ones the host itself uses. Requests mirror the
 * engine's (pulumi/pulumi `sdk/go/common/resource/plugin/provider_plugin.go`): Configure sends
 * `variables` and `args` and announces secrets/resources/old-inputs support; every resource
 * call sends `urn`, `name` and `type`; Diff, Update and Delete send the old inputs.
 */
import type * as grpc from "@grpc/grpc-js";
import type * as provGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as provPb from "@pulumi/pulumi/proto/provider_pb";
import type * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";

import { childEnv } from "./exec";
import { loadScratchModules, readPort } from "./host-process";
import {
  HostError,
  SECRET_SIG,
  SIG_KEY,
  decodeInitFailure,
  fromStruct,
  setResourceIdentity,
  toStructInput,
  zeroCounts,
  type CallCounts,
  type CheckResult,
  type CreateResult,
  type DiffResult,
  type HostMethod,
  type PropertyMap,
  type ReadResult,
  type ScratchModules,
  type UpdateResult,
} from "./host-wire";

export * from "./host-wire";

/** Options for {@link startHost}. */
export interface StartHostOptions {
  /** Scratch project whose `@pulumi/pulumi` provides the host. */
  readonly scratchDir: string;
  /** Extra environment for the host process (e.g. credentials, state files of fixtures). */
  readonly env?: Readonly<Record<string, string>>;
  /** Give up if the host has not printed its port after this long. Default 30 000 ms. */
  readonly startTimeoutMs?: number;
  /** Deadline of every gRPC call. Default 60 000 ms. */
  readonly callTimeoutMs?: number;
}

/** Options for {@link ProviderHost.configure}. */
export interface ConfigureOptions {
  /** Config keys whose values are secret; sent wrapped as secrets in `args`, as the engine does. */
  readonly secretKeys?: readonly string[];
  /** Stack name, used in the default provider's URN. Default `"dev"`. */
  readonly stack?: string;
  /** Project name, used in the default provider's URN. Default `"project"`. */
  readonly project?: string;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_CALL_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 5_000;
const DYNAMIC_PROVIDER_PACKAGE = "pulumi-nodejs";

/**
 * A running dynamic-provider host and a client for it. Create one with {@link startHost};
 * always {@link ProviderHost.close} it (e.g. in `afterEach`).
 */
export class ProviderHost {
  /** Port the host listens on (127.0.0.1). */
  readonly port: number;
  /** Process id of the host. */
  readonly pid: number;

  private readonly mods: ScratchModules;
  private readonly client: provGrpc.ResourceProviderClient;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly callTimeoutMs: number;
  private readonly counts: CallCounts = zeroCounts();
  private readonly out: { stdout: string; stderr: string; all: string };
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(args: {
    mods: ScratchModules;
    child: ChildProcessWithoutNullStreams;
    port: number;
    callTimeoutMs: number;
    out: { stdout: string; stderr: string; all: string };
  }) {
    this.mods = args.mods;
    this.child = args.child;
    this.port = args.port;
    this.pid = args.child.pid ?? -1;
    this.callTimeoutMs = args.callTimeoutMs;
    this.out = args.out;
    this.client = new args.mods.provGrpc.ResourceProviderClient(
      `127.0.0.1:${String(args.port)}`,
      args.mods.grpc.credentials.createInsecure(),
    );
    args.child.on("exit", (code, signal) => {
      this.exitInfo = { code, signal };
    });
  }

  /** @internal Used by {@link startHost}. */
  static async start(opts: StartHostOptions): Promise<ProviderHost> {
    const mods = loadScratchModules(opts.scratchDir);
    const entry = path.join(
      opts.scratchDir,
      "node_modules",
      "@pulumi",
      "pulumi",
      "cmd",
      "dynamic-provider",
      "index.js",
    );
    // The second argument is the engine address; the host requires one but never dials it.
    const child = spawn(process.execPath, [entry, "127.0.0.1:1"], {
      cwd: opts.scratchDir,
      env: childEnv(opts.env ?? {}),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out = { stdout: "", stderr: "", all: "" };
    const port = await readPort(child, out, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    return new ProviderHost({
      mods,
      child,
      port,
      callTimeoutMs: opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      out,
    });
  }

  /**
   * Sends Configure as the engine does for the default `pulumi-nodejs` provider: `args` holds
   * the whole stack config with namespaced keys (secret values wrapped as secrets), and
   * `variables` the same values under the legacy `pulumi-nodejs:config:<key>` spelling.
   * The host keeps the config and hands it to the provider's `configure` on its first call.
   *
   * @example
   * await host.configure({ "panther:url": url, "panther:apiKey": key }, { secretKeys: ["panther:apiKey"] });
   */
  async configure(
    config: Readonly<Record<string, string>>,
    opts: ConfigureOptions = {},
  ): Promise<void> {
    const { provPb: pb, structPb: sp } = this.mods;
    const secret = new Set(opts.secretKeys ?? []);
    const args: Record<string, unknown> = {};
    const req = new pb.ConfigureRequest();
    const variables = req.getVariablesMap();
    for (const [k, v] of Object.entries(config)) {
      args[k] = secret.has(k) ? { [SIG_KEY]: SECRET_SIG, value: v } : v;
      variables.set(`${DYNAMIC_PROVIDER_PACKAGE}:config:${k}`, v);
    }
    const stack = opts.stack ?? "dev";
    const project = opts.project ?? "project";
    req.setArgs(sp.Struct.fromJavaScript(toStructInput(args)));
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    req.setUrn(
      `urn:pulumi:${stack}::${project}::pulumi:providers:${DYNAMIC_PROVIDER_PACKAGE}::default`,
    );
    req.setName("default");
    req.setType(`pulumi:providers:${DYNAMIC_PROVIDER_PACKAGE}`);
    req.setId(randomBytes(16).toString("hex"));
    await this.unary<provPb.ConfigureResponse>("configure", undefined, (md, co, cb) =>
      this.client.configure(req, md, co, cb),
    );
  }

  /**
   * Sends Check(olds, news). `olds` are the resource's previous inputs (`{}` for a new one);
   * `news` are the program's inputs, which may hold {@link UNKNOWN} during a preview.
   *
   * @example
   * const { inputs, failures } = await host.check(urn, {}, reg.inputs);
   */
  async check(
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    opts: { readonly randomSeed?: Uint8Array } = {},
  ): Promise<CheckResult> {
    const { provPb: pb } = this.mods;
    const req = new pb.CheckRequest();
    setResourceIdentity(req, urn);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    req.setRandomseed(opts.randomSeed ?? randomBytes(32));
    const resp = await this.unary<provPb.CheckResponse>("check", urn, (md, co, cb) =>
      this.client.check(req, md, co, cb),
    );
    return {
      inputs: fromStruct(resp.getInputs()),
      failures: resp
        .getFailuresList()
        .map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  /** The fields Diff and Update share: the resource, its outputs, the new and old inputs. */
  private setChange(
    req: provPb.DiffRequest | provPb.UpdateRequest,
    id: string,
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs: PropertyMap | undefined,
    ignoreChanges: readonly string[] = [],
  ): void {
    req.setId(id);
    setResourceIdentity(req, urn);
    req.setOlds(this.struct(olds));
    req.setNews(this.struct(news));
    if (oldInputs !== undefined) req.setOldInputs(this.struct(oldInputs));
    req.setIgnorechangesList([...ignoreChanges]);
  }

  /**
   * Sends Diff: `olds` are the resource's current **outputs**, `news` the checked new inputs,
   * `oldInputs` its current inputs (the engine always sends them).
   *
   * @example
   * const d = await host.diff(state.id, urn, state.outputs, checked.inputs, state.inputs);
   */
  async diff(
    id: string,
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs?: PropertyMap,
    opts: { readonly ignoreChanges?: readonly string[] } = {},
  ): Promise<DiffResult> {
    const { provPb: pb } = this.mods;
    const req = new pb.DiffRequest();
    this.setChange(req, id, urn, olds, news, oldInputs, opts.ignoreChanges);
    const resp = await this.unary<provPb.DiffResponse>("diff", urn, (md, co, cb) =>
      this.client.diff(req, md, co, cb),
    );
    const C = pb.DiffResponse.DiffChanges;
    const raw = resp.getChanges();
    return {
      changes: raw === C.DIFF_SOME ? "some" : raw === C.DIFF_NONE ? "none" : "unknown",
      replaces: resp.getReplacesList(),
      stables: resp.getStablesList(),
      diffs: resp.getDiffsList(),
      deleteBeforeReplace: resp.getDeletebeforereplace(),
    };
  }

  /**
   * Sends Create with the checked inputs. The engine never sends `preview: true` to a dynamic
   * provider (the host does not announce preview support); the option exists to probe the host.
   *
   * @example
   * const { id, properties } = await host.create(urn, checked.inputs);
   */
  async create(
    urn: string,
    properties: PropertyMap,
    opts: { readonly preview?: boolean; readonly timeoutSeconds?: number } = {},
  ): Promise<CreateResult> {
    const { provPb: pb } = this.mods;
    const req = new pb.CreateRequest();
    setResourceIdentity(req, urn);
    req.setProperties(this.struct(properties));
    req.setPreview(opts.preview ?? false);
    req.setTimeout(opts.timeoutSeconds ?? 0);
    const resp = await this.unary<provPb.CreateResponse>("create", urn, (md, co, cb) =>
      this.client.create(req, md, co, cb),
    );
    return { id: resp.getId(), properties: fromStruct(resp.getProperties()) };
  }

  /**
   * Sends Read. On refresh the engine sends the outputs as `properties` and the inputs as
   * `inputs`; for an import it sends the id only (pass `{}` and no inputs).
   *
   * @example
   * const r = await host.read(state.id, urn, state.outputs, state.inputs);
   * if (r.id === "") { // the resource is gone }
   */
  async read(
    id: string,
    urn: string,
    properties: PropertyMap,
    inputs?: PropertyMap,
  ): Promise<ReadResult> {
    const { provPb: pb } = this.mods;
    const req = new pb.ReadRequest();
    req.setId(id);
    setResourceIdentity(req, urn);
    req.setProperties(this.struct(properties));
    if (inputs !== undefined) {
      req.setInputs(this.struct(inputs));
    }
    const resp = await this.unary<provPb.ReadResponse>("read", urn, (md, co, cb) =>
      this.client.read(req, md, co, cb),
    );
    const result: ReadResult = { id: resp.getId(), properties: fromStruct(resp.getProperties()) };
    return resp.hasInputs() ? { ...result, inputs: fromStruct(resp.getInputs()) } : result;
  }

  /**
   * Sends Update: `olds` are the current outputs, `news` the checked new inputs, `oldInputs`
   * the current inputs.
   *
   * @example
   * const { properties } = await host.update(state.id, urn, state.outputs, checked.inputs, state.inputs);
   */
  async update(
    id: string,
    urn: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs?: PropertyMap,
    opts: {
      readonly preview?: boolean;
      readonly ignoreChanges?: readonly string[];
      readonly timeoutSeconds?: number;
    } = {},
  ): Promise<UpdateResult> {
    const { provPb: pb } = this.mods;
    const req = new pb.UpdateRequest();
    this.setChange(req, id, urn, olds, news, oldInputs, opts.ignoreChanges);
    req.setPreview(opts.preview ?? false);
    req.setTimeout(opts.timeoutSeconds ?? 0);
    const resp = await this.unary<provPb.UpdateResponse>("update", urn, (md, co, cb) =>
      this.client.update(req, md, co, cb),
    );
    return { properties: fromStruct(resp.getProperties()) };
  }

  /**
   * Sends Delete with the resource's outputs as `properties` and its inputs as `oldInputs`.
   *
   * @example
   * await host.delete(state.id, urn, state.outputs, state.inputs);
   */
  async delete(
    id: string,
    urn: string,
    properties: PropertyMap,
    oldInputs?: PropertyMap,
    opts: { readonly timeoutSeconds?: number } = {},
  ): Promise<void> {
    const { provPb: pb } = this.mods;
    const req = new pb.DeleteRequest();
    req.setId(id);
    setResourceIdentity(req, urn);
    req.setProperties(this.struct(properties));
    if (oldInputs !== undefined) {
      req.setOldInputs(this.struct(oldInputs));
    }
    req.setTimeout(opts.timeoutSeconds ?? 0);
    await this.unary<unknown>("delete", urn, (md, co, cb) => this.client.delete(req, md, co, cb));
  }

  /** Calls made to each method so far (attempts, including failed ones). */
  callCounts(): CallCounts {
    return { ...this.counts };
  }

  /** Everything the host printed on stdout and stderr, interleaved in arrival order. */
  output(): string {
    return this.out.all;
  }

  /** What the host printed on stdout after its port line (provider `console.log`s). */
  stdout(): string {
    return this.out.stdout;
  }

  /** What the host printed on stderr (provider errors, stack traces). */
  stderr(): string {
    return this.out.stderr;
  }

  /** How the host process ended, or undefined while it runs. */
  exitStatus():
    { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** Closes the client and stops the host (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  async close(): Promise<void> {
    this.client.close();
    if (
      this.exitInfo !== undefined ||
      this.child.exitCode !== null ||
      this.child.signalCode !== null
    ) {
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill("SIGKILL");
      }, CLOSE_TIMEOUT_MS);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill("SIGTERM");
    });
  }

  private struct(value: PropertyMap): structPb.Struct {
    return this.mods.structPb.Struct.fromJavaScript(toStructInput(value));
  }

  private unary<T>(
    method: HostMethod,
    urn: string | undefined,
    call: (
      md: grpc.Metadata,
      co: Partial<grpc.CallOptions>,
      cb: (err: grpc.ServiceError | null, resp: T) => void,
    ) => unknown,
  ): Promise<T> {
    this.counts[method] += 1;
    const md = new this.mods.grpc.Metadata();
    const co = { deadline: Date.now() + this.callTimeoutMs };
    return new Promise<T>((resolve, reject) => {
      call(md, co, (err, resp) => {
        if (err !== null) {
          reject(this.toHostError(err, method, urn));
          return;
        }
        resolve(resp);
      });
    });
  }

  private toHostError(
    err: grpc.ServiceError,
    method: HostMethod,
    urn: string | undefined,
  ): HostError {
    const initFailure = decodeInitFailure(this.mods, err.metadata);
    const exited =
      this.exitInfo === undefined
        ? ""
        : ` (the host process exited: code ${String(this.exitInfo.code)}, signal ${String(this.exitInfo.signal)})`;
    const message = err.details !== "" ? err.details : err.message;
    return new HostError(`${message}${exited}`, {
      code: err.code,
      method,
      urn,
      initFailure,
      cause: err,
    });
  }
}

/**
 * Starts the SDK's dynamic-provider host from a scratch project and connects a client.
 * The host runs with the scratch directory as its working directory and the current
 * environment plus `env`.
 *
 * @example
 * const host = await startHost({ scratchDir, env: { ECHO_STATE_FILE: file } });
 * try { await host.configure({}); } finally { await host.close(); }
 */
export function startHost(opts: StartHostOptions): Promise<ProviderHost> {
  return ProviderHost.start(opts);
}

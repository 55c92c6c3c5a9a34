/**
 * The contenders of the overhead and memory sections, each able to take token `i` through
 * create → read → rename → rotate → delete:
 *
 * - {@link HostDriver}: a dynamic provider (pulumi-panther or the floor provider) driven
 *   through the SDK's real dynamic-provider host over gRPC, with the requests the engine sends.
 * - {@link DirectDriver}: the same HTTP requests made straight from this process with an
 *   undici Pool: the physical limit, with no Pulumi in the way.
 */
import { Pool } from "undici";

import type { PropertyMap, ProviderHost, Registration } from "../tools/harness";
import { urnFor } from "./context";

/** The lifecycle steps every driver performs, in order. */
export const LIFECYCLE_PHASES = ["create", "read", "rename", "rotate", "delete"] as const;

/** One lifecycle step. */
export type LifecyclePhase = (typeof LIFECYCLE_PHASES)[number];

/** A contender: performs each lifecycle step for token slot `i` of the current batch. */
export interface LifecycleDriver {
  /** Display name. */
  readonly label: string;
  /** Process id of the provider host, when driven through one. */
  readonly pid: number | undefined;
  /** Starts a batch of `count` fresh tokens named `<prefix>-<i>`; forgets the previous batch. */
  begin(count: number, prefix: string): void;
  /** Runs one step for token `i` of the batch. */
  step(phase: LifecyclePhase, i: number): Promise<void>;
}

interface HostSlot {
  readonly urn: string;
  readonly name: string;
  id: string;
  inputs: PropertyMap;
  outputs: PropertyMap;
}

/**
 * Drives a dynamic provider through its host as the engine does: Create with checked inputs;
 * Read with outputs and inputs (refresh); Update with old outputs, new inputs and old inputs;
 * Delete with outputs and inputs. Each token has its own URN.
 */
export class HostDriver implements LifecycleDriver {
  readonly label: string;
  readonly pid: number;
  private readonly host: ProviderHost;
  private readonly template: Registration;
  private readonly checked: PropertyMap;
  private slots: HostSlot[] = [];

  private constructor(
    label: string,
    host: ProviderHost,
    template: Registration,
    checked: PropertyMap,
  ) {
    this.label = label;
    this.host = host;
    this.pid = host.pid;
    this.template = template;
    this.checked = checked;
  }

  /**
   * Configures the host (empty stack config: credentials come from its environment) and checks
   * the template's inputs once; every token then starts from those checked inputs with its own
   * name, as if Check had run for it.
   */
  static async create(
    label: string,
    host: ProviderHost,
    template: Registration,
  ): Promise<HostDriver> {
    await host.configure({});
    const { inputs, failures } = await host.check(template.urn, {}, template.inputs);
    if (failures.length > 0) {
      throw new Error(`${label}: the template inputs fail Check: ${JSON.stringify(failures)}`);
    }
    return new HostDriver(label, host, template, inputs);
  }

  begin(count: number, prefix: string): void {
    this.slots = Array.from({ length: count }, (_, i) => {
      const name = `${prefix}-${String(i)}`;
      return {
        urn: urnFor(this.template, name),
        name,
        id: "",
        inputs: { ...this.checked, name },
        outputs: {},
      };
    });
  }

  async step(phase: LifecyclePhase, i: number): Promise<void> {
    const s = this.slot(i);
    switch (phase) {
      case "create": {
        const created = await this.host.create(s.urn, s.inputs);
        s.id = created.id;
        s.outputs = created.properties;
        return;
      }
      case "read": {
        const read = await this.host.read(s.id, s.urn, s.outputs, s.inputs);
        if (read.id !== s.id)
          throw new Error(`${this.label}: read of ${s.id} answered "${read.id}"`);
        s.outputs = read.properties;
        return;
      }
      case "rename":
        await this.update(s, { ...s.inputs, name: `${s.name}-renamed` });
        return;
      case "rotate":
        await this.update(s, { ...s.inputs, rotationTrigger: "r2" });
        return;
      case "delete":
        await this.host.delete(s.id, s.urn, s.outputs, s.inputs);
        return;
    }
  }

  /**
   * What a preview of the rename costs: Check of the new inputs against the old, then Diff
   * against the stored outputs, as the engine does before an update. Throws unless the
   * provider reports a change.
   */
  async previewRename(i: number): Promise<void> {
    const s = this.slot(i);
    const news = { ...s.inputs, name: `${s.name}-renamed` };
    const { inputs } = await this.host.check(s.urn, s.inputs, news);
    const diff = await this.host.diff(s.id, s.urn, s.outputs, inputs, s.inputs);
    if (diff.changes === "none")
      throw new Error(`${this.label}: Diff missed the rename of ${s.id}`);
  }

  private async update(s: HostSlot, news: PropertyMap): Promise<void> {
    const updated = await this.host.update(s.id, s.urn, s.outputs, news, s.inputs);
    s.inputs = news;
    s.outputs = updated.properties;
  }

  private slot(i: number): HostSlot {
    const s = this.slots[i];
    if (s === undefined) throw new Error(`${this.label}: no token ${String(i)} in this batch`);
    return s;
  }
}

interface DirectSlot {
  readonly name: string;
  id: string;
}

/**
 * The same HTTP requests as the providers make (same headers, JSON bodies, one keep-alive pool
 * of 32 connections), sent straight from this process: no gRPC, no provider host.
 */
export class DirectDriver implements LifecycleDriver {
  readonly label: string;
  readonly pid = undefined;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly key: string;
  private readonly body: { permissions: readonly string[]; allowedCIDRBlocks: readonly string[] };
  private slots: DirectSlot[] = [];

  constructor(
    label: string,
    url: string,
    key: string,
    body: { permissions: readonly string[]; allowedCIDRBlocks: readonly string[] },
  ) {
    this.label = label;
    const parsed = new URL(url);
    this.pool = new Pool(parsed.origin, { connections: 32, pipelining: 1 });
    this.basePath = parsed.pathname.replace(/\/$/, "");
    this.key = key;
    this.body = body;
  }

  begin(count: number, prefix: string): void {
    this.slots = Array.from({ length: count }, (_, i) => ({
      name: `${prefix}-${String(i)}`,
      id: "",
    }));
  }

  async step(phase: LifecyclePhase, i: number): Promise<void> {
    const s = this.slots[i];
    if (s === undefined) throw new Error(`${this.label}: no token ${String(i)} in this batch`);
    const path = `/api-tokens/${encodeURIComponent(s.id)}`;
    switch (phase) {
      case "create": {
        // As a safe create: born locked to a mark, then given its declared blocks.
        const token = await this.call("POST", "/api-tokens", {
          name: s.name,
          ...this.body,
          allowedCIDRBlocks: [`2001:db8::${(i + 1).toString(16)}/128`],
        });
        if (typeof token !== "object" || token === null || !("id" in token)) {
          throw new Error(`${this.label}: create answered no id`);
        }
        s.id = String(token.id);
        await this.call("POST", `/api-tokens/${encodeURIComponent(s.id)}`, {
          name: s.name,
          ...this.body,
        });
        return;
      }
      case "read":
        await this.call("GET", path);
        return;
      case "rename":
        await this.call("POST", path, { name: `${s.name}-renamed`, ...this.body });
        return;
      case "rotate":
        await this.call("POST", `${path}/rotate`);
        return;
      case "delete":
        await this.call("DELETE", path);
        return;
    }
  }

  /** Closes the pool. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async call(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    const headers: Record<string, string> = { "x-api-key": this.key, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await this.pool.request({
      method,
      path: this.basePath + path,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      throw new Error(`${this.label}: ${method} ${path} answered ${String(res.statusCode)}`);
    }
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }
}

import {
  HostError,
  UNKNOWN,
  startHost,
  zeroCounts,
  type ProviderHost,
} from "../../tools/harness/host";
import { registrationNamed, runProgram, type Registration } from "../../tools/harness/program";
import { scratchDirFromEnv } from "../../tools/harness/scratch";
import { echoProgram, newWorldFile, readWorld, removeWorldFile } from "./echo";

const scratchDir = scratchDirFromEnv();

describe("ProviderHost", () => {
  let reg: Registration;
  let host: ProviderHost;
  let world: string;

  beforeAll(async () => {
    const regs = await runProgram({
      scratchDir,
      program: echoProgram([{ name: "a", args: { name: " x ", size: 1 } }]),
    });
    reg = registrationNamed(regs, "a");
  });

  beforeEach(async () => {
    world = newWorldFile();
    host = await startHost({ scratchDir, env: { ECHO_STATE_FILE: world } });
  });

  afterEach(async () => {
    await host.close();
    removeWorldFile(world);
  });

  it("hands the whole namespaced stack config to the provider's configure", async () => {
    await host.configure({ "echo:greeting": "hello", "other:thing": "x" });
    await host.check(reg.urn, {}, reg.inputs);

    expect(readWorld(world).configured).toEqual([{ greeting: "hello" }]);
  });

  it("unwraps secret config before the provider sees it", async () => {
    await host.configure({ "echo:greeting": "s3cret" }, { secretKeys: ["echo:greeting"] });
    await host.check(reg.urn, {}, reg.inputs);

    expect(readWorld(world).configured).toEqual([{ greeting: "s3cret" }]);
  });

  it("configures each provider once per host process", async () => {
    await host.configure({});
    await host.check(reg.urn, {}, reg.inputs);
    await host.check(reg.urn, {}, reg.inputs);

    expect(readWorld(world).configured).toHaveLength(1);
  });

  it("runs check, create, read, diff, update and delete against the provider", async () => {
    await host.configure({});
    const checked = await host.check(reg.urn, {}, reg.inputs);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs["name"]).toBe("x");
    expect(checked.inputs["__provider"]).toBe(reg.inputs["__provider"]);

    const created = await host.create(reg.urn, checked.inputs);
    expect(created.id).toBe("echo-1");
    expect(created.properties).toMatchObject({ name: "x", size: 1, secret: "s3cr3t-echo-1" });
    expect(created.properties["__provider"]).toBe(reg.inputs["__provider"]);

    const read = await host.read(created.id, reg.urn, created.properties, checked.inputs);
    expect(read.id).toBe("echo-1");
    expect(read.inputs).toEqual({ name: "x", size: 1, __provider: reg.inputs["__provider"] });

    const news = { ...checked.inputs, size: 2 };
    const diff = await host.diff(created.id, reg.urn, created.properties, news, checked.inputs);
    expect(diff).toEqual({
      changes: "some",
      replaces: [],
      stables: [],
      diffs: [],
      deleteBeforeReplace: false,
    });

    const updated = await host.update(
      created.id,
      reg.urn,
      created.properties,
      news,
      checked.inputs,
    );
    expect(updated.properties).toMatchObject({ size: 2 });

    await host.delete(created.id, reg.urn, updated.properties, news);
    expect(readWorld(world).records).toEqual({});

    expect(host.callCounts()).toEqual({
      ...zeroCounts(),
      configure: 1,
      check: 1,
      create: 1,
      read: 1,
      diff: 1,
      update: 1,
      delete: 1,
    });
  });

  it("returns check failures with property and reason", async () => {
    await host.configure({});
    const checked = await host.check(reg.urn, {}, { ...reg.inputs, name: "", fail: "check" });

    expect(checked.failures).toEqual([
      { property: "fail", reason: "asked to fail check" },
      { property: "name", reason: "name is required" },
    ]);
  });

  it("passes the unknown value through check", async () => {
    await host.configure({});
    const checked = await host.check(reg.urn, {}, { ...reg.inputs, size: UNKNOWN });

    expect(checked.inputs["size"]).toBe(UNKNOWN);
  });

  it("decodes ErrorResourceInitFailed from a create that failed after creating", async () => {
    await host.configure({});
    const failing = host.create(reg.urn, { ...reg.inputs, name: "x", fail: "create-init" });

    await expect(failing).rejects.toBeInstanceOf(HostError);
    const e = (await failing.catch((err: unknown) => err)) as HostError;
    expect(e.message).toBe("asked to fail create after creating");
    expect(e.code).toBe(2);
    expect(e.method).toBe("create");
    expect(e.urn).toBe(reg.urn);
    expect(e.initFailure).toEqual({
      id: "echo-1",
      properties: expect.objectContaining({ name: "x", secret: "s3cr3t-echo-1" }) as unknown,
      reasons: ["created but not ready"],
    });
  });

  it("reports a plain provider error without initFailure", async () => {
    await host.configure({});
    const e = (await host
      .create(reg.urn, { ...reg.inputs, fail: "create" })
      .catch((err: unknown) => err)) as HostError;

    expect(e).toBeInstanceOf(HostError);
    expect(e.message).toBe("asked to fail create");
    expect(e.initFailure).toBeUndefined();
    expect(readWorld(world).records).toEqual({});
  });

  it("captures what the host prints", async () => {
    await host.configure({});
    await host.update("echo-404", reg.urn, {}, { ...reg.inputs }, {}).catch(() => undefined);
    await host.delete("echo-1", reg.urn, { __provider: "not javascript (" }).catch(() => undefined);

    expect(host.output()).toContain("SyntaxError");
    expect(host.stderr()).toContain("SyntaxError");
  });

  it("stops the process on close", async () => {
    await host.close();

    expect(host.exitStatus()).toBeDefined();
  });
});

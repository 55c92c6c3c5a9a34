import { UNKNOWN } from "../support/host";
import { ROTATION_STAMP_SLACK_MS } from "../../provider/dynamic-provider/rotation";
import { execProgram } from "../support/program";
import { scratchDirFromEnv } from "../support/scratch";
import {
  TOKEN_TYPE,
  TestStack,
  api,
  registrations,
  steps,
  tokensProgram,
  type TokenDecl,
} from "./stack";

const quickstart = (args: Record<string, unknown> = {}): TokenDecl[] => [
  {
    name: "ci",
    args: {
      name: "ci-deployer",
      permissions: ["RuleRead", "RuleModify"],
      allowedCIDRBlocks: ["127.0.0.0/8"],
      rotationTrigger: "2026-Q4",
      ...args,
    },
  },
];

/** A person acts in the Console some time after the stack ran (beyond the stamp slack). */
const consoleLater = () =>
  new Promise((resolve) => setTimeout(resolve, ROTATION_STAMP_SLACK_MS + 100));

let stack: TestStack;
beforeEach(async () => {
  stack = await TestStack.start();
});
afterEach(async () => {
  await stack.close();
});

describe("registration", () => {
  it("names Panther in the type, and registers value as a secret output whatever the options", async () => {
    const [reg] = await registrations([
      {
        name: "a",
        args: { name: "a", permissions: ["RuleRead"] },
        opts: `{ additionalSecretOutputs: ["name"] }`,
      },
    ]);
    expect(reg?.type).toBe(TOKEN_TYPE);
    expect([...(reg?.additionalSecretOutputs ?? [])].sort()).toEqual(["name", "value"]);
    const provider = String(reg?.inputs["__provider"]);
    expect(provider).toContain('require("pulumi-panther/dynamic-provider")');
    expect(Buffer.byteLength(provider)).toBeLessThanOrEqual(512);
  });
});

describe("warnings", () => {
  it("a CIDR block matching every address and a permission newer than the package are accepted with a warning", async () => {
    const wide: TokenDecl[] = [
      {
        name: "wide",
        args: {
          name: "wide",
          permissions: ["RuleRead", "ManageScheduledPrompts"],
          allowUnknownPermissions: true,
          allowedCIDRBlocks: ["0.0.0.0/0", "::/0"],
        },
      },
    ];
    const run = await execProgram({
      scratchDir: scratchDirFromEnv(),
      program: tokensProgram(wide),
    });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(
      /warning: .*"0\.0\.0\.0\/0", which matches every address: it restricts nothing/,
    );
    expect(run.stderr).toMatch(/warning: .*"::\/0", which matches every address/);
    expect(run.stderr).toMatch(/warning: .*"ManageScheduledPrompts" are not known to this version/);
    const plan = await stack.preview(wide);
    expect(plan.result.ok).toBe(true);
  });
});

describe("the lifecycle", () => {
  it("preview → up → refresh → edit → up → rotate → destroy, with the API calls each makes", async () => {
    const control = stack.emulator.control;

    const preview = await stack.preview(quickstart());
    expect(preview.result.ok).toBe(true);
    expect(steps(preview.result)).toEqual([["ci", "create", "succeeded"]]);
    expect(preview.api).toEqual(api({}));
    expect(preview.result.calls.create).toBe(0);

    const up = await stack.up(quickstart());
    expect(up.result.ok).toBe(true);
    expect(up.api).toEqual(api({ create: 1 }));
    const created = stack.resource("ci");
    const first = stack.outputs("ci");
    expect(created?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(control.getToken(created?.id ?? "")).toMatchObject({ name: "ci-deployer" });
    expect(control.authenticate(String(first["value"]))).toBe(created?.id);
    expect(first).toMatchObject({
      name: "ci-deployer",
      permissions: ["RuleModify", "RuleRead"],
      allowedCIDRBlocks: ["127.0.0.0/8"],
      rotationTrigger: "2026-Q4",
      valueStale: false,
    });
    expect(created?.secretOutputs).toContain("value");

    const refresh = await stack.refresh();
    expect(refresh.result.ok).toBe(true);
    expect(refresh.api).toEqual(api({ get: 1 }));
    expect(steps(refresh.result)).toEqual([["ci", "same", "succeeded"]]);
    expect(stack.outputs("ci")["value"]).toBe(first["value"]);

    // Order and duplicates are not changes.
    const reordered = await stack.preview(
      quickstart({ permissions: ["RuleModify", "RuleRead", "RuleRead"] }),
    );
    expect(steps(reordered.result)).toEqual([["ci", "same", "succeeded"]]);
    expect(reordered.api).toEqual(api({}));

    const edited = quickstart({ name: "ci-deployer-2", permissions: ["AlertRead", "RuleRead"] });
    const editPreview = await stack.preview(edited);
    expect(steps(editPreview.result)).toEqual([["ci", "update", "succeeded"]]);
    expect(editPreview.api).toEqual(api({}));
    const edit = await stack.up(edited);
    expect(edit.result.ok).toBe(true);
    expect(edit.api).toEqual(api({ update: 1 }));
    expect(stack.resource("ci")?.id).toBe(created?.id);
    expect(stack.outputs("ci")).toMatchObject({
      name: "ci-deployer-2",
      permissions: ["AlertRead", "RuleRead"],
    });
    expect(stack.outputs("ci")["value"]).toBe(first["value"]);

    const noop = await stack.up(edited);
    expect(steps(noop.result)).toEqual([["ci", "same", "succeeded"]]);
    expect(noop.api).toEqual(api({}));

    const rotatedDecl = quickstart({
      name: "ci-deployer-2",
      permissions: ["AlertRead", "RuleRead"],
      rotationTrigger: "2027-Q1",
    });
    const rotate = await stack.up(rotatedDecl);
    expect(rotate.result.ok).toBe(true);
    expect(rotate.api).toEqual(api({ rotate: 1 }));
    const rotated = stack.outputs("ci");
    expect(stack.resource("ci")?.id).toBe(created?.id);
    expect(rotated["value"]).not.toBe(first["value"]);
    expect(control.authenticate(String(rotated["value"]))).toBe(created?.id);
    expect(control.authenticate(String(first["value"]))).toBeUndefined();
    expect(rotated["rotationTrigger"]).toBe("2027-Q1");

    const destroy = await stack.destroy();
    expect(destroy.result.ok).toBe(true);
    expect(destroy.api).toEqual(api({ delete: 1 }));
    expect(control.getToken(created?.id ?? "")).toBeUndefined();
    expect(stack.engine.state()).toEqual([]);
  });

  it("a rename and a rotation in one up make one update call and one rotate call", async () => {
    await stack.up(quickstart());
    const both = await stack.up(quickstart({ name: "renamed", rotationTrigger: "next" }));
    expect(both.result.ok).toBe(true);
    expect(both.api).toEqual(api({ update: 1, rotate: 1 }));
    expect(stack.outputs("ci")).toMatchObject({ name: "renamed", rotationTrigger: "next" });
  });

  it("values not known during preview pass check and show as changes", async () => {
    const create = await stack.preview(quickstart(), { ci: { name: UNKNOWN } });
    expect(create.result.ok).toBe(true);
    expect(steps(create.result)).toEqual([["ci", "create", "succeeded"]]);
    await stack.up(quickstart());
    const update = await stack.preview(quickstart(), {
      ci: { permissions: ["RuleRead", UNKNOWN] },
    });
    expect(update.result.ok).toBe(true);
    expect(steps(update.result)).toEqual([["ci", "update", "succeeded"]]);
    const trigger = await stack.preview(quickstart(), { ci: { rotationTrigger: UNKNOWN } });
    expect(steps(trigger.result)).toEqual([["ci", "update", "succeeded"]]);
    expect(update.api).toEqual(api({}));
  });

  it("bad input fails preview per property, before any API call", async () => {
    const bad = await stack.preview(
      quickstart({ permissions: ["RuleReed"], allowedCIDRBlocks: ["10.0.0.1/8"] }),
    );
    expect(bad.result.ok).toBe(false);
    const text = bad.result.errors.join("\n");
    expect(text).toMatch(/permissions\[0\].*did you mean "RuleRead"/);
    expect(text).toMatch(/allowedCIDRBlocks\[0\].*use "10\.0\.0\.0\/8"/);
    expect(bad.api).toEqual(api({}));
    expect(stack.emulator.control.counters().requests).toBe(0);
  });
});

describe("drift", () => {
  it("a change made in the Console shows on refresh and is undone by the next up", async () => {
    await stack.up(quickstart());
    const id = stack.resource("ci")?.id ?? "";
    stack.emulator.control.updateToken(id, {
      name: "renamed-in-console",
      permissions: ["RuleRead"],
    });
    const refresh = await stack.refresh();
    expect(refresh.api).toEqual(api({ get: 1 }));
    expect(stack.outputs("ci")).toMatchObject({
      name: "renamed-in-console",
      permissions: ["RuleRead"],
    });
    expect(stack.resource("ci")?.inputs).toMatchObject({ name: "renamed-in-console" });
    const preview = await stack.preview(quickstart());
    expect(steps(preview.result)).toEqual([["ci", "update", "succeeded"]]);
    const up = await stack.up(quickstart());
    expect(up.api).toEqual(api({ update: 1 }));
    expect(stack.emulator.control.getToken(id)).toMatchObject({
      name: "ci-deployer",
      permissions: ["RuleModify", "RuleRead"],
    });
  });

  it("a token deleted in the Console reads as gone; the next up creates a new one", async () => {
    await stack.up(quickstart());
    const id = stack.resource("ci")?.id ?? "";
    stack.emulator.control.deleteToken(id);
    const refresh = await stack.refresh();
    expect(refresh.result.ok).toBe(true);
    expect(steps(refresh.result)).toEqual([["ci", "delete", "succeeded"]]);
    expect(stack.engine.state()).toEqual([]);
    const up = await stack.up(quickstart());
    expect(up.api).toEqual(api({ create: 1 }));
    expect(stack.resource("ci")?.id).not.toBe(id);
  });

  it("a rotation outside the stack marks the value stale on refresh; preview shows it; up restores a working value", async () => {
    await stack.up(quickstart());
    const id = stack.resource("ci")?.id ?? "";
    const before = stack.outputs("ci");
    await consoleLater();
    const consoleValue = stack.emulator.control.rotateToken(id);
    expect(stack.emulator.control.authenticate(String(before["value"]))).toBeUndefined();

    await stack.refresh();
    const refreshed = stack.outputs("ci");
    expect(refreshed["valueStale"]).toBe(true);
    expect(refreshed["rotatedAt"]).not.toBe(before["rotatedAt"]);

    const preview = await stack.preview(quickstart());
    expect(steps(preview.result)).toEqual([["ci", "update", "succeeded"]]);
    expect(preview.api).toEqual(api({}));

    const up = await stack.up(quickstart());
    expect(up.api).toEqual(api({ rotate: 1 }));
    const after = stack.outputs("ci");
    expect(after["valueStale"]).toBe(false);
    expect(stack.emulator.control.authenticate(String(after["value"]))).toBe(id);
    expect(stack.emulator.control.authenticate(consoleValue)).toBeUndefined();
    expect(steps((await stack.preview(quickstart())).result)).toEqual([
      ["ci", "same", "succeeded"],
    ]);
  });

  it("deleting a token already gone is success", async () => {
    await stack.up(quickstart());
    stack.emulator.control.deleteToken(stack.resource("ci")?.id ?? "");
    const destroy = await stack.destroy();
    expect(destroy.result.ok).toBe(true);
    expect(destroy.api).toEqual(api({ delete: 1 }));
    expect(stack.engine.state()).toEqual([]);
  });
});

describe("adoption", () => {
  const existing = () =>
    stack.emulator.control.createToken({
      name: "legacy",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: ["127.0.0.0/8"],
    });
  const adoptDecl = (id: string, extra: Record<string, unknown> = {}): TokenDecl[] => [
    {
      name: "legacy",
      args: {
        name: "legacy",
        permissions: ["RuleRead"],
        allowedCIDRBlocks: ["127.0.0.0/8"],
        adoptTokenId: id,
        ...extra,
      },
    },
  ];

  it("adoptTokenId takes over an existing token and rotates it so the stack holds a working value", async () => {
    const { token, value: old } = existing();
    const up = await stack.up(adoptDecl(token.id));
    expect(up.result.ok).toBe(true);
    expect(up.api).toEqual(api({ get: 1, rotate: 1 }));
    expect(stack.resource("legacy")?.id).toBe(token.id);
    const value = String(stack.outputs("legacy")["value"]);
    expect(stack.emulator.control.authenticate(value)).toBe(token.id);
    expect(stack.emulator.control.authenticate(old)).toBeUndefined();
    const again = await stack.preview(adoptDecl(token.id));
    expect(steps(again.result)).toEqual([["legacy", "same", "succeeded"]]);
    expect(stack.emulator.control.listTokens().filter((t) => t.name === "legacy")).toHaveLength(1);
  });

  it("adoption without rotation keeps the current holders working and shows no diff", async () => {
    const { token, value: old } = existing();
    const up = await stack.up(adoptDecl(token.id, { rotateOnAdopt: false }));
    expect(up.api).toEqual(api({ get: 1 }));
    expect(stack.outputs("legacy")["value"]).toBe("");
    expect(stack.emulator.control.authenticate(old)).toBe(token.id);
    const again = await stack.preview(adoptDecl(token.id, { rotateOnAdopt: false }));
    expect(steps(again.result)).toEqual([["legacy", "same", "succeeded"]]);
  });

  it("adoption brings the token's fields in line with the program in one update", async () => {
    const { token } = existing();
    const up = await stack.up(adoptDecl(token.id, { name: "legacy-managed" }));
    expect(up.api).toEqual(api({ get: 1, update: 1, rotate: 1 }));
    expect(stack.emulator.control.getToken(token.id)?.name).toBe("legacy-managed");
  });

  it("adopting an id that does not exist says what to do, and creates nothing", async () => {
    const up = await stack.up(adoptDecl("11111111-2222-3333-4444-555555555555"));
    expect(up.result.ok).toBe(false);
    expect(up.result.errors.join("\n")).toMatch(
      /no token with id "11111111-2222-3333-4444-555555555555".*Console/,
    );
    expect(stack.engine.state()).toEqual([]);
    expect(up.api.create).toBe(0);
  });

  it("the import resource option adopts a token whose inputs match, with one read", async () => {
    const { token, value: old } = existing();
    const decl: TokenDecl[] = [
      {
        name: "legacy",
        args: { name: "legacy", permissions: ["RuleRead"], allowedCIDRBlocks: ["127.0.0.0/8"] },
        opts: `{ import: ${JSON.stringify(token.id)} }`,
      },
    ];
    const up = await stack.up(decl);
    expect(up.result.ok).toBe(true);
    expect(steps(up.result)).toEqual([["legacy", "import", "succeeded"]]);
    expect(up.api).toEqual(api({ get: 1 }));
    expect(stack.resource("legacy")?.id).toBe(token.id);
    expect(stack.emulator.control.authenticate(old)).toBe(token.id);
  });
});

describe("secrets", () => {
  it("the deployer key appears nowhere in state or host output; token values only as secret outputs", async () => {
    await stack.up(quickstart());
    await stack.refresh();
    await stack.up(quickstart({ rotationTrigger: "again" }));
    const value = String(stack.outputs("ci")["value"]);
    const state = JSON.stringify(stack.engine.stateJSON());
    expect(state).not.toContain(stack.emulator.adminKey);
    expect(state).not.toContain(value);
    expect(stack.host.output()).not.toContain(stack.emulator.adminKey);
    expect(stack.host.output()).not.toContain(value);
    const regs = await registrations(quickstart());
    expect(JSON.stringify(regs)).not.toContain(stack.emulator.adminKey);
  });

  it("without configuration, create fails naming both ways to configure, with no call made", async () => {
    const bare = await TestStack.start({ engine: { config: {} } });
    try {
      const up = await bare.up(quickstart());
      expect(up.result.ok).toBe(false);
      const text = up.result.errors.join("\n");
      expect(text).toMatch(/panther:url/);
      expect(text).toMatch(/PANTHER_API_URL/);
      expect(text).toMatch(/panther:token/);
      expect(text).toMatch(/PANTHER_API_TOKEN/);
      expect(bare.emulator.control.counters().requests).toBe(0);
    } finally {
      await bare.close();
    }
  });

  it("the environment is the fallback for configuration", async () => {
    const emulator = stack.emulator;
    const viaEnv = await TestStack.start({
      engine: { config: {} },
      hostEnv: { PANTHER_API_URL: emulator.url, PANTHER_API_TOKEN: emulator.adminKey },
    });
    try {
      const up = await viaEnv.up(quickstart());
      expect(up.result.ok).toBe(true);
      expect(emulator.control.listTokens().some((t) => t.name === "ci-deployer")).toBe(true);
    } finally {
      await viaEnv.close();
    }
  });
});

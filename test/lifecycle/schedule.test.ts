/**
 * Rotation nobody asked for by hand: `rotateAfterDays`, expiry, and the
 * alternating pair. Time passing is simulated by ageing the timestamps the
 * engine holds in state, exactly what a later run would read.
 */
import { execProgram, runProgram } from "../support/program";
import { scratchDirFromEnv } from "../support/scratch";
import { TestStack, api, steps, type TokenDecl } from "./stack";

const DAY = 24 * 60 * 60 * 1000;

let stack: TestStack;
beforeEach(async () => {
  stack = await TestStack.start();
});
afterEach(async () => {
  await stack.close();
});

/** Rewrites the stored outputs of `name`, as a later run would find them. */
function age(
  name: string,
  patch: (outputs: Record<string, unknown>) => Record<string, unknown>,
): void {
  stack.engine.setState(
    stack.engine
      .state()
      .map((r) => (r.urn.endsWith(`::${name}`) ? { ...r, outputs: patch({ ...r.outputs }) } : r)),
  );
}

const scheduled = (extra: Record<string, unknown> = {}): TokenDecl[] => [
  { name: "ci", args: { name: "ci", permissions: ["RuleRead"], rotateAfterDays: 90, ...extra } },
];

describe("rotateAfterDays", () => {
  it("is not due before the period; due after it, shown in preview and rotated by up", async () => {
    await stack.up(scheduled());
    const fresh = await stack.preview(scheduled());
    expect(steps(fresh.result)).toEqual([["ci", "same", "succeeded"]]);

    const old = new Date(Date.now() - 91 * DAY).toISOString();
    age("ci", (o) => ({ ...o, createdAt: old, valueIssuedAt: old }));
    const due = await stack.preview(scheduled());
    expect(steps(due.result)).toEqual([["ci", "update", "succeeded"]]);
    expect(due.api).toEqual(api({}));

    const before = String(stack.outputs("ci")["value"]);
    const up = await stack.up(scheduled());
    expect(up.api).toEqual(api({ rotate: 1 }));
    const after = stack.outputs("ci");
    expect(after["value"]).not.toBe(before);
    expect(stack.emulator.control.authenticate(String(after["value"]))).toBe(
      stack.resource("ci")?.id,
    );
    expect(steps((await stack.preview(scheduled())).result)).toEqual([["ci", "same", "succeeded"]]);
  });

  it("counts from the last rotation, not from creation", async () => {
    await stack.up(scheduled());
    const created = new Date(Date.now() - 200 * DAY).toISOString();
    const rotated = new Date(Date.now() - 10 * DAY).toISOString();
    age("ci", (o) => ({ ...o, createdAt: created, rotatedAt: rotated, valueIssuedAt: rotated }));
    expect(steps((await stack.preview(scheduled())).result)).toEqual([["ci", "same", "succeeded"]]);
  });

  it("works together with rotationTrigger: one rotation when both ask", async () => {
    await stack.up(scheduled({ rotationTrigger: "a" }));
    const old = new Date(Date.now() - 100 * DAY).toISOString();
    age("ci", (o) => ({ ...o, createdAt: old, valueIssuedAt: old }));
    const up = await stack.up(scheduled({ rotationTrigger: "b" }));
    expect(up.api).toEqual(api({ rotate: 1 }));
  });
});

describe("expiry", () => {
  it("a token within a week of expiring is rotated once, not on every run", async () => {
    const decl: TokenDecl[] = [{ name: "ci", args: { name: "ci", permissions: ["RuleRead"] } }];
    await stack.up(decl);
    const issued = new Date(Date.now() - 30 * DAY).toISOString();
    const expires = new Date(Date.now() + 2 * DAY).toISOString();
    age("ci", (o) => ({ ...o, expiresAt: expires, valueIssuedAt: issued }));
    const due = await stack.preview(decl);
    expect(steps(due.result)).toEqual([["ci", "update", "succeeded"]]);
    const up = await stack.up(decl);
    expect(up.api).toEqual(api({ rotate: 1 }));
    // Had Panther kept the expiry, the fresh value would not be rotated again.
    age("ci", (o) => ({ ...o, expiresAt: expires }));
    expect(steps((await stack.preview(decl)).result)).toEqual([["ci", "same", "succeeded"]]);
  });
});

describe("expiry warning", () => {
  it("the program warns about a token that stays close to its expiry", async () => {
    const soon = new Date(Date.now() + 2 * DAY).toISOString();
    const later = new Date(Date.now() + 60 * DAY).toISOString();
    const run = await execProgram({
      scratchDir: scratchDirFromEnv(),
      program: [
        `const { PantherApiToken } = require("pulumi-panther");`,
        `new PantherApiToken("soon", { name: "soon", permissions: [] });`,
        `new PantherApiToken("later", { name: "later", permissions: [] });`,
      ].join("\n"),
      mockState: { soon: { expiresAt: soon }, later: { expiresAt: later } },
    });
    expect(run.exitCode).toBe(0);
    const warnings = run.stderr.split("\n").filter((l) => l.includes("expires at"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(soon);
    expect(warnings[0]).toMatch(/replace the token/);
  });
});

describe("PantherApiTokenPair", () => {
  const pairProgram = (generation: number) =>
    [
      `const { PantherApiTokenPair } = require("pulumi-panther");`,
      `new PantherApiTokenPair("feed", { name: "feed", permissions: ["AlertRead"], generation: ${generation} });`,
    ].join("\n");

  it("each generation rotates only the token holding the older value; the other keeps working", async () => {
    const program = (g: number) =>
      runProgram({ scratchDir: scratchDirFromEnv(), program: pairProgram(g) });
    const tokens = (regs: Awaited<ReturnType<typeof program>>) =>
      regs.filter((r) => r.type === "pulumi-nodejs:dynamic/panther:ApiToken");

    const gen0 = await program(0);
    expect(
      tokens(gen0)
        .map((r) => [r.name, r.inputs["rotationTrigger"]])
        .sort(),
    ).toEqual([
      ["feed-a", "generation-0"],
      ["feed-b", "initial"],
    ]);
    expect(tokens(gen0).every((r) => r.parent?.endsWith("::feed") === true)).toBe(true);
    const first = await stack.measure(() => stack.engine.up(gen0));
    expect(first.result.ok).toBe(true);
    expect(first.api).toEqual(api({ create: 2 }));
    const a0 = String(stack.outputs("feed-a")["value"]);
    const b0 = String(stack.outputs("feed-b")["value"]);

    const second = await stack.measure(async () => stack.engine.up(await program(1)));
    expect(second.api).toEqual(api({ rotate: 1 }));
    expect(stack.outputs("feed-a")["value"]).toBe(a0);
    const b1 = String(stack.outputs("feed-b")["value"]);
    expect(b1).not.toBe(b0);
    expect(stack.emulator.control.authenticate(a0)).toBe(stack.resource("feed-a")?.id);
    expect(stack.emulator.control.authenticate(b1)).toBe(stack.resource("feed-b")?.id);

    const third = await stack.measure(async () => stack.engine.up(await program(2)));
    expect(third.api).toEqual(api({ rotate: 1 }));
    expect(stack.outputs("feed-b")["value"]).toBe(b1);
    expect(stack.emulator.control.authenticate(a0)).toBeUndefined();
    expect(stack.emulator.control.authenticate(b1)).toBe(stack.resource("feed-b")?.id);
  });

  it("hands consumers the newest value as current and the one before as previous", async () => {
    const run = await execProgram({
      scratchDir: scratchDirFromEnv(),
      program:
        pairProgram(3) +
        `\nconst pulumi = require("@pulumi/pulumi");` +
        `\nconst p = new PantherApiTokenPair("probe", { name: "probe", permissions: [], generation: 5 });` +
        `\npulumi.all([p.current, p.previous, pulumi.isSecret(p.current), pulumi.isSecret(p.previous)]).apply(([c, pr, s1, s2]) => console.log(JSON.stringify({ c, pr, s1, s2 })));`,
      mockState: { "probe-a": { value: "value-of-a" }, "probe-b": { value: "value-of-b" } },
    });
    expect(run.exitCode).toBe(0);
    // Generation 5 is odd: slot b was rotated last and is current.
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}")).toEqual({
      c: "value-of-b",
      pr: "value-of-a",
      s1: true,
      s2: true,
    });
  });
});

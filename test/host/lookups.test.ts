/**
 * Lookups run in the program process, against the configured Panther, with
 * the same credentials as the resources.
 */
import { startEmulator, type Emulator } from "pulumi-panther-emulator";
import { execProgram } from "../../tools/harness/program";
import { scratchDirFromEnv } from "../../tools/harness/scratch";

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ pageSize: 2 });
});
afterEach(async () => {
  await emulator.close();
});

async function run(program: string, key = emulator.adminKey) {
  const started = Date.now();
  const result = await execProgram({
    scratchDir: scratchDirFromEnv(),
    program: `const pulumi = require("@pulumi/pulumi");\nconst panther = require("pulumi-panther");\n${program}`,
    config: { "panther:url": emulator.url, "panther:token": key },
    secretConfigKeys: ["panther:token"],
  });
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

it("getApiToken, listApiTokens and getDeployerToken read Panther, as plain outputs, and let the program exit", async () => {
  const { token } = emulator.control.createToken({ name: "legacy", permissions: ["RuleRead"] });
  for (let i = 0; i < 3; i++) emulator.control.createToken({ name: `extra-${i}`, permissions: [] });
  const result = await run(`
    pulumi.all([panther.getApiToken(${JSON.stringify(token.id)}), panther.listApiTokens(), panther.getDeployerToken()])
      .apply(([one, all, self]) => console.log(JSON.stringify({
        one: one.name, count: all.length, self: self.id,
      })));
  `);
  expect(result.exitCode).toBe(0);
  const printed = JSON.parse(result.stdout.trim()) as Record<string, unknown>;
  expect(printed).toMatchObject({ one: "legacy", count: 5, self: emulator.adminTokenId });
  expect(result.stdout + result.stderr).not.toContain(emulator.adminKey);
  // Idle keep-alive connections (kept 30 s) must not hold the program open.
  expect(result.seconds).toBeLessThan(15);
  expect(emulator.control.counters().byOperation).toMatchObject({ get: 2, list: 3 });
});

it("listApiTokens leaves out a token it cannot read, with a warning naming it, instead of failing", async () => {
  const good = emulator.control.createToken({ name: "good", permissions: ["RuleRead"] }).token;
  emulator.control.addFault({
    operation: "list",
    kind: "rawBody",
    status: 200,
    body: JSON.stringify({
      results: [good, { ...good, id: "odd-one", name: "odd", permissions: null }],
    }),
  });
  const result = await run(`
    panther.listApiTokens().apply((all) => console.log(JSON.stringify(all.map((t) => t.id))));
  `);
  expect(result.exitCode).toBe(0);
  expect(JSON.parse(result.stdout.trim())).toEqual([good.id]);
  expect(result.stdout + result.stderr).toMatch(
    /listApiTokens: left out 1 token\(s\) .*odd-one "odd" \(permissions: /,
  );
  expect(emulator.control.counters().byOperation).toMatchObject({ list: 1 });
});

it("requireDeployerPermissions fails the program early, naming what is missing", async () => {
  const { value } = emulator.control.createToken({
    name: "read-only",
    permissions: ["OrganizationAPITokenRead"],
  });
  const result = await run(
    `module.exports = async () => { await panther.requireDeployerPermissions(["OrganizationAPITokenRead", "OrganizationAPITokenModify"]); };`,
    value,
  );
  expect(result.exitCode).not.toBe(0);
  expect(result.stderr).toMatch(
    /"read-only" .* lacks OrganizationAPITokenModify\. Grant it in the Panther Console/,
  );
  expect(result.stderr).not.toContain(value);
  const ok = await run(
    `module.exports = async () => { const self = await panther.requireDeployerPermissions(["OrganizationAPITokenModify"]); console.log(self.id); };`,
  );
  expect(ok.stdout.trim()).toBe(emulator.adminTokenId);
  expect(ok.exitCode).toBe(0);
});

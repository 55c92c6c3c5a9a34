/**
 * The policy pack of examples/policy-pack as a user runs it: the pack folder copied from a
 * checkout and installed with plain `npm install` (pulumi-panther from the tarball `npm pack`
 * makes at the repository's root, @pulumi/policy and @pulumi/pulumi from npm), then
 * `pulumi preview --policy-pack <that folder>` through the real CLI and the Node.js language
 * host, on programs that break each rule, on a compliant one, and with
 * `--policy-pack-config` changing thresholds, against the emulator.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { e2eFile } from "./support/stack";
import { PantherApiToken, PantherApiTokenPair } from "../../provider";
import { childEnv, describeExit, exec } from "../../tools/harness/exec";
import { Project, e2eSkipped, type CommandResult } from "../../tools/harness/project";
import { REPO_ROOT, packPackage } from "../../tools/harness/scratch";
import { pantherPolicies } from "../../provider/policy";
import { budget } from "./support/budget";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const INSTALL_TIMEOUT_MS = 600_000;

const e2e = e2eFile();
let checkout: string | undefined;
let packDir: string;

/** The pack folder as a checkout has it (no node_modules, no lock), installed with `npm install`. */
async function installPack(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-panther-policy-pack-"));
  checkout = dir;
  await packPackage(REPO_ROOT, dir);
  const from = path.join(REPO_ROOT, "examples", "policy-pack");
  const to = path.join(dir, "examples", "policy-pack");
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== "package-lock.json") {
      fs.copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
    }
  }
  const r = await exec("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: to,
    env: childEnv(),
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  if (r.exitCode !== 0) {
    throw new Error(`npm install in examples/policy-pack ${describeExit(r)}:\n${r.stderr}`);
  }
  return to;
}

beforeAll(async () => {
  if (!e2eSkipped()) packDir = await installPack();
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (checkout !== undefined) fs.rmSync(checkout, { recursive: true, force: true });
});

async function stack(name: string, source: string): Promise<Project> {
  return e2e.stack(Project.create(name, source));
}

function preview(project: Project, config?: Record<string, unknown>): Promise<CommandResult> {
  const extra = ["--policy-pack", packDir];
  if (config !== undefined) {
    const file = path.join(project.dir, "policy-config.json");
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    extra.push("--policy-pack-config", file);
  }
  return project.preview(extra);
}

const HEADER = `import { PantherApiToken, PantherApiTokenPair, rotationGeneration } from "pulumi-panther";
const net = ["203.0.113.0/24"];
`;

const TOKEN = "pulumi-nodejs:dynamic/panther:ApiToken";
const PACK = "panther-token-hygiene@v0.1.0";

/**
 * The lines the CLI prints for one violation: the policy and where (a token's resource name, or
 * `type: name`), the policy's description (not for the SDK's own advisory about a value unknown
 * during preview), the message.
 */
function violation(
  level: "mandatory" | "advisory",
  policy: string,
  resource: string,
  message: string,
  withDescription = true,
): string {
  const description = pantherPolicies.find((p) => p.name === policy)?.description ?? "";
  const on = `  (${resource.includes(": ") ? resource : `${TOKEN}: ${resource}`})`;
  return [`- [${level}]  ${policy}${on}`, ...(withDescription ? [description] : []), message].join(
    "\n",
  );
}

/** Every violation the CLI printed, as {@link violation} writes them, in its order. */
function violations(stdout: string): string[] {
  const found: string[][] = [];
  let current: string[] | undefined;
  for (const line of stdout.split("\n").map((l) => l.trim())) {
    if (/^- \[(mandatory|advisory)\]/.test(line)) {
      current = [line];
      found.push(current);
    } else if (line === "" || line === "Diagnostics:" || line === "Resources:") {
      current = undefined;
    } else {
      current?.push(line);
    }
  }
  return found.map((lines) => lines.join("\n"));
}

const COMPLIANT = `${HEADER}
new PantherApiToken("alert-reader", {
  name: "alert-reader",
  permissions: ["AlertRead"],
  allowedCIDRBlocks: net,
  rotateAfterDays: 90,
});
new PantherApiToken("rule-writer", {
  name: "rule-writer",
  permissions: ["RuleRead", "RuleModify"],
  allowedCIDRBlocks: ["10.1.0.0/16"],
  rotateAfterDays: 30,
});
new PantherApiTokenPair("detections-ci", {
  name: "detections-ci",
  permissions: ["RuleRead", "RuleModify"],
  allowedCIDRBlocks: net,
  generation: rotationGeneration(30),
  periodDays: 30,
});
`;

describeE2E("the policy pack through the Pulumi CLI", () => {
  it(
    "a program breaking every mandatory rule: the preview fails, each violation says what to change",
    async () => {
      const adopted = e2e.emulator.control.createToken({
        name: "made in the Console",
        permissions: ["AlertRead"],
        allowedCIDRBlocks: ["198.51.100.0/24"],
        user: "someone@example.com",
      });
      const project = await stack(
        "policy-violations",
        `${HEADER}
new PantherApiToken("open-to-all", { name: "open-to-all", permissions: ["AlertRead"], allowedCIDRBlocks: ["0.0.0.0/0", "::ffff:0:0/96"], rotateAfterDays: 30 });
new PantherApiToken("never-rotated", { name: "never-rotated", permissions: ["AlertRead"], allowedCIDRBlocks: net, rotationTrigger: "2026-Q4" });
new PantherApiToken("token-minter", { name: "token-minter", permissions: ["OrganizationAPITokenModify", "UserModify"], allowedCIDRBlocks: net, rotateAfterDays: 30 });
new PantherApiToken("adopted", { name: "adopted", permissions: ["AlertRead"], allowedCIDRBlocks: net, rotateAfterDays: 30, adoptTokenId: ${JSON.stringify(adopted.token.id)}, rotateOnAdopt: false, allowWiderAccess: true });
new PantherApiTokenPair("pair-no-period", { name: "pair-no-period", permissions: ["RuleRead"], generation: rotationGeneration(30) });
`,
      );
      const r = await preview(project);
      expect({ code: r.code, failed: r.stdout.includes("error: preview failed") }).toEqual({
        code: 1,
        failed: true,
      });
      expect(r.stdout).toContain(`❌ ${PACK} (local: ${packDir})`);
      const pairNetworks =
        'allowedCIDRBlocks of PantherApiTokenPair "pair-no-period" is empty, so the token works from any address. List the networks that use it, e.g. allowedCIDRBlocks: ["203.0.113.0/24"].';
      const pairRotation =
        'PantherApiTokenPair "pair-no-period" has no periodDays, so its rotation period cannot be checked: pass the period its generation counts, at most 90 days, e.g. generation: rotationGeneration(30), periodDays: 30.';
      expect(violations(r.stdout).sort()).toEqual(
        [
          violation(
            "mandatory",
            "panther-token-network-restricted",
            "open-to-all",
            'allowedCIDRBlocks has a catch-all block (an IPv4 /0, every IPv4 address; an IPv6 /96 holding every IPv4-mapped address (::ffff:0:0/96), so every IPv4 address), so the token works from anywhere. Replace it with the networks that use the token, e.g. "203.0.113.0/24".',
          ),
          violation(
            "mandatory",
            "panther-token-network-restricted",
            "pair-no-period-a",
            pairNetworks,
          ),
          violation(
            "mandatory",
            "panther-token-network-restricted",
            "pair-no-period-b",
            pairNetworks,
          ),
          violation(
            "mandatory",
            "panther-token-rotation-scheduled",
            "never-rotated",
            "The token has no rotation schedule: set rotateAfterDays to at most 90 and run the stack on a schedule, or make it a PantherApiTokenPair with periodDays of at most 90. A rotationTrigger rotates only when someone changes it.",
          ),
          violation(
            "mandatory",
            "panther-token-rotation-scheduled",
            "pair-no-period-a",
            pairRotation,
          ),
          violation(
            "mandatory",
            "panther-token-rotation-scheduled",
            "pair-no-period-b",
            pairRotation,
          ),
          violation(
            "mandatory",
            "panther-token-privileged-permissions",
            "token-minter",
            'permissions include OrganizationAPITokenModify, UserModify, which can mint or change credentials or users. Remove them from permissions, or, if this token needs them, add "token-minter" to allowedTokens of panther-token-privileged-permissions in the policy\'s config.',
          ),
          violation(
            "mandatory",
            "panther-token-rotate-on-adopt",
            "adopted",
            "rotateOnAdopt is false, so the adopted token keeps the value its current holders have, and this stack holds none. Remove rotateOnAdopt (its default, true, rotates the token when it is adopted) and hand the new value to the token's consumers.",
          ),
          violation(
            "mandatory",
            "panther-token-wider-access-by-name",
            "adopted",
            "allowWiderAccess is true, so adopting the token may widen where it can be used from. Remove it and keep the token's allowedCIDRBlocks within the networks it has now, or, if the widening is intended, add \"adopted\" to allowedTokens of panther-token-wider-access-by-name in the policy's config.",
          ),
        ].sort(),
      );
      // The adoption's own lookup is the program's; the policies call nothing.
      expect(e2e.emulator.control.getToken(adopted.token.id)?.name).toBe("made in the Console");
    },
    budget(4),
  );

  it(
    "advisory rules warn and the preview goes on; a value unknown in preview gets the SDK's advisory",
    async () => {
      const project = await stack(
        "policy-advisory",
        `${HEADER}
const first = new PantherApiToken("first", { name: "first", permissions: ["AlertRead"], allowedCIDRBlocks: net, rotateAfterDays: 30 });
new PantherApiToken("newer-permission", { name: "newer-permission", permissions: ["AlertRead"], allowedCIDRBlocks: net, rotateAfterDays: 30, allowUnknownPermissions: true });
new PantherApiToken("follows-first", { name: "follows-first", permissions: ["AlertRead"], allowedCIDRBlocks: [first.id.apply(() => "203.0.113.0/24")], rotateAfterDays: 30 });
`,
      );
      const r = await preview(project);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\+ 4 to create/);
      expect(violations(r.stdout)).toEqual([
        violation(
          "advisory",
          "panther-token-network-restricted",
          "follows-first",
          `can't run policy 'panther-token-network-restricted' from policy pack '${PACK}' during preview: string value at .allowedCIDRBlocks.0 can't be known during preview`,
          false,
        ),
        violation(
          "advisory",
          "panther-token-no-unknown-permissions",
          "newer-permission",
          "allowUnknownPermissions is true, so permission names pulumi-panther does not know reach Panther unchecked (a typo included) and the privilege policies cannot judge them. Remove allowUnknownPermissions and use names pulumi-panther knows, or upgrade pulumi-panther to a release that knows the new name.",
        ),
      ]);
    },
    budget(4),
  );

  let compliant: Project;

  it(
    "a compliant program previews clean",
    async () => {
      compliant = await stack("policy-compliant", COMPLIANT);
      const r = await preview(compliant);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\+ 6 to create/);
      expect(violations(r.stdout)).toEqual([]);
      expect(r.stdout).toContain(`✅ ${PACK} (local: ${packDir})`);
    },
    budget(4),
  );

  it(
    "--policy-pack-config: a shorter maxDays and allowedRanges fail the same program",
    async () => {
      const r = await preview(compliant, {
        "panther-token-rotation-scheduled": { maxDays: 60 },
        "panther-token-network-restricted": { allowedRanges: ["203.0.113.0/24"] },
      });
      expect(r.code).toBe(1);
      expect(violations(r.stdout)).toEqual([
        violation(
          "mandatory",
          "panther-token-network-restricted",
          "rule-writer",
          "allowedCIDRBlocks has a block (an IPv4 /16) outside the allowed ranges 203.0.113.0/24: list only networks inside them, or have the range added to allowedRanges in the policy's config.",
        ),
        violation(
          "mandatory",
          "panther-token-rotation-scheduled",
          "alert-reader",
          "rotateAfterDays is more than 60 days: set it to 60 or fewer.",
        ),
      ]);
    },
    budget(1),
  );

  it(
    "up with the pack; the engine records the type validateResourceOfType matches; the stack rule reads the tokens' outputs",
    async () => {
      const up = await compliant.up(["--policy-pack", packDir]);
      expect({ code: up.code, out: up.stdout.includes("6 created") }).toEqual({
        code: 0,
        out: true,
      });
      const types = (await compliant.exported()).deployment.resources
        ?.filter((r) => /(ApiToken|ApiTokenPair)$/.test(String(r["type"])))
        .map((r) => `${String(r["type"])} ${String(r["urn"]).split("::").at(-1)}`)
        .sort();
      expect(types).toEqual([
        `${PantherApiTokenPair.__pulumiType} detections-ci`,
        `${PantherApiToken.__pulumiType} alert-reader`,
        `${PantherApiToken.__pulumiType} detections-ci-a`,
        `${PantherApiToken.__pulumiType} detections-ci-b`,
        `${PantherApiToken.__pulumiType} rule-writer`,
      ]);
      expect(PantherApiToken.__pulumiType).toBe(TOKEN);
      const r = await preview(compliant, {
        "panther-stack-write-token-limit": { maxWriteTokens: 1 },
      });
      expect(r.code).toBe(0);
      expect(violations(r.stdout)).toEqual([
        violation(
          "advisory",
          "panther-stack-write-token-limit",
          "pulumi:pulumi:Stack: policy-compliant-dev",
          "2 tokens in this stack have write permissions (detections-ci (a PantherApiTokenPair), rule-writer), more than the 1 allowed. Give the tokens that only read read-only permissions (the …Read ones), merge tokens that do the same job, or raise maxWriteTokens of panther-stack-write-token-limit in the policy's config.",
        ),
      ]);
      expect((await compliant.destroy()).code).toBe(0);
    },
    budget(4),
  );
});

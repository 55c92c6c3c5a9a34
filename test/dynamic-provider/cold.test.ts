/**
 * `check` and `diff` make no network call, so they must not pay for loading
 * the HTTP client: neither undici nor zod is loaded until the first call that
 * reaches Panther (preview of a stack with many tokens stays cheap). zod is
 * loaded only for an answer that does not fit (`answers.ts` reads the rest):
 * a call that fails on the network never loads it.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

import { REPO_ROOT } from "../../tools/harness/scratch";

it("check and diff load neither undici nor zod; a create loads undici, and zod only for an answer that does not fit", () => {
  const script = `
    const provider = require(${JSON.stringify(path.join(REPO_ROOT, "dist", "dynamic-provider", "index.js"))});
    const loaded = (dep) => Object.keys(require.cache).filter((f) => f.includes("node_modules/" + dep + "/")).length;
    (async () => {
      await provider.configure({ config: { get: () => undefined, require: () => "" } });
      const checked = await provider.check({}, { name: "ci", permissions: ["RuleRead"], __provider: "p" });
      const olds = { ...checked.inputs, createdAt: "2026-01-01T00:00:00Z", value: "v", valueState: { status: "current", since: "x", reason: "r" } };
      await provider.diff("id", olds, { ...checked.inputs, rotationTrigger: "x" });
      const before = { undici: loaded("undici"), zod: loaded("zod") };
      process.env.PANTHER_API_URL = "http://127.0.0.1:9";
      process.env.PANTHER_API_TOKEN = "k".repeat(40);
      await provider.create(checked.inputs).catch(() => undefined);
      console.log(JSON.stringify({ before, after: { undici: loaded("undici"), zod: loaded("zod") } }));
    })();
  `;
  // Its output is read here, not inherited: the provider's progress lines (the create is retried
  // against a closed port) belong to this test, not to the test run's output.
  const run = spawnSync(process.execPath, ["-e", script], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  expect({ exit: run.status, stderr: run.stderr }).toEqual({
    exit: 0,
    stderr: expect.stringMatching(/create attempt 1 failed \(ECONNREFUSED\); retrying/) as unknown,
  });
  type Loaded = { undici: number; zod: number };
  const { before, after } = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as {
    before: Loaded;
    after: Loaded;
  };
  expect(before).toEqual({ undici: 0, zod: 0 });
  expect(after.undici).toBeGreaterThan(0);
  expect(after.zod).toBe(0);
});

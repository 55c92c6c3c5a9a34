/**
 * The bad-input table through the SDK's real dynamic-provider host, as the
 * engine sends it over gRPC: every input is refused with a property path and
 * a reason, and Panther is never called. (The real CLI stops a preview at the
 * first refused resource, so it runs one case per kind: test/e2e/check.test.ts.)
 */
import { startEmulator } from "pulumi-panther-emulator";
import { BAD_INPUTS, valid } from "../dynamic-provider/badInputs";
import { runProgram, scratchDirFromEnv, startHost } from "../../tools/harness";

const URN = "urn:pulumi:dev::project::pulumi-nodejs:dynamic/panther:ApiToken::bad";

it("refuses every bad input in Check with a property path and a reason, with no API call", async () => {
  const emulator = await startEmulator();
  const scratchDir = scratchDirFromEnv();
  const host = await startHost({ scratchDir, env: {} });
  try {
    const [reg] = await runProgram({
      scratchDir,
      program: `const { PantherApiToken } = require("pulumi-panther");\nnew PantherApiToken("bad", ${JSON.stringify(valid)});`,
    });
    const provider = reg?.inputs["__provider"];
    expect(typeof provider).toBe("string");
    await host.configure(
      { "panther:url": emulator.url, "panther:token": emulator.adminKey },
      { secretKeys: ["panther:token"] },
    );
    for (const [label, news, property, reason] of BAD_INPUTS) {
      const { inputs, failures } = await host.check(URN, {}, { ...news, __provider: provider });
      if (property === "__proto__") {
        // Protobuf's map drops a "__proto__" key on the way (it would set a prototype, not a
        // field), so it never reaches check: what matters is that it supplies nothing.
        expect(inputs["name"]).toBe("ci");
        expect(JSON.stringify(inputs)).not.toContain("evil");
        continue;
      }
      const failure = failures.find((f) => f.property === property);
      expect({ label, property, found: failure !== undefined }).toEqual({
        label,
        property,
        found: true,
      });
      expect(failure?.reason).toMatch(reason);
    }
    expect(emulator.control.counters().requests).toBe(0);
    expect(host.callCounts().check).toBe(BAD_INPUTS.length);
  } finally {
    await host.close();
    await emulator.close();
  }
});

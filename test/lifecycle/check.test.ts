/**
 * The bad-input table sent through the real provider host's Check, as the
 * engine sends it: every input is refused with a property path and a reason,
 * and Panther is never called.
 */
import { BAD_INPUTS, valid } from "../dynamic-provider/badInputs";
import { registrations, TestStack } from "./stack";

const URN = "urn:pulumi:dev::project::pulumi-nodejs:dynamic/panther:ApiToken::bad";

it("refuses every bad input in Check with a property path and a reason, with no API call", async () => {
  const stack = await TestStack.start();
  try {
    const [reg] = await registrations([{ name: "bad", args: valid }]);
    const provider = reg?.inputs["__provider"];
    expect(typeof provider).toBe("string");
    await stack.host.configure(
      { "panther:url": stack.emulator.url, "panther:token": stack.emulator.adminKey },
      { secretKeys: ["panther:token"] },
    );
    for (const [label, news, property, reason] of BAD_INPUTS) {
      const { inputs, failures } = await stack.host.check(
        URN,
        {},
        { ...news, __provider: provider },
      );
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
    expect(stack.emulator.control.counters().requests).toBe(0);
    expect(stack.host.callCounts().check).toBe(BAD_INPUTS.length);
  } finally {
    await stack.close();
  }
});

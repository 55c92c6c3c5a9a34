/**
 * Bad input through the real CLI: `pulumi preview` fails on the first
 * refused resource (the engine stops the program there), naming the property
 * and a reason that says how to fix it, with no call to Panther. One case per
 * kind of check runs here; the whole table runs through `check` in
 * test/dynamic-provider/inputs.test.ts and through the SDK's provider host in
 * test/lifecycle/check.test.ts (which also shows protobuf dropping `__proto__`).
 */
import { e2eFile } from "./support/stack";
import { BAD_INPUTS } from "../dynamic-provider/badInputs";
import { api, measured } from "./support/checks";
import { budget } from "./support/budget";
import { Project, e2eSkipped } from "../../tools/harness/project";

const describeE2E = e2eSkipped() ? describe.skip : describe;

const KINDS = [
  "missing name",
  "misspelled permission",
  "Console permission name",
  "host bits",
  "numeric trigger",
  "unknown property",
];

const e2e = e2eFile();

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describeE2E("bad input through the Pulumi CLI", () => {
  const cases = BAD_INPUTS.filter(([label]) => KINDS.some((kind) => label.startsWith(kind)));

  it("covers every kind listed", () => {
    expect(cases.map(([label]) => KINDS.find((k) => label.startsWith(k)))).toEqual(
      expect.arrayContaining(KINDS),
    );
  });

  it.each(cases)(
    "%s: preview fails naming the property and how to fix it, with no call",
    async (label, args, property, reason) => {
      const project = Project.create(
        "bad-input",
        `import { PantherApiToken } from "pulumi-panther";
       new PantherApiToken("bad", JSON.parse(${JSON.stringify(JSON.stringify(args))}));`,
      );
      await e2e.stack(project);
      const { result, calls } = await measured(e2e.emulator, () => project.preview());
      expect(result.code).not.toBe(0);
      expect(calls).toEqual(api());
      const pattern = new RegExp(
        `resource 'bad': property ${escape(property)} value .* has a problem: (.*)$`,
        "m",
      );
      const match = pattern.exec(result.stdout + result.stderr);
      expect({ label, found: match !== null }).toEqual({ label, found: true });
      expect(match?.[1]).toMatch(reason);
    },
    budget(4),
  );
});

/**
 * Fault sequences, generated: program edits, previews, ups (also two stacks
 * at once), refreshes, Console changes, a person's matching token, time
 * passing and Panther's clock moving, with faults at any call — an answer
 * lost after it applied, a 5xx before, a timeout or a 504 whose request lands
 * up to 45 s later, a reset, an unreadable 200 — against Panthers that answer
 * in other canonical forms, without stamps, with other `createdBy` shapes and
 * a clock up to 15 minutes off. After every command the invariants of
 * `model.ts` hold.
 *
 * CI runs a bounded, seeded number of sequences. A long run:
 *   PULUMI_PANTHER_FAULT_RUNS=10000 npx jest test/faults/sequences.test.ts
 * (PULUMI_PANTHER_FAULT_SEED picks another seed; PULUMI_PANTHER_FAULT_REPORT=<file>
 * writes the figures as JSON).
 */
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { Run, commandArb, flavourArb, programsArb, type Command, type Figures } from "./model";

const RUNS = Number(process.env["PULUMI_PANTHER_FAULT_RUNS"] ?? "60");
const SEED = Number(process.env["PULUMI_PANTHER_FAULT_SEED"] ?? "20261201");
const REPORT = process.env["PULUMI_PANTHER_FAULT_REPORT"];

describe("fault sequences keep every invariant", () => {
  it(`${RUNS} generated sequences (seed ${SEED})`, async () => {
    const figures: Figures = { sequences: 0, commands: 0, faults: 0 };
    await fc.assert(
      fc.asyncProperty(
        flavourArb,
        programsArb,
        fc.array(commandArb, { minLength: 1, maxLength: 25 }),
        async (flavour, programs, commands: Command[]) => {
          const run = new Run(flavour, programs);
          figures.sequences++;
          try {
            for (const command of commands) {
              figures.commands++;
              await run.step(command);
            }
          } catch (error) {
            throw new Error(
              `${error instanceof Error ? error.message : String(error)}\n  ${run.log.join("\n  ")}`,
            );
          } finally {
            figures.faults += run.world.faultsInjected;
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    if (REPORT !== undefined)
      writeFileSync(REPORT, JSON.stringify({ seed: SEED, ...figures }, null, 2));
    expect(figures.sequences).toBeGreaterThanOrEqual(RUNS);
    // A run that injected no fault proved nothing about faults.
    expect(figures.faults).toBeGreaterThan(0);
  }, 600_000);
});

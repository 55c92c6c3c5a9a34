/**
 * Fault sequences, generated: worlds of two or three stacks (most of them
 * sharing one deployer key, many starting from the same program, some with
 * a `PantherApiTokenPair`), program edits, previews, ups (all stacks at
 * once too, `--target`ed ones, ones killed between two calls), refreshes,
 * Console changes, a person's matching token, time passing and clocks that
 * disagree, with faults at any call — an answer lost after it applied, a
 * 5xx before, a timeout or a 504 whose request lands up to 45 s later, a
 * reset, an unreadable 200 — against Panthers that answer in other
 * canonical forms, without stamps, with other `createdBy` shapes, a clock
 * up to 15 minutes off and a gateway whose `Date` disagrees with the
 * backend. After every command the invariants of `invariants.ts` hold.
 *
 * CI runs a bounded, seeded number of sequences. A long run:
 *   PULUMI_PANTHER_FAULT_RUNS=10000 npx jest test/faults/sequences.test.ts
 * (PULUMI_PANTHER_FAULT_SEED picks another seed; PULUMI_PANTHER_FAULT_REPORT=<file>
 * writes the figures as JSON).
 */
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { ENV } from "../../tools/harness/env";
import { commandArb, flavourArb, worldArb, type Command } from "./commands";
import { Run, type Figures } from "./run";

const RUNS = Number(process.env[ENV.faultRuns] ?? "300");
const SEED = Number(process.env[ENV.faultSeed] ?? "20261201");
const REPORT = process.env[ENV.faultReport];

describe("fault sequences keep every invariant", () => {
  it(`${RUNS} generated sequences (seed ${SEED})`, async () => {
    const figures: Figures = {
      sequences: 0,
      commands: 0,
      faults: 0,
      interruptions: 0,
      sharedKeyWorlds: 0,
    };
    await fc.assert(
      fc.asyncProperty(
        flavourArb,
        worldArb,
        fc.array(commandArb, { minLength: 4, maxLength: 30, size: "+1" }),
        async (flavour, world, commands: Command[]) => {
          const run = new Run(flavour, world);
          figures.sequences++;
          if (world.sharedKey) figures.sharedKeyWorlds++;
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
            figures.interruptions += run.interruptions;
          }
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    if (REPORT !== undefined)
      writeFileSync(REPORT, JSON.stringify({ seed: SEED, ...figures }, null, 2));
    expect(figures.sequences).toBeGreaterThanOrEqual(RUNS);
    // A run that injected no fault, killed no run or shared no key proved nothing about them.
    expect(figures.faults).toBeGreaterThan(0);
    expect(figures.interruptions).toBeGreaterThan(0);
    expect(figures.sharedKeyWorlds).toBeGreaterThanOrEqual(RUNS / 2 - RUNS / 5);
  }, 600_000);
});

"use strict";
// Runs a Pulumi program as the Node.js language host does, with the SDK's mocks in place of the
// engine:
//
//   cd <project> && node <this file> <program, e.g. index.ts>
//
// It loads @pulumi/pulumi from the project (never from this repository), sets its mocks, and
// starts the SDK's own program runner, `@pulumi/pulumi/cmd/run`, which the language host starts
// for `pulumi up`. That runner chooses the compiler as it does for a user: the project's
// `typescript` and `ts-node` when it has them, else the TypeScript 3.8 and ts-node 7 vendored in
// the SDK, type-checking unless the tsconfig says `noCheck` or PULUMI_NODEJS_TRANSPILE_ONLY=true.
// Config comes from PULUMI_CONFIG (a JSON object) and PULUMI_CONFIG_SECRET_KEYS, as the language
// host passes it; PULUMI_PANTHER_PROJECT names the project (default `project`).
//
// Prints two lines for the test: `COMPILER {"typescript": <version>, "tsNode": <path>}` first,
// and `REGISTERED [<names of the resources registered>]` at exit. Resource state is the inputs
// plus a value and its valueState; a StackReference's outputs come from PULUMI_PANTHER_STACK_OUTPUTS (JSON).
const path = require("node:path");
const { createRequire } = require("node:module");

const projectRequire = createRequire(path.join(process.cwd(), "package.json"));
const pulumi = projectRequire("@pulumi/pulumi");
const tsutils = projectRequire("@pulumi/pulumi/tsutils");

const program = process.argv[2];
const project = process.env.PULUMI_PANTHER_PROJECT || "project";
const stackOutputs = JSON.parse(process.env.PULUMI_PANTHER_STACK_OUTPUTS || "{}");
const registered = [];

pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push(args.name);
      if (args.type === "pulumi:pulumi:StackReference") {
        return { id: args.name, state: { name: args.name, outputs: stackOutputs } };
      }
      const issued = "2026-01-10T08:00:00.000Z";
      return {
        id: `${args.name}_id`,
        state: Object.assign(
          {
            value: `${args.name}-value`,
            valueState: { status: "current", since: issued, reason: "created", issuedAt: issued },
          },
          args.inputs,
        ),
      };
    },
    call: (args) => args.inputs,
  },
  project,
  "dev",
  true,
);

const chosen = tsutils.typeScriptRequireStrings();
process.stdout.write(
  `COMPILER ${JSON.stringify({
    typescript: projectRequire(chosen.typescriptRequire).version,
    tsNode: chosen.tsnodeRequire,
  })}\n`,
);
process.on("exit", () => process.stdout.write(`REGISTERED ${JSON.stringify(registered)}\n`));

// What the language host sets for a TypeScript program, and the runner's own command line.
process.env.PULUMI_NODEJS_TYPESCRIPT = "true";
process.argv = [
  process.argv[0],
  "run",
  "--monitor=mock",
  `--project=${project}`,
  "--stack=dev",
  program,
];
projectRequire("@pulumi/pulumi/cmd/run");

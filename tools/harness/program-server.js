#!/usr/bin/env node
/**
 * Serves a Pulumi program to the real CLI without a Node language host, the
 * way the Automation API does for inline programs: it starts the SDK's own
 * `LanguageServer` (@pulumi/pulumi/automation/server) on a free loopback
 * port, prints the port, and runs `main` (a CommonJS module whose exports are
 * the stack outputs) each time the CLI asks. The CLI is pointed at it with
 * `--client=127.0.0.1:<port>`.
 *
 * Why: the Go module proxy these machines reach does not serve
 * github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, so the
 * real language host cannot be built here (scripts/pulumi-cli.js says so).
 *
 * Usage: node program-server.js <main.js>   (run with cwd = the project dir,
 * whose node_modules hold @pulumi/pulumi and pulumi-panther)
 */
"use strict";
const path = require("node:path");

const main = path.resolve(process.argv[2] ?? "index.js");
const fromProject = (request) => require(require.resolve(request, { paths: [process.cwd()] }));
const grpc = fromProject("@grpc/grpc-js");
const { LanguageServer } = fromProject("@pulumi/pulumi/automation/server");
const langrpc = fromProject("@pulumi/pulumi/proto/language_grpc_pb");
const { grpcChannelOptions } = fromProject("@pulumi/pulumi/runtime");

const server = new grpc.Server(grpcChannelOptions);
server.addService(
  langrpc.LanguageRuntimeService,
  new LanguageServer(async () => {
    // A fresh copy of the program each run, as a new language host process would load.
    const cache = require.cache;
    for (const key of Object.keys(cache)) {
      if (!key.includes(`${path.sep}node_modules${path.sep}`)) Reflect.deleteProperty(cache, key);
    }
    const exported = require(main);
    return typeof exported === "function" ? exported() : exported;
  }),
);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  process.stdout.write(`${port}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));

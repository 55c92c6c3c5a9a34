"use strict";
// Child-process entry point of runProgram (program.ts). Runs one Pulumi program against the
// SDK's mock monitor and writes every RegisterResource request it sent to a JSON file.
//
//   node program-runner.js <request.json>
//
// request.json: { scratchDir, programFile, resultFile, project, stack, preview, mockState }
//
// It runs outside jest on purpose: jest replaces require.cache, and the closure serializer
// relies on Node's real require.cache to turn modules inside node_modules into
// require("pkg/path") references. Everything Pulumi is loaded from the scratch project (never
// from this repository's node_modules), exactly as the user's program would load it.
const fs = require("node:fs");
const path = require("node:path");
const { createRequire } = require("node:module");

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const request = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const scratchRequire = createRequire(path.join(request.scratchDir, "package.json"));
const pulumi = scratchRequire("@pulumi/pulumi");
const settings = scratchRequire("@pulumi/pulumi/runtime/settings");
const log = scratchRequire("@pulumi/pulumi/log");

const slots = [];
const registrations = [];
const uncaught = [];

process.on("uncaughtException", (e) => uncaught.push(e));
process.on("unhandledRejection", (e) => uncaught.push(e));

/** Replaces secret envelopes by their values; reports whether any were found. */
function unwrapSecrets(value) {
  if (Array.isArray(value)) {
    let secret = false;
    const out = value.map((v) => {
      const r = unwrapSecrets(v);
      secret = secret || r.secret;
      return r.value;
    });
    return { value: out, secret };
  }
  if (value !== null && typeof value === "object") {
    if (value[SIG_KEY] === SECRET_SIG) {
      return { value: unwrapSecrets(value.value).value, secret: true };
    }
    let secret = false;
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      const r = unwrapSecrets(v);
      secret = secret || r.secret;
      out[k] = r.value;
    }
    return { value: out, secret };
  }
  return { value, secret: false };
}

function record(req, urn) {
  const raw = req.getObject() ? req.getObject().toJavaScript() : {};
  const inputs = {};
  const secretInputs = [];
  for (const [k, v] of Object.entries(raw)) {
    const r = unwrapSecrets(v);
    inputs[k] = r.value;
    if (r.secret) {
      secretInputs.push(k);
    }
  }
  const timeouts = req.getCustomtimeouts();
  const customTimeouts = {};
  if (timeouts) {
    for (const [k, v] of [
      ["create", timeouts.getCreate()],
      ["update", timeouts.getUpdate()],
      ["delete", timeouts.getDelete()],
    ]) {
      if (v) {
        customTimeouts[k] = v;
      }
    }
  }
  const reg = {
    urn,
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    inputs,
    secretInputs,
    provider: req.getProvider(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    dependencies: req.getDependenciesList(),
    ignoreChanges: req.getIgnorechangesList(),
    replaceOnChanges: req.getReplaceonchangesList(),
    customTimeouts,
  };
  if (req.getImportid()) {
    reg.importId = req.getImportid();
  }
  if (req.getParent()) {
    reg.parent = req.getParent();
  }
  if (req.hasProtect()) {
    reg.protect = req.getProtect();
  }
  if (req.getDeletebeforereplacedefined()) {
    reg.deleteBeforeReplace = req.getDeletebeforereplace();
  }
  if (req.hasRetainondelete()) {
    reg.retainOnDelete = req.getRetainondelete();
  }
  if (req.hasReplacementTrigger()) {
    const r = unwrapSecrets(req.getReplacementTrigger().toJavaScript());
    reg.replacementTrigger = r.value;
  }
  registrations.push(reg);
}

async function main() {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const extra = (request.mockState && request.mockState[args.name]) || {};
        return {
          id: request.preview ? undefined : `${args.name}_id`,
          state: { ...args.inputs, ...extra },
        };
      },
      call(args) {
        return args.inputs;
      },
    },
    request.project,
    request.stack,
    request.preview,
  );
  const monitor = settings.getMonitor();
  const registerResource = monitor.registerResource.bind(monitor);
  // Recorded in the order the requests reach the monitor (the order the engine sees them),
  // completed with the URN when the monitor answers; failed registrations are dropped.
  monitor.registerResource = (req, callback) => {
    const slot = { req, urn: undefined };
    slots.push(slot);
    registerResource(req, (err, resp) => {
      if (!err && resp) {
        slot.urn = resp.getUrn();
      }
      callback(err, resp);
    });
  };

  let exported = require(request.programFile);
  if (typeof exported === "function") {
    exported = exported();
  }
  await exported;
  await settings.waitForRPCs();
}

function finish(code) {
  for (const slot of slots) {
    if (slot.urn !== undefined) {
      record(slot.req, slot.urn);
    }
  }
  fs.writeFileSync(request.resultFile, JSON.stringify({ registrations }, null, 2));
  // Keep an exit code the program chose itself unless the harness saw a failure.
  if (code !== 0 || !process.exitCode) {
    process.exitCode = code;
  }
}

// A failed registration releases its hold on the runtime, so main() can settle one turn before
// the unhandled rejection that carries the error is reported: wait for that turn.
const settled = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

main()
  .then(settled, async (e) => {
    await settled();
    throw e;
  })
  .then(
    () => {
      if (uncaught.length > 0 || log.hasErrors()) {
        for (const e of uncaught) {
          console.error(e && e.stack ? e.stack : String(e));
        }
        if (log.hasErrors()) {
          console.error("the Pulumi program logged errors (see above)");
        }
        finish(1);
        return;
      }
      finish(0);
    },
    (e) => {
      console.error(e && e.stack ? e.stack : String(e));
      finish(1);
    },
  );

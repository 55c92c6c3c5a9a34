/**
 * Secret hygiene with canaries: a deployer key and token values that are
 * easy to find, through a full lifecycle including failures. They may
 * appear only in the secret `value` output.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { ROTATION_STAMP_SLACK_MS } from "../../provider/dynamic-provider/rotation";
import { HostError } from "../support/host";
import type { OperationResult } from "../support/engine";
import { TestStack, registrations, type TokenDecl } from "./stack";

const CANARY_KEY = `CANARYDEPLOYERKEY${randomBytes(16).toString("hex")}`;

const decl = (args: Record<string, unknown> = {}): TokenDecl[] => [
  { name: "ci", args: { name: "ci", permissions: ["RuleRead"], rotationTrigger: "t1", ...args } },
];

it("the deployer key and token values appear nowhere but the secret value output", async () => {
  const stack = await TestStack.start({ emulator: { adminKey: CANARY_KEY } });
  const results: OperationResult[] = [];
  const values = new Set<string>();
  const keep = (r: { result: OperationResult }) => {
    results.push(r.result);
    const v = stack.resource("ci")?.outputs["value"];
    if (typeof v === "string" && v !== "") values.add(v);
  };
  try {
    const control = stack.emulator.control;
    keep(await stack.preview(decl()));
    control.addFault({ operation: "create", kind: "dropAfterApply" });
    keep(await stack.up(decl()));
    keep(await stack.refresh());
    control.addFault({
      operation: "rotate",
      times: "always",
      kind: "status",
      status: 500,
      body: { message: `echo ${CANARY_KEY}` },
    });
    keep(await stack.up(decl({ name: "renamed", rotationTrigger: "t2" })));
    control.clearFaults();
    keep(await stack.up(decl({ name: "renamed", rotationTrigger: "t2" })));
    // Someone rotates in the Console a while later (beyond the stamp slack).
    await new Promise((resolve) => setTimeout(resolve, ROTATION_STAMP_SLACK_MS + 100));
    control.rotateToken(stack.resource("ci")?.id ?? "");
    keep(await stack.refresh());
    keep(await stack.up(decl({ name: "renamed", rotationTrigger: "t2", waitUntilUsable: true })));
    control.addFault({ operation: "delete", kind: "status", status: 401 });
    keep(await stack.destroy());
    keep(await stack.destroy());
    expect(values.size).toBeGreaterThanOrEqual(3);
    expect(results.some((r) => !r.ok)).toBe(true);
    // Panther's own message echoed the key: it reached the user redacted.
    expect(results.flatMap((r) => r.errors).join("\n")).toContain("echo [REDACTED]");

    const regs = await registrations(decl());
    const places: [string, string][] = [
      ["serialized provider and program inputs", JSON.stringify(regs)],
      ["host output", stack.host.output()],
      ["state (secrets encrypted)", JSON.stringify(stack.engine.stateJSON())],
      ["errors", results.flatMap((r) => r.errors).join("\n")],
      [
        "error objects",
        results
          .flatMap((r) => r.steps.map((s) => s.error))
          .filter((e): e is Error => e !== undefined)
          .map((e) => {
            const init = e instanceof HostError ? e.initFailure : undefined;
            const props = init ? { ...init.properties, value: undefined } : undefined;
            return [
              e.message,
              e.stack ?? "",
              inspect(Object.fromEntries(Object.entries(e).filter(([k]) => k !== "initFailure"))),
              JSON.stringify(props ?? {}),
            ].join("\n");
          })
          .join("\n"),
      ],
    ];
    for (const [where, text] of places) {
      expect({ where, leaksKey: text.includes(CANARY_KEY) }).toEqual({ where, leaksKey: false });
      for (const value of values) {
        expect({ where, leaksValue: text.includes(value) }).toEqual({ where, leaksValue: false });
      }
    }
    // The key only ever travelled to the configured emulator, as X-API-Key.
    for (const request of control.recentRequests()) {
      expect(request.remoteAddress).toMatch(/127\.0\.0\.1$/);
    }
  } finally {
    await stack.close();
  }
});

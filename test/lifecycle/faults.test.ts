/**
 * Nothing lost, nothing leaked: the provider under the emulator's faults.
 * Each test would fail if the behaviour it names regressed.
 */
import { TestStack, api, steps, type TokenDecl } from "./stack";

const token = (args: Record<string, unknown> = {}, name = "ci"): TokenDecl => ({
  name,
  args: { name: `${name}-token`, permissions: ["RuleRead"], rotationTrigger: "t1", ...args },
});

let stack: TestStack;
beforeEach(async () => {
  stack = await TestStack.start();
});
afterEach(async () => {
  await stack.close();
});

const named = (name: string) => stack.emulator.control.listTokens().filter((t) => t.name === name);

describe("ambiguous create", () => {
  it("an answer lost after the token was created: the token is found, rotated and tracked; nothing orphaned", async () => {
    stack.emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
    const up = await stack.up([token()]);
    expect(up.result.ok).toBe(true);
    expect(up.api).toEqual(api({ create: 1, list: 1, rotate: 1 }));
    const live = named("ci-token");
    expect(live).toHaveLength(1);
    expect(stack.resource("ci")?.id).toBe(live[0]?.id);
    expect(stack.emulator.control.authenticate(String(stack.outputs("ci")["value"]))).toBe(
      live[0]?.id,
    );
  });

  it("a create that timed out and lands late is still found (listed again), rotated and tracked", async () => {
    const slow = await TestStack.start({ hostEnv: { PANTHER_API_TIMEOUT_SECONDS: "1" } });
    try {
      slow.emulator.control.addFault({ operation: "create", kind: "delay", ms: 2500 });
      const up = await slow.up([token()]);
      expect(up.result.ok).toBe(true);
      // Listed at ~1 s (nothing yet) and again 2 s later (found); never created twice.
      expect(up.api).toEqual(api({ create: 1, list: 2, rotate: 1 }));
      const live = slow.emulator.control.listTokens().filter((t) => t.name === "ci-token");
      expect(live).toHaveLength(1);
      expect(slow.emulator.control.authenticate(String(slow.outputs("ci")["value"]))).toBe(
        live[0]?.id,
      );
    } finally {
      await slow.close();
    }
  });

  it("a request timeout that is not a number of seconds is refused naming the setting", async () => {
    const bad = await TestStack.start({ hostEnv: { PANTHER_API_TIMEOUT_SECONDS: "soon" } });
    try {
      const up = await bad.up([token()]);
      expect(up.result.ok).toBe(false);
      expect(up.result.errors.join("\n")).toMatch(
        /panther:requestTimeoutSeconds \(or PANTHER_API_TIMEOUT_SECONDS\)/,
      );
      expect(bad.emulator.control.counters().requests).toBe(0);
    } finally {
      await bad.close();
    }
  });

  it("a 200 with a truncated body (created, value unreadable) is reconciled the same way", async () => {
    stack.emulator.control.addFault({
      operation: "create",
      kind: "rawBody",
      status: 200,
      body: '{"id":"x","val',
    });
    const up = await stack.up([token()]);
    expect(up.result.ok).toBe(true);
    expect(up.api).toEqual(api({ create: 1, list: 1, rotate: 1 }));
    expect(named("ci-token")).toHaveLength(1);
    expect(stack.emulator.control.authenticate(String(stack.outputs("ci")["value"]))).toBe(
      named("ci-token")[0]?.id,
    );
  });

  it("a 502 from a gateway that never reached Panther: nothing found, created again, once", async () => {
    stack.emulator.control.addFault({ operation: "create", kind: "status", status: 502 });
    const up = await stack.up([token()]);
    expect(up.result.ok).toBe(true);
    expect(up.api).toEqual(api({ create: 2, list: 1 }));
    expect(named("ci-token")).toHaveLength(1);
  });

  it("another token of the same definition created in the same minutes: the newest is tracked, the other reported", async () => {
    const { token: old } = stack.emulator.control.createToken({
      name: "ci-token",
      permissions: ["RuleRead"],
    });
    stack.emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
    const up = await stack.up([token()]);
    // Both match and are recent: the newest is tracked and the other is reported, never silently.
    expect(up.result.ok).toBe(false);
    expect(up.result.errors.join("\n")).toMatch(new RegExp(`other token\\(s\\).*${old.id}`));
    const tracked = stack.resource("ci");
    expect(tracked?.id).toBeDefined();
    expect(tracked?.id).not.toBe(old.id);
    expect(tracked?.initErrors?.length).toBeGreaterThan(0);
    expect(stack.emulator.control.authenticate(String(tracked?.outputs["value"]))).toBe(
      tracked?.id,
    );
  });

  it("when finding the token fails too, the error says where to look and nothing is claimed", async () => {
    stack.emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
    stack.emulator.control.addFault({
      operation: "list",
      times: "always",
      kind: "status",
      status: 403,
    });
    const up = await stack.up([token()]);
    expect(up.result.ok).toBe(false);
    expect(up.result.errors.join("\n")).toMatch(
      /may have succeeded.*token named "ci-token".*Console/s,
    );
    expect(stack.engine.state()).toEqual([]);
  });

  it("a definite refusal (400) is not reconciled", async () => {
    stack.emulator.control.addFault({
      operation: "create",
      kind: "status",
      status: 400,
      body: { message: "name is invalid" },
    });
    const up = await stack.up([token()]);
    expect(up.result.ok).toBe(false);
    expect(up.api).toEqual(api({ create: 1 }));
    expect(up.result.errors.join("\n")).toMatch(/name is invalid/);
  });
});

describe("rotation under faults", () => {
  it("a rotation whose answer was lost is not sent again blindly; the next up converges", async () => {
    await stack.up([token()]);
    const id = stack.resource("ci")?.id ?? "";
    stack.emulator.control.addFault({ operation: "rotate", kind: "dropAfterApply" });
    const up = await stack.up([token({ rotationTrigger: "t2" })]);
    expect(up.result.ok).toBe(false);
    expect(up.api).toEqual(api({ rotate: 1 }));
    expect(up.result.errors.join("\n")).toMatch(
      /Rotating Panther token .* failed .*Run pulumi up again/s,
    );
    expect(stack.outputs("ci")["rotationTrigger"]).toBe("t1");
    const retry = await stack.up([token({ rotationTrigger: "t2" })]);
    expect(retry.result.ok).toBe(true);
    expect(retry.api).toEqual(api({ rotate: 1 }));
    expect(stack.emulator.control.authenticate(String(stack.outputs("ci")["value"]))).toBe(id);
  });

  it("a rotation that keeps failing leaves the old state asking for it; the next up converges", async () => {
    await stack.up([token()]);
    const id = stack.resource("ci")?.id ?? "";
    stack.emulator.control.addFault({
      operation: "rotate",
      times: "always",
      kind: "status",
      status: 500,
    });
    const failed = await stack.up([token({ rotationTrigger: "t2" })]);
    expect(failed.result.ok).toBe(false);
    expect(failed.result.errors.join("\n")).toMatch(
      /Rotating Panther token .* failed \(rotationTrigger changed\).*Run pulumi up again/s,
    );
    expect(stack.outputs("ci")["rotationTrigger"]).toBe("t1");
    stack.emulator.control.clearFaults();
    const retry = await stack.up([token({ rotationTrigger: "t2" })]);
    expect(retry.result.ok).toBe(true);
    expect(retry.api).toEqual(api({ rotate: 1 }));
    expect(stack.outputs("ci")["rotationTrigger"]).toBe("t2");
    expect(stack.emulator.control.authenticate(String(stack.outputs("ci")["value"]))).toBe(id);
  });

  it("update applied but rotation failed: state records the update (partial failure) and the next up only rotates", async () => {
    await stack.up([token()]);
    stack.emulator.control.addFault({
      operation: "rotate",
      times: "always",
      kind: "status",
      status: 500,
    });
    const failed = await stack.up([token({ name: "renamed", rotationTrigger: "t2" })]);
    expect(failed.result.ok).toBe(false);
    expect(stack.resource("ci")?.initErrors?.length).toBeGreaterThan(0);
    expect(stack.outputs("ci")).toMatchObject({ name: "renamed", rotationTrigger: "t1" });
    stack.emulator.control.clearFaults();
    const retry = await stack.up([token({ name: "renamed", rotationTrigger: "t2" })]);
    expect(retry.result.ok).toBe(true);
    expect(retry.api).toEqual(api({ rotate: 1 }));
    expect(stack.resource("ci")?.initErrors).toBeUndefined();
  });

  it("adoption whose rotation fails keeps the token tracked; the next up rotates it", async () => {
    const { token: legacy } = stack.emulator.control.createToken({
      name: "legacy",
      permissions: ["RuleRead"],
    });
    stack.emulator.control.addFault({
      operation: "rotate",
      times: "always",
      kind: "status",
      status: 503,
    });
    const decl = [
      {
        name: "legacy",
        args: { name: "legacy", permissions: ["RuleRead"], adoptTokenId: legacy.id },
      },
    ];
    const failed = await stack.up(decl);
    expect(failed.result.ok).toBe(false);
    expect(stack.resource("legacy")?.id).toBe(legacy.id);
    expect(stack.outputs("legacy")["valuePending"]).toBe(true);
    stack.emulator.control.clearFaults();
    await stack.refresh();
    expect(stack.outputs("legacy")["valuePending"]).toBe(true);
    const preview = await stack.preview(decl);
    expect(steps(preview.result)).toEqual([["legacy", "update", "succeeded"]]);
    const retry = await stack.up(decl);
    expect(retry.result.ok).toBe(true);
    expect(retry.api).toEqual(api({ rotate: 1 }));
    expect(stack.emulator.control.authenticate(String(stack.outputs("legacy")["value"]))).toBe(
      legacy.id,
    );
    expect(stack.outputs("legacy")["valuePending"]).toBeUndefined();
  });
});

describe("update and delete under faults", () => {
  it("an update retried through 503s converges", async () => {
    await stack.up([token()]);
    stack.emulator.control.addFault({ operation: "update", times: 2, kind: "status", status: 503 });
    const up = await stack.up([token({ name: "renamed" })]);
    expect(up.result.ok).toBe(true);
    expect(up.api).toEqual(api({ update: 3 }));
    expect(stack.emulator.control.getToken(stack.resource("ci")?.id ?? "")?.name).toBe("renamed");
  });

  it("an update answered with an HTML page fails clearly and keeps the old state", async () => {
    await stack.up([token()]);
    stack.emulator.control.addFault({
      operation: "update",
      kind: "rawBody",
      status: 200,
      body: "<html>proxy</html>",
      contentType: "text/html",
    });
    const up = await stack.up([token({ name: "renamed" })]);
    expect(up.result.ok).toBe(false);
    expect(up.result.errors.join("\n")).toMatch(/not valid JSON.*text\/html/);
    expect(stack.outputs("ci")["name"]).toBe("ci-token");
  });

  it("a delete whose answer was lost is retried and a 404 then counts as done", async () => {
    await stack.up([token()]);
    stack.emulator.control.addFault({ operation: "delete", kind: "dropAfterApply" });
    const destroy = await stack.destroy();
    expect(destroy.result.ok).toBe(true);
    expect(destroy.api).toEqual(api({ delete: 2 }));
    expect(stack.engine.state()).toEqual([]);
  });

  it("a delete that fails keeps the token in state", async () => {
    await stack.up([token()]);
    stack.emulator.control.addFault({ operation: "delete", kind: "status", status: 403 });
    const destroy = await stack.destroy();
    expect(destroy.result.ok).toBe(false);
    expect(stack.resource("ci")).toBeDefined();
    expect(destroy.result.errors.join("\n")).toMatch(/OrganizationAPITokenModify/);
  });
});

describe("waitUntilUsable", () => {
  it("create returns once the new value authenticates, printing progress", async () => {
    stack.emulator.control.setPropagationDelay(1500);
    const up = await stack.up([token({ waitUntilUsable: true })]);
    expect(up.result.ok).toBe(true);
    const value = String(stack.outputs("ci")["value"]);
    const self = await fetch(`${stack.emulator.url}/api-tokens/self`, {
      headers: { "x-api-key": value },
    });
    expect(self.status).toBe(200);
    expect(up.result.hostOutput).toMatch(/waiting for the new value to work/);
    expect(up.result.hostOutput).not.toContain(value);
  });

  it("a value that does not work in time is kept in state, and the error says what to do", async () => {
    stack.emulator.control.setPropagationDelay(4000);
    const up = await stack.up([token({ waitUntilUsable: true, usableTimeoutSeconds: 1 })]);
    expect(up.result.ok).toBe(false);
    expect(up.result.errors.join("\n")).toMatch(
      /did not start working within 1 s.*usableTimeoutSeconds/s,
    );
    const state = stack.resource("ci");
    expect(state?.id).toBeDefined();
    expect(stack.emulator.control.authenticate(String(state?.outputs["value"]))).toBe(state?.id);
    expect(named("ci-token")).toHaveLength(1);
  });
});

import { inspect } from "node:util";
import { PantherClient, type PantherClientOptions } from "../../provider/client/client";
import { isPantherApiError, isPantherError, type PantherError } from "../../provider/client/errors";
import { closeAllPools } from "../../provider/client/pool";
import { USER_AGENT } from "../../provider/client/version";
import { startEmulator, type Emulator } from "pulumi-panther-emulator";

let emulator: Emulator;
const caught: unknown[] = [];

beforeEach(async () => {
  emulator = await startEmulator({ pageSize: 3 });
});
afterEach(async () => {
  await emulator.close();
});
afterAll(async () => {
  await closeAllPools();
});

function client(options: Partial<PantherClientOptions> = {}): PantherClient {
  return new PantherClient({
    url: emulator.url,
    apiKey: emulator.adminKey,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
    ...options,
  });
}

/** Runs `fn`, expecting a PantherError; keeps it for the no-secret sweep at the end. */
async function failure(fn: () => Promise<unknown>): Promise<PantherError> {
  try {
    await fn();
  } catch (error) {
    caught.push(error);
    if (!isPantherError(error)) throw error;
    return error;
  }
  throw new Error("expected a failure");
}

const body = { name: "ci-deployer", permissions: ["RuleRead"], allowedCIDRBlocks: [] };
const counts = () => emulator.control.counters().byOperation;

describe("operations", () => {
  it("creates, gets, updates, rotates, lists and deletes", async () => {
    const c = client();
    const created = await c.createToken(body);
    expect(created.value.length).toBeGreaterThan(20);
    expect(emulator.control.authenticate(created.value)).toBe(created.id);

    const got = await c.getToken(created.id);
    expect(got).toMatchObject({ id: created.id, name: "ci-deployer", permissions: ["RuleRead"] });
    expect(got.value ?? undefined).toBeUndefined();

    const updated = await c.updateToken(created.id, {
      name: "renamed",
      permissions: ["AlertRead", "RuleRead"],
    });
    expect(updated).toMatchObject({
      id: created.id,
      name: "renamed",
      permissions: ["AlertRead", "RuleRead"],
    });

    const rotated = await c.rotateToken(created.id);
    expect(rotated.id).toBe(created.id);
    expect(rotated.value).not.toBe(created.value);
    expect(emulator.control.authenticate(created.value)).toBeUndefined();
    expect(emulator.control.authenticate(rotated.value)).toBe(created.id);

    expect((await c.listTokens()).tokens.map((t) => t.id)).toContain(created.id);
    await c.deleteToken(created.id);
    expect(emulator.control.getToken(created.id)).toBeUndefined();
    expect(counts()).toMatchObject({ create: 1, get: 1, update: 1, rotate: 1, list: 1, delete: 1 });
  });

  it("uses self as an id", async () => {
    const self = await client().getToken("self");
    expect(self.id).toBe(emulator.adminTokenId);
  });

  it("follows next across several pages without duplicates or misses", async () => {
    const ids = new Set<string>([emulator.adminTokenId]);
    for (let i = 0; i < 7; i++)
      ids.add(emulator.control.createToken({ name: `t${i}`, permissions: [] }).token.id);
    emulator.control.resetCounters();
    const listed = (await client().listTokens()).tokens;
    expect(listed.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect(counts().list).toBe(3); // 8 tokens, 3 a page
    const cursors = emulator.control
      .recentRequests()
      .filter((r) => r.operation === "list")
      .map((r) => new URL(r.url, "http://x").searchParams.get("cursor"));
    expect(cursors[0]).toBeNull();
    expect(cursors.slice(1).every((c) => typeof c === "string" && c.length > 0)).toBe(true);
  });

  it("refuses a listing whose cursor comes back again instead of looping", async () => {
    emulator.control.addFault({
      operation: "list",
      times: "always",
      kind: "rawBody",
      status: 200,
      body: JSON.stringify({ results: [], next: "cursor-1" }),
    });
    emulator.control.resetCounters();
    const error = await failure(() => client().listTokens());
    expect(error.code).toBe("PANTHER_INVALID_RESPONSE");
    expect(error.message).toMatch(/already returned/);
    expect(counts().list).toBe(2);
  });

  it("accepts the Console's API URL forms", async () => {
    for (const url of [
      `${emulator.url}/`,
      `${emulator.url}/public/graphql`,
      `${emulator.url}/public/graphql/`,
    ]) {
      expect((await client({ url }).getToken("self")).id).toBe(emulator.adminTokenId);
    }
  });

  it("sends the key, a User-Agent naming the package, and reuses one connection", async () => {
    emulator.control.resetCounters();
    const c = client();
    for (let i = 0; i < 3; i++) await c.getToken("self");
    const warm = emulator.control.counters().connections;
    for (let i = 0; i < 20; i++) await c.getToken("self");
    const request = emulator.control.recentRequests().at(-1);
    expect(request?.headers["user-agent"]).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^pulumi-panther\/\d+\.\d+\.\d+ \(node v\d+/);
    expect(request?.headers["x-api-key"]).toBe(emulator.adminKey);
    // undici may open a second socket while the first is being released; after that, none.
    expect(warm).toBeLessThanOrEqual(2);
    expect(emulator.control.counters().connections).toBe(warm);
  });
});

describe("errors", () => {
  it("400 carries Panther's message", async () => {
    const error = await failure(() => client().createToken({ name: "", permissions: [] }));
    expect(error).toMatchObject({
      code: "PANTHER_BAD_REQUEST",
      status: 400,
      operation: "create",
      method: "POST",
    });
    expect(error.message).toMatch(
      /POST http:\/\/127\.0\.0\.1:\d+\/api-tokens returned 400 Bad Request: .*name/,
    );
  });

  it("401 says to check the key and mentions propagation", async () => {
    const error = await failure(() =>
      client({ apiKey: "not-a-real-key-0123456789" }).getToken("self"),
    );
    expect(error).toMatchObject({ code: "PANTHER_UNAUTHORIZED", status: 401 });
    expect(error.message).toMatch(/panther:token/);
    expect(error.message).toMatch(/30 to 60 seconds/);
    expect(error.message).not.toContain("not-a-real-key-0123456789");
  });

  it.each(["message", "error"] as const)(
    "403 with a %s body names the missing permission",
    async (shape) => {
      await emulator.close();
      emulator = await startEmulator({ forbiddenBodyShape: shape });
      const reader = emulator.control.createToken({
        name: "reader",
        permissions: ["OrganizationAPITokenRead"],
      });
      const error = await failure(() => client({ apiKey: reader.value }).createToken(body));
      expect(error).toMatchObject({ code: "PANTHER_FORBIDDEN", status: 403 });
      expect(error.message).toMatch(/OrganizationAPITokenModify/);
      if (!isPantherApiError(error)) throw error;
      expect(error.pantherMessage).toBeTruthy();
      if (shape === "error") expect(error.pantherMessage).toBe("forbidden");
    },
  );

  it("404 is distinguishable", async () => {
    const error = await failure(() => client().getToken("00000000-0000-0000-0000-000000000000"));
    expect(error).toMatchObject({ code: "PANTHER_NOT_FOUND", status: 404, operation: "get" });
  });

  it("5xx and 429 are distinguishable after retries", async () => {
    emulator.control.addFault({ operation: "get", times: "always", kind: "status", status: 503 });
    const server = await failure(() =>
      client({ retry: { maxAttempts: 3, baseDelayMs: 1 } }).getToken("self"),
    );
    expect(server).toMatchObject({ code: "PANTHER_SERVER_ERROR", status: 503, attempts: 3 });
    expect(server.message).toMatch(/after 3 attempts/);
    emulator.control.clearFaults();
    emulator.control.addFault({
      operation: "get",
      times: "always",
      kind: "status",
      status: 429,
      headers: { "Retry-After": "0" },
    });
    const limited = await failure(() =>
      client({ retry: { maxAttempts: 2, baseDelayMs: 1 } }).getToken("self"),
    );
    expect(limited).toMatchObject({
      code: "PANTHER_RATE_LIMITED",
      status: 429,
      retryAfterSeconds: 0,
    });
  });

  it("an HTML error page is reported without quoting it", async () => {
    emulator.control.addFault({
      operation: "get",
      kind: "status",
      status: 500,
      body: "<html><body>Internal error</body></html>",
      headers: { "content-type": "text/html" },
    });
    const error = await failure(() => client().getToken("self"));
    expect(error).toMatchObject({ code: "PANTHER_SERVER_ERROR", status: 500 });
    expect(error.message).not.toContain("<html>");
  });

  it.each([
    ["not JSON", "<html>oops</html>", /not valid JSON/],
    ["truncated JSON", '{"id":"abc","name":"x","permissions":[', /not valid JSON/],
    ["wrong shape", '{"hello":"world"}', /wrong shape.*id/],
    ["create without value", "", /empty body/],
  ])(
    "a 200 with %s is an invalid response that never quotes the body",
    async (_label, raw, message) => {
      emulator.control.addFault({ operation: "create", kind: "rawBody", status: 200, body: raw });
      const error = await failure(() => client().createToken(body));
      expect(error.code).toBe("PANTHER_INVALID_RESPONSE");
      expect(error.message).toMatch(message);
      if (raw !== "") expect(error.message).not.toContain(raw);
    },
  );

  it("a create answer without the value is refused", async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "rawBody",
      status: 200,
      body: JSON.stringify({
        id: "x1",
        name: "n",
        permissions: [],
        createdAt: "2026-01-01T00:00:00Z",
      }),
    });
    const error = await failure(() => client().createToken(body));
    expect(error.code).toBe("PANTHER_INVALID_RESPONSE");
    expect(error.message).toMatch(/value/);
  });

  it("reads lenient shapes: null expiresAt, odd actors, unknown fields and permissions", async () => {
    emulator.control.addFault({
      operation: "get",
      kind: "rawBody",
      status: 200,
      body: JSON.stringify({
        id: "t1",
        name: "n",
        permissions: ["ManageScheduledPrompts"],
        createdAt: "2026-01-01T00:00:00Z",
        expiresAt: null,
        createdBy: "someone",
        updatedBy: { id: "user", type: "text", email: "a@b" },
        brandNew: { nested: true },
      }),
    });
    const token = await client().getToken("t1");
    expect(token).toMatchObject({
      id: "t1",
      permissions: ["ManageScheduledPrompts"],
      expiresAt: null,
    });
    expect(token.createdBy).toEqual({ id: "someone" });
    expect(token.updatedBy).toEqual({ id: "user", type: "text", email: "a@b" });
  });
});

describe("retries", () => {
  it("repeats a safe operation on 502/503/504 and succeeds", async () => {
    emulator.control.addFault({ operation: "get", times: 3, kind: "status", status: 502 });
    emulator.control.resetCounters();
    const retries: string[] = [];
    const token = await client({ onRetry: (e) => retries.push(e.reason) }).getToken("self");
    expect(token.id).toBe(emulator.adminTokenId);
    expect(counts().get).toBe(4);
    expect(retries).toEqual(["502", "502", "502"]);
  });

  it("honours Retry-After", async () => {
    emulator.control.addFault({
      operation: "get",
      kind: "status",
      status: 429,
      headers: { "Retry-After": "1" },
    });
    const delays: number[] = [];
    const started = Date.now();
    await client({ retry: { maxDelayMs: 5000 }, onRetry: (e) => delays.push(e.delayMs) }).getToken(
      "self",
    );
    expect(delays).toEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("stops at the total time budget instead of sleeping past it", async () => {
    emulator.control.addFault({
      operation: "get",
      times: "always",
      kind: "status",
      status: 503,
      headers: { "Retry-After": "30" },
    });
    emulator.control.resetCounters();
    const error = await failure(() =>
      client({ retry: { maxElapsedMs: 2000, maxDelayMs: 30_000 } }).getToken("self"),
    );
    expect(error.code).toBe("PANTHER_SERVER_ERROR");
    expect(counts().get).toBe(1);
  });

  it("retries a connection reset on get", async () => {
    emulator.control.addFault({ operation: "get", kind: "reset" });
    emulator.control.resetCounters();
    await client().getToken("self");
    expect(counts().get).toBe(2);
  });

  it("not on POST create: a 503 is sent once", async () => {
    emulator.control.addFault({
      operation: "create",
      times: "always",
      kind: "status",
      status: 503,
    });
    emulator.control.resetCounters();
    const error = await failure(() => client().createToken(body));
    expect(error).toMatchObject({ code: "PANTHER_SERVER_ERROR", attempts: 1 });
    expect(counts().create).toBe(1);
  });

  it("not on POST create: a lost answer is sent once", async () => {
    emulator.control.addFault({ operation: "create", kind: "dropAfterApply" });
    emulator.control.resetCounters();
    const error = await failure(() => client().createToken(body));
    expect(error.code).toBe("PANTHER_NETWORK");
    expect(counts().create).toBe(1);
    expect(emulator.control.listTokens().filter((t) => t.name === body.name)).toHaveLength(1);
  });

  it("create is repeated after a 429, which Panther refuses before doing anything", async () => {
    emulator.control.addFault({
      operation: "create",
      kind: "status",
      status: 429,
      headers: { "Retry-After": "0" },
    });
    emulator.control.resetCounters();
    await client().createToken(body);
    expect(counts().create).toBe(2);
    expect(emulator.control.listTokens().filter((t) => t.name === body.name)).toHaveLength(1);
  });

  it("not on POST rotate: a rotation whose answer was lost is sent once and may have applied", async () => {
    const { token, value: old } = emulator.control.createToken({ name: "r", permissions: [] });
    emulator.control.addFault({ operation: "rotate", kind: "dropAfterApply" });
    emulator.control.resetCounters();
    const error = await failure(() => client().rotateToken(token.id));
    expect(error).toMatchObject({ code: "PANTHER_NETWORK", applied: "maybe", attempts: 1 });
    expect(counts().rotate).toBe(1);
    // It did apply: the old value is dead, and only a new rotation yields one that works.
    expect(emulator.control.authenticate(old)).toBeUndefined();
    const rotated = await client().rotateToken(token.id);
    expect(emulator.control.authenticate(rotated.value)).toBe(token.id);
  });
});

describe("timeouts", () => {
  it("a slow create times out once; a slow get is retried", async () => {
    emulator.control.addFault({ operation: "create", kind: "delay", ms: 2500 });
    emulator.control.resetCounters();
    const error = await failure(() => client({ timeouts: { headersMs: 800 } }).createToken(body));
    expect(error.code).toBe("PANTHER_TIMEOUT");
    expect(error.message).toMatch(/timed out/);
    expect(counts().create).toBe(1);

    emulator.control.addFault({ operation: "get", kind: "delay", ms: 2500 });
    const token = await client({ timeouts: { headersMs: 800 } }).getToken("self");
    expect(token.id).toBe(emulator.adminTokenId);
  });
});

describe("transport safety", () => {
  it("refuses plain HTTP to a non-loopback host before any request", () => {
    let error: unknown;
    try {
      new PantherClient({ url: "http://panther.internal.example", apiKey: "k".repeat(40) });
    } catch (e) {
      error = e;
      caught.push(e);
    }
    expect(isPantherError(error, "PANTHER_CONFIG")).toBe(true);
    expect((error as Error).message).toMatch(/https/);
  });

  it("never follows a redirect", async () => {
    emulator.control.addFault({
      operation: "get",
      kind: "status",
      status: 302,
      headers: { location: "https://elsewhere.example/api-tokens/self" },
    });
    emulator.control.resetCounters();
    const error = await failure(() => client().getToken("self"));
    expect(error.code).toBe("PANTHER_REDIRECT");
    expect(error.message).toMatch(/https:\/\/elsewhere\.example/);
    expect(counts().get).toBe(1);
  });
});

afterAll(() => {
  // Every error any test above provoked: none may carry a key, in any form it can be read.
  expect(caught.length).toBeGreaterThan(15);
  for (const error of caught) {
    const cause = (error as { cause?: unknown }).cause;
    const text = [
      inspect(error, { depth: 5, showHidden: true }),
      JSON.stringify(error),
      String(error),
      inspect(cause, { depth: 5 }),
    ].join("\n");
    expect(text).not.toMatch(/[A-Za-z0-9_-]{40,}/);
  }
});

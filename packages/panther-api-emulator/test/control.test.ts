/**
 * The control API, in-process and over HTTP: counters (connections
 * included), Console-style token changes, the request log, options, and
 * prompt shutdown.
 */
import { Agent, Client, request } from "undici";
import {
  CONTROL_HEADER,
  EmulatorError,
  RECENT_REQUESTS_LIMIT,
  startEmulator,
  type Emulator,
} from "../src";
import { asToken, call, createViaApi } from "./helpers";

const FIXED_KEY = "my-fixed-admin-key-of-32-characters-or-more";

describe("emulator counters", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  // An undici Client holds one keep-alive connection and reconnects only if
  // the server closes it. (An undici Agent, like global fetch, may open a
  // second connection when a request is sent in the same tick the previous
  // answer ended, so it is not used for exact connection counts.)
  it("sequential requests on one keep-alive client use 1 connection; a second client opens a second", async () => {
    const client = new Client(emulator.url);
    try {
      for (let index = 0; index < 4; index++) {
        const answer = await client.request({
          method: "GET",
          path: "/api-tokens/self",
          headers: { "x-api-key": emulator.adminKey },
        });
        expect(answer.statusCode).toBe(200);
        await answer.body.dump();
      }
      expect(emulator.control.counters()).toEqual({
        requests: 4,
        byOperation: { create: 0, list: 0, get: 4, update: 0, delete: 0, rotate: 0, other: 0 },
        byStatus: { "200": 4 },
        connections: 1,
        lateApplied: { create: 0, list: 0, get: 0, update: 0, delete: 0, rotate: 0, other: 0 },
      });
    } finally {
      await client.close();
    }
    const second = new Client(emulator.url);
    try {
      const answer = await second.request({ method: "GET", path: "/api-tokens" });
      await answer.body.dump();
      expect(answer.statusCode).toBe(401);
    } finally {
      await second.close();
    }
    expect(emulator.control.counters().connections).toBe(2);
  });

  it("counts every request by operation and status, faulted ones included, until reset", async () => {
    const token = await createViaApi(emulator, { name: "t", permissions: [] });
    emulator.control.addFault({ operation: "update", kind: "status", status: 503 });
    await call(emulator, "POST", `/api-tokens/${token.id}`, {
      key: emulator.adminKey,
      body: { name: "u", permissions: [] },
    });
    await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
    await call(emulator, "POST", "/api-tokens/self/rotate", { key: token.value });
    await call(emulator, "DELETE", `/api-tokens/${token.id}`, { key: emulator.adminKey });
    await call(emulator, "GET", "/elsewhere");
    await call(emulator, "GET", "/api-tokens");
    const counters = emulator.control.counters();
    expect(counters.requests).toBe(7);
    expect(counters.byOperation).toEqual({
      create: 1,
      list: 2,
      get: 0,
      update: 1,
      delete: 1,
      rotate: 1,
      other: 1,
    });
    expect(counters.byStatus).toEqual({ "200": 3, "204": 1, "401": 1, "404": 1, "503": 1 });
    expect(counters.connections).toBeGreaterThanOrEqual(1);

    emulator.control.resetCounters();
    expect(emulator.control.counters()).toEqual({
      requests: 0,
      byOperation: { create: 0, list: 0, get: 0, update: 0, delete: 0, rotate: 0, other: 0 },
      byStatus: {},
      connections: 0,
      lateApplied: { create: 0, list: 0, get: 0, update: 0, delete: 0, rotate: 0, other: 0 },
    });
  });
});

describe("emulator request log", () => {
  it("records method, path, headers and remote address of the last requests", async () => {
    const emulator = await startEmulator();
    try {
      await call(emulator, "GET", "/api-tokens?limit=5", {
        key: emulator.adminKey,
        headers: { "user-agent": "pulumi-panther-test/1.0" },
      });
      const [recorded] = emulator.control.recentRequests();
      expect(recorded).toMatchObject({
        method: "GET",
        path: "/api-tokens",
        url: "/api-tokens?limit=5",
        operation: "list",
        remoteAddress: expect.stringMatching(/127\.0\.0\.1$/) as unknown,
      });
      expect(recorded?.headers["user-agent"]).toBe("pulumi-panther-test/1.0");
      expect(recorded?.headers["x-api-key"]).toBe(emulator.adminKey);

      const agent = new Agent();
      try {
        for (let index = 0; index < RECENT_REQUESTS_LIMIT + 5; index++) {
          const answer = await request(`${emulator.url}/api-tokens/n${index}`, {
            dispatcher: agent,
          });
          await answer.body.dump();
        }
      } finally {
        await agent.close();
      }
      const kept = emulator.control.recentRequests();
      expect(kept).toHaveLength(RECENT_REQUESTS_LIMIT);
      expect(kept[0]?.path).toBe("/api-tokens/n5");
      expect(kept.at(-1)?.path).toBe(`/api-tokens/n${RECENT_REQUESTS_LIMIT + 4}`);
      emulator.control.clearRecentRequests();
      expect(emulator.control.recentRequests()).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});

describe("emulator Console-style token changes", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  it("create, update, rotate and delete bypass HTTP and show up in the API", async () => {
    const { token, value } = emulator.control.createToken({
      name: "console",
      permissions: ["RuleRead", "AlertRead"],
      allowedCIDRBlocks: ["127.0.0.1/32"],
    });
    expect(token).toMatchObject({
      name: "console",
      permissions: ["AlertRead", "RuleRead"],
      createdBy: { id: "emulator-console", type: "user" },
    });
    expect(emulator.control.authenticate(value)).toBe(token.id);
    expect(emulator.control.counters().requests).toBe(0);

    const updated = emulator.control.updateToken(token.id, { name: "renamed" });
    expect(updated).toMatchObject({
      name: "renamed",
      permissions: ["AlertRead", "RuleRead"],
      allowedCIDRBlocks: ["127.0.0.1/32"],
    });
    const viaApi = await call(emulator, "GET", `/api-tokens/${token.id}`, {
      key: emulator.adminKey,
    });
    expect(asToken(viaApi.json)["name"]).toBe("renamed");

    const newValue = emulator.control.rotateToken(token.id);
    expect(emulator.control.authenticate(value)).toBeUndefined();
    expect(emulator.control.authenticate(newValue)).toBe(token.id);

    emulator.control.deleteToken(token.id);
    expect(emulator.control.getToken(token.id)).toBeUndefined();
    expect(emulator.control.authenticate(newValue)).toBeUndefined();
    expect(
      (await call(emulator, "GET", `/api-tokens/${token.id}`, { key: emulator.adminKey })).status,
    ).toBe(404);
  });

  it("throws EmulatorError with a stable code for unknown ids and bad input", () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const action of [
      () => emulator.control.rotateToken(missing),
      () => emulator.control.updateToken(missing, { name: "x" }),
      () => {
        emulator.control.deleteToken(missing);
      },
    ]) {
      expect(action).toThrow(
        expect.objectContaining({ code: "EMULATOR_NOT_FOUND", status: 404 }) as Error,
      );
    }
    expect(() => emulator.control.createToken({ name: "x", permissions: ["Foo"] })).toThrow(
      new EmulatorError("EMULATOR_INVALID_INPUT", 'invalid permission "Foo"'),
    );
    expect(() =>
      emulator.control.createToken({
        name: "x",
        permissions: [],
        allowedCIDRBlocks: ["1.2.3.4/40"],
      }),
    ).toThrow('invalid CIDR block "1.2.3.4/40"');
    expect(() => {
      emulator.control.setPropagationDelay(-1);
    }).toThrow(
      new EmulatorError(
        "EMULATOR_INVALID_INPUT",
        "propagation delay must be a finite number of at least 0",
      ),
    );
    expect(emulator.control.listTokens()).toHaveLength(1);
  });

  it("setPropagationDelay applies to values issued afterwards only", async () => {
    const before = emulator.control.createToken({ name: "before", permissions: [] });
    emulator.control.setPropagationDelay(60_000);
    const after = emulator.control.createToken({ name: "after", permissions: [] });
    expect((await call(emulator, "GET", "/api-tokens/self", { key: before.value })).status).toBe(
      200,
    );
    expect((await call(emulator, "GET", "/api-tokens/self", { key: after.value })).status).toBe(
      401,
    );
    expect(emulator.control.authenticate(after.value)).toBe(after.token.id);
  });
});

describe("emulator control API over HTTP", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  const admin = (): Record<string, string> => ({ [CONTROL_HEADER]: emulator.adminKey });

  it("requires the admin header", async () => {
    const none = await call(emulator, "GET", "/_emulator/counters");
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ message: "missing or wrong X-Emulator-Admin header" });
    const wrong = await call(emulator, "GET", "/_emulator/counters", {
      headers: { [CONTROL_HEADER]: "guess" },
    });
    expect(wrong.status).toBe(401);
    // The API key header is not the control header.
    expect(
      (await call(emulator, "GET", "/_emulator/counters", { key: emulator.adminKey })).status,
    ).toBe(401);
    const right = await call(emulator, "GET", "/_emulator/counters", { headers: admin() });
    expect(right.status).toBe(200);
    expect(right.json).toMatchObject({ requests: 0 });
  });

  it("drives tokens, faults and settings, and is itself neither counted nor faulted", async () => {
    const info = await call(emulator, "GET", "/_emulator/info", { headers: admin() });
    expect(info.json).toEqual({ url: emulator.url, adminTokenId: emulator.adminTokenId });

    const created = await call(emulator, "POST", "/_emulator/tokens", {
      headers: admin(),
      body: { name: "remote", permissions: ["OrganizationAPITokenRead"] },
    });
    expect(created.status).toBe(200);
    const { token, value } = created.json as { token: { id: string }; value: string };
    expect((await call(emulator, "GET", "/api-tokens", { key: value })).status).toBe(200);

    const patched = await call(emulator, "PATCH", `/_emulator/tokens/${token.id}`, {
      headers: admin(),
      body: { name: "patched" },
    });
    expect(patched.json).toMatchObject({
      id: token.id,
      name: "patched",
      permissions: ["OrganizationAPITokenRead"],
    });
    const fetched = await call(emulator, "GET", `/_emulator/tokens/${token.id}`, {
      headers: admin(),
    });
    expect(fetched.json).toMatchObject({ name: "patched" });

    const rotated = await call(emulator, "POST", `/_emulator/tokens/${token.id}/rotate`, {
      headers: admin(),
    });
    const newValue = (rotated.json as { value: string }).value;
    const auth = await call(emulator, "POST", "/_emulator/authenticate", {
      headers: admin(),
      body: { value },
    });
    expect(auth.json).toEqual({ tokenId: null });
    const auth2 = await call(emulator, "POST", "/_emulator/authenticate", {
      headers: admin(),
      body: { value: newValue },
    });
    expect(auth2.json).toEqual({ tokenId: token.id });

    const fault = await call(emulator, "POST", "/_emulator/faults", {
      headers: admin(),
      body: { operation: "list", kind: "status", status: 503, times: "always" },
    });
    expect(fault.json).toEqual({ id: expect.any(String) as unknown });
    expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
      503,
    );
    expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
      503,
    );
    expect((await call(emulator, "DELETE", "/_emulator/faults", { headers: admin() })).status).toBe(
      204,
    );
    expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
      200,
    );

    await call(emulator, "PUT", "/_emulator/propagation-delay", {
      headers: admin(),
      body: { ms: 60_000 },
    });
    const slow = emulator.control.createToken({ name: "slow", permissions: [] });
    expect((await call(emulator, "GET", "/api-tokens/self", { key: slow.value })).status).toBe(401);

    const requests = await call(emulator, "GET", "/_emulator/requests", { headers: admin() });
    const paths = (requests.json as { path: string }[]).map((entry) => entry.path);
    expect(paths.every((path) => path.startsWith("/api-tokens"))).toBe(true);
    expect(paths).toHaveLength(emulator.control.counters().requests);
    expect(
      (await call(emulator, "DELETE", "/_emulator/requests", { headers: admin() })).status,
    ).toBe(204);
    expect(emulator.control.recentRequests()).toEqual([]);

    expect(
      (await call(emulator, "DELETE", `/_emulator/tokens/${token.id}`, { headers: admin() }))
        .status,
    ).toBe(204);
    expect(emulator.control.getToken(token.id)).toBeUndefined();

    const counters = await call(emulator, "GET", "/_emulator/counters", { headers: admin() });
    expect(counters.json).toMatchObject({ requests: 5 });
    expect(
      (await call(emulator, "POST", "/_emulator/counters/reset", { headers: admin() })).status,
    ).toBe(204);
    expect(emulator.control.counters().requests).toBe(0);
  });

  it("Console changes over HTTP name their user as createdBy and updatedBy", async () => {
    const created = await call(emulator, "POST", "/_emulator/tokens", {
      headers: admin(),
      body: { name: "console", permissions: [], user: "alice@example.com" },
    });
    const { token } = created.json as { token: { id: string; createdBy: unknown } };
    expect(token.createdBy).toEqual({ id: "alice@example.com", type: "user" });
    const patched = await call(emulator, "PATCH", `/_emulator/tokens/${token.id}`, {
      headers: admin(),
      body: { name: "renamed", user: "bob" },
    });
    expect(asToken(patched.json)["updatedBy"]).toEqual({ id: "bob", type: "user" });
    await call(emulator, "POST", `/_emulator/tokens/${token.id}/rotate`, {
      headers: admin(),
      body: { user: "carol" },
    });
    expect(emulator.control.getToken(token.id)?.updatedBy).toEqual({ id: "carol", type: "user" });
    const bad = await call(emulator, "POST", `/_emulator/tokens/${token.id}/rotate`, {
      headers: admin(),
      body: { user: 7 },
    });
    expect([bad.status, bad.json]).toEqual([400, { message: "user must be a string" }]);
  });

  it("answers 400, 404 and 405 for bad control requests", async () => {
    const badFault = await call(emulator, "POST", "/_emulator/faults", {
      headers: admin(),
      body: { kind: "status", status: 99 },
    });
    expect(badFault.status).toBe(400);
    expect(badFault.json).toEqual({
      message: "invalid fault: status must be an integer from 200 to 599",
    });
    const badToken = await call(emulator, "POST", "/_emulator/tokens", {
      headers: admin(),
      body: { name: "", permissions: [] },
    });
    expect(badToken.json).toEqual({ message: "name must not be empty" });
    const badJson = await call(emulator, "PUT", "/_emulator/propagation-delay", {
      headers: admin(),
      rawBody: "{",
    });
    expect([badJson.status, badJson.json]).toEqual([
      400,
      { message: "request body is not valid JSON" },
    ]);
    const missing = await call(emulator, "POST", "/_emulator/tokens/nope/rotate", {
      headers: admin(),
    });
    expect([missing.status, missing.json]).toEqual([
      404,
      { message: 'api token "nope" not found' },
    ]);
    expect((await call(emulator, "GET", "/_emulator/nothing", { headers: admin() })).status).toBe(
      404,
    );
    // Setting routes are looked up by name only, never through the prototype.
    expect(
      (await call(emulator, "PUT", "/_emulator/toString", { headers: admin(), body: {} })).status,
    ).toBe(404);
    const clockGet = await call(emulator, "GET", "/_emulator/clock", { headers: admin() });
    expect([clockGet.status, clockGet.headers.get("allow")]).toEqual([405, "PUT"]);
    const wrongMethod = await call(emulator, "GET", "/_emulator/propagation-delay", {
      headers: admin(),
    });
    expect([wrongMethod.status, wrongMethod.headers.get("allow")]).toEqual([405, "PUT"]);
    expect(emulator.control.counters().requests).toBe(0);
  });

  it("the cut control routes are gone, and calling them changes nothing", async () => {
    const faultId = emulator.control.addFault({ operation: "get", kind: "status", status: 503 });
    emulator.control.insertRawToken({ id: "odd-1", name: "odd" });
    const gone: [string, string, unknown][] = [
      [
        "PUT",
        "/_emulator/rate-limit",
        { requestsPerSecond: 0.001, burst: 1, retryAfterSeconds: 3 },
      ],
      ["PUT", "/_emulator/random-failures", { rate: 1, statuses: [502], seed: 3 }],
      ["PUT", "/_emulator/page-size", { pageSize: 1 }],
      ["PUT", "/_emulator/canonical-forms", { nameNormalization: "NFC" }],
      ["PUT", "/_emulator/answer-stamps", { answerStamps: "none" }],
      ["PUT", "/_emulator/actor-shape", { actorShape: "string" }],
      ["DELETE", `/_emulator/faults/${faultId}`, undefined],
      ["GET", "/_emulator/late-landings", undefined],
      ["POST", "/_emulator/late-landings/land", undefined],
      ["DELETE", "/_emulator/raw-tokens/odd-1", undefined],
    ];
    for (const [method, path, body] of gone) {
      const answer = await call(emulator, method, path, { headers: admin(), body });
      expect([method, path, answer.status, answer.json]).toEqual([
        method,
        path,
        404,
        { message: "no such control route" },
      ]);
    }
    // GET on the faults route, which only adds and clears now, is the wrong method.
    const listFaults = await call(emulator, "GET", "/_emulator/faults", { headers: admin() });
    expect([listFaults.status, listFaults.headers.get("allow"), listFaults.json]).toEqual([
      405,
      "DELETE, POST",
      { message: "method not allowed" },
    ]);

    // Nothing changed: the fault still applies once, pages and actors are as started, the record is kept.
    expect(
      (await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey })).status,
    ).toBe(503);
    expect(
      (await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey })).status,
    ).toBe(200);
    const list = await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
    expect(list.json).not.toHaveProperty("next");
    const [adminToken, odd] = (list.json as { results: unknown[] }).results;
    expect(asToken(adminToken)["createdBy"]).toEqual({ id: "emulator", type: "system" });
    expect(odd).toEqual({ id: "odd-1", name: "odd" });
    expect(emulator.control.counters().requests).toBe(3);
  });
});

describe("emulator options and lifecycle", () => {
  it("refuses a non-loopback host unless allowRemote is set", async () => {
    await expect(startEmulator({ host: "0.0.0.0" })).rejects.toMatchObject({
      name: "EmulatorError",
      code: "EMULATOR_INVALID_OPTION",
    });
    await expect(startEmulator({ host: "example.com" })).rejects.toThrow(/not a loopback address/);
    const remote = await startEmulator({ host: "0.0.0.0", allowRemote: true });
    try {
      expect(remote.url).toBe(`http://127.0.0.1:${remote.port}`);
      expect((await call(remote, "GET", "/api-tokens/self", { key: remote.adminKey })).status).toBe(
        200,
      );
    } finally {
      await remote.close();
    }
  });

  it("refuses out-of-range options with EMULATOR_INVALID_OPTION", async () => {
    for (const options of [
      { port: 70000 },
      { pageSize: 0 },
      { propagationDelayMs: -1 },
      { adminKey: "a key with spaces in it, long enough otherwise" },
      { basePath: "v1/" },
      { extraPermissions: ["not a name"] },
      { forbiddenBodyShape: "text" as never },
      { clockOffsetMs: 86_400_001 },
      { dateHeaderSkewMs: Number.NaN },
      { canonicalForms: { ipv6Style: "wide" as never } },
      { answerStamps: "some" as never },
      { actorShape: "flat" as never },
    ]) {
      await expect(startEmulator(options)).rejects.toMatchObject({
        code: "EMULATOR_INVALID_OPTION",
      });
    }
  });

  it("refuses an admin key under 32 characters, saying so", async () => {
    await expect(startEmulator({ adminKey: "x".repeat(31) })).rejects.toThrow(
      new EmulatorError(
        "EMULATOR_INVALID_OPTION",
        "adminKey must be at least 32 characters, got 31: it is the key of a token with every " +
          "permission and of the control API; leave it out for a random one",
      ),
    );
    const emulator = await startEmulator({ adminKey: "x".repeat(32) });
    await emulator.close();
  });

  it("uses a given admin key and serves under a base path", async () => {
    const emulator = await startEmulator({ adminKey: FIXED_KEY, basePath: "/v1" });
    try {
      expect(emulator.adminKey).toBe(FIXED_KEY);
      expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}/v1`);
      expect((await call(emulator, "GET", "/api-tokens/self", { key: FIXED_KEY })).status).toBe(
        200,
      );
      const root = await fetch(`http://127.0.0.1:${emulator.port}/api-tokens/self`, {
        headers: { "x-api-key": FIXED_KEY },
      });
      expect(root.status).toBe(404);
      await root.text();
      const control = await call(emulator, "GET", "/_emulator/counters", {
        headers: { [CONTROL_HEADER]: FIXED_KEY },
      });
      expect(control.json).toMatchObject({ requests: 2 });
    } finally {
      await emulator.close();
    }
  });

  it("the REST API refuses to delete or rotate the bootstrap token, saying why, and its key keeps working", async () => {
    const emulator = await startEmulator();
    try {
      const attempts: [string, string][] = [
        ["DELETE", `/api-tokens/${emulator.adminTokenId}`],
        ["DELETE", "/api-tokens/self"],
        ["POST", `/api-tokens/${emulator.adminTokenId}/rotate`],
        ["POST", "/api-tokens/self/rotate"],
      ];
      for (const [method, path] of attempts) {
        const refused = await call(emulator, method, path, { key: emulator.adminKey });
        const action = method === "DELETE" ? "deleted" : "rotated";
        expect([method, path, refused.status]).toEqual([method, path, 400]);
        expect((refused.json as { message: string }).message).toMatch(
          new RegExp(
            `^the emulator's bootstrap admin token cannot be ${action} through the API: .*` +
              `Create another token for the test \\(POST /api-tokens\\) and ` +
              `${method === "DELETE" ? "delete" : "rotate"} that one$`,
          ),
        );
      }
      expect(emulator.control.authenticate(emulator.adminKey)).toBe(emulator.adminTokenId);
      expect(emulator.control.getToken(emulator.adminTokenId)).not.toHaveProperty("rotatedAt");
      expect(
        (await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey })).status,
      ).toBe(200);
      // Another token with the Modify permission is refused the same way.
      const other = await createViaApi(emulator, {
        name: "deployer",
        permissions: ["OrganizationAPITokenModify"],
      });
      const byOther = await call(emulator, "DELETE", `/api-tokens/${emulator.adminTokenId}`, {
        key: other.value,
      });
      expect(byOther.status).toBe(400);
      expect(emulator.control.listTokens()).toHaveLength(2);
    } finally {
      await emulator.close();
    }
  });

  it("the control key keeps working after the admin token is rotated through the control API", async () => {
    const emulator = await startEmulator();
    try {
      emulator.control.rotateToken(emulator.adminTokenId);
      expect((await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey })).status).toBe(
        401,
      );
      const control = await call(emulator, "GET", "/_emulator/counters", {
        headers: { [CONTROL_HEADER]: emulator.adminKey },
      });
      expect(control.status).toBe(200);
    } finally {
      await emulator.close();
    }
  });

  it("close ends idle keep-alive connections and pending delays at once, applying nothing more", async () => {
    const emulator = await startEmulator();
    const target = emulator.control.createToken({ name: "before", permissions: [] }).token;
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      const warm = await request(`${emulator.url}/api-tokens`, { dispatcher: agent });
      await warm.body.dump();
      emulator.control.addFault({ operation: "update", kind: "delay", ms: 10_000 });
      const pending = call(emulator, "POST", `/api-tokens/${target.id}`, {
        key: emulator.adminKey,
        body: { name: "after", permissions: [] },
      });
      const settled = pending.then(
        () => "answered",
        () => "failed",
      );
      while (emulator.control.counters().byOperation.update === 0)
        await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      await emulator.close();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await settled).toBe("failed");
      expect(emulator.control.getToken(target.id)?.name).toBe("before");
      await expect(emulator.close()).resolves.toBeUndefined();
    } finally {
      await agent.close();
    }
  });
});

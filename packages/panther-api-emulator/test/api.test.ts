/**
 * The emulator's Panther behaviour over real HTTP: every endpoint's shape,
 * `self`, rotation, propagation delay, permissions, CIDR allow-lists,
 * validation and pagination.
 */
import { NAME_MAX_LENGTH, startEmulator, type Emulator } from "../src";
import { asToken, call, createViaApi, sleep } from "./helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const READ = "OrganizationAPITokenRead";
const MODIFY = "OrganizationAPITokenModify";

describe("emulator endpoints", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  it("create answers 200 with the full token and a value that authenticates as it", async () => {
    const answer = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: {
        name: "ci",
        permissions: ["RuleRead", "AlertRead", "RuleRead"],
        allowedCIDRBlocks: ["10.0.0.0/8"],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json");
    const token = asToken(answer.json);
    expect(token.id).toMatch(UUID);
    expect(token).toEqual({
      id: token.id,
      name: "ci",
      permissions: ["AlertRead", "RuleRead"],
      allowedCIDRBlocks: ["10.0.0.0/8"],
      createdAt: expect.stringMatching(ISO) as unknown,
      createdBy: { id: emulator.adminTokenId, type: "api-token" },
      updatedAt: token["createdAt"],
      updatedBy: { id: emulator.adminTokenId, type: "api-token" },
      expiresAt: null,
      value: expect.any(String) as unknown,
    });
    const value = token["value"] as string;
    expect(value.length).toBeGreaterThanOrEqual(40);
    expect(emulator.control.authenticate(value)).toBe(token.id);

    const second = await createViaApi(emulator, { name: "ci-2", permissions: [] });
    expect(second.value).not.toBe(value);
    expect(second.value).not.toBe(emulator.adminKey);
  });

  it("get answers the token without its value", async () => {
    const created = await createViaApi(emulator, { name: "reader", permissions: [READ] });
    const answer = await call(emulator, "GET", `/api-tokens/${created.id}`, {
      key: emulator.adminKey,
    });
    expect(answer.status).toBe(200);
    const token = asToken(answer.json);
    expect(token.id).toBe(created.id);
    expect(token["name"]).toBe("reader");
    expect(token["permissions"]).toEqual([READ]);
    expect(token["allowedCIDRBlocks"]).toEqual([]);
    expect(token).not.toHaveProperty("value");
    expect(token).not.toHaveProperty("rotatedAt");
    expect(token).not.toHaveProperty("lastUsedAt");
  });

  it("list answers every token, without values, and no next on the only page", async () => {
    const a = await createViaApi(emulator, { name: "a", permissions: [] });
    const b = await createViaApi(emulator, { name: "b", permissions: [] });
    const answer = await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
    expect(answer.status).toBe(200);
    const page = answer.json as { results: unknown[]; next?: unknown };
    expect(page).not.toHaveProperty("next");
    expect(page.results.map((item) => asToken(item).id)).toEqual([
      emulator.adminTokenId,
      a.id,
      b.id,
    ]);
    for (const item of page.results) expect(item).not.toHaveProperty("value");
  });

  it("update replaces name and permissions, and a missing allowedCIDRBlocks empties the list", async () => {
    const created = await createViaApi(emulator, {
      name: "old",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: ["10.0.0.0/8"],
    });
    const before = emulator.control.getToken(created.id);
    await sleep(5);
    const answer = await call(emulator, "POST", `/api-tokens/${created.id}`, {
      key: emulator.adminKey,
      body: { name: "new", permissions: ["AlertRead"] },
    });
    expect(answer.status).toBe(200);
    const token = asToken(answer.json);
    expect(token).toMatchObject({
      id: created.id,
      name: "new",
      permissions: ["AlertRead"],
      allowedCIDRBlocks: [],
    });
    expect(token).not.toHaveProperty("value");
    expect(token["createdAt"]).toBe(before?.createdAt);
    expect(Date.parse(token["updatedAt"] as string)).toBeGreaterThan(
      Date.parse(token["createdAt"] as string),
    );
    expect(token["updatedBy"]).toEqual({ id: emulator.adminTokenId, type: "api-token" });
    expect(emulator.control.getToken(created.id)).toMatchObject({
      name: "new",
      allowedCIDRBlocks: [],
    });
    // The value is untouched by an update.
    expect(emulator.control.authenticate(created.value)).toBe(created.id);
  });

  it("delete answers 204 with an empty body; the token and its value are gone", async () => {
    const created = await createViaApi(emulator, { name: "doomed", permissions: [READ] });
    const answer = await call(emulator, "DELETE", `/api-tokens/${created.id}`, {
      key: emulator.adminKey,
    });
    expect(answer.status).toBe(204);
    expect(answer.text).toBe("");
    expect(emulator.control.getToken(created.id)).toBeUndefined();
    expect((await call(emulator, "GET", "/api-tokens/self", { key: created.value })).status).toBe(
      401,
    );
    const again = await call(emulator, "DELETE", `/api-tokens/${created.id}`, {
      key: emulator.adminKey,
    });
    expect(again.status).toBe(404);
    expect(again.json).toEqual({ message: `api token "${created.id}" not found` });
  });

  it("rotation keeps the token id and replaces the value; the old value stops working at once", async () => {
    const created = await createViaApi(emulator, { name: "rotating", permissions: [READ] });
    const answer = await call(emulator, "POST", `/api-tokens/${created.id}/rotate`, {
      key: emulator.adminKey,
    });
    expect(answer.status).toBe(200);
    const token = asToken(answer.json);
    expect(token.id).toBe(created.id);
    expect(token["rotatedAt"]).toMatch(ISO);
    expect(token["updatedAt"]).toBe(token["rotatedAt"]);
    const newValue = token["value"] as string;
    expect(newValue.length).toBeGreaterThanOrEqual(40);
    expect(newValue).not.toBe(created.value);

    const old = await call(emulator, "GET", "/api-tokens/self", { key: created.value });
    expect(old.status).toBe(401);
    const fresh = await call(emulator, "GET", "/api-tokens/self", { key: newValue });
    expect(fresh.status).toBe(200);
    expect(asToken(fresh.json).id).toBe(created.id);
  });

  it("self: a token with no permissions reads itself and rotates itself", async () => {
    const created = await createViaApi(emulator, { name: "bare", permissions: [] });
    const self = await call(emulator, "GET", "/api-tokens/self", { key: created.value });
    expect(self.status).toBe(200);
    expect(asToken(self.json).id).toBe(created.id);
    const byId = await call(emulator, "GET", `/api-tokens/${created.id}`, { key: created.value });
    expect(byId.status).toBe(200);

    const rotated = await call(emulator, "POST", "/api-tokens/self/rotate", { key: created.value });
    expect(rotated.status).toBe(200);
    const token = asToken(rotated.json);
    expect(token.id).toBe(created.id);
    expect((await call(emulator, "GET", "/api-tokens/self", { key: created.value })).status).toBe(
      401,
    );
    expect(
      (await call(emulator, "GET", "/api-tokens/self", { key: token["value"] as string })).status,
    ).toBe(200);
  });

  it("lastUsedAt appears once the token authenticates a request", async () => {
    const created = await createViaApi(emulator, { name: "used", permissions: [] });
    expect(emulator.control.getToken(created.id)).not.toHaveProperty("lastUsedAt");
    const answer = await call(emulator, "GET", "/api-tokens/self", { key: created.value });
    expect(asToken(answer.json)["lastUsedAt"]).toMatch(ISO);
    expect(emulator.control.getToken(created.id)?.lastUsedAt).toMatch(ISO);
  });

  it.each([
    ["GET", "/api-tokens/00000000-0000-4000-8000-000000000000", undefined],
    ["POST", "/api-tokens/00000000-0000-4000-8000-000000000000", { name: "x", permissions: [] }],
    ["DELETE", "/api-tokens/00000000-0000-4000-8000-000000000000", undefined],
    ["POST", "/api-tokens/00000000-0000-4000-8000-000000000000/rotate", undefined],
  ])("%s %s on an unknown id answers 404 with a message", async (method, path, body) => {
    const answer = await call(emulator, method, path, { key: emulator.adminKey, body });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({
      message: 'api token "00000000-0000-4000-8000-000000000000" not found',
    });
  });

  it("an unknown route answers 404 JSON and a wrong method 405 JSON with Allow", async () => {
    const unknown = await call(emulator, "GET", "/api-tokens/x/y/z", { key: emulator.adminKey });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: "no route for GET /api-tokens/x/y/z" });
    expect((await call(emulator, "GET", "/nope", {})).status).toBe(404);

    const wrong = await call(emulator, "PUT", "/api-tokens", { key: emulator.adminKey });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, POST");
    expect(wrong.json).toEqual({ message: "method PUT not allowed on /api-tokens" });
    const rotateGet = await call(emulator, "GET", "/api-tokens/self/rotate", {
      key: emulator.adminKey,
    });
    expect(rotateGet.status).toBe(405);
    expect(rotateGet.headers.get("allow")).toBe("POST");
  });

  it("a body over 1 MiB answers 413 and creates nothing", async () => {
    const answer = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: { name: "big", permissions: [], padding: "x".repeat(1024 * 1024) },
    });
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({ message: "request body exceeds 1048576 bytes" });
    expect(emulator.control.listTokens()).toHaveLength(1);
  });

  it("the bootstrap admin token has every permission and no CIDR limit", async () => {
    const answer = await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey });
    const token = asToken(answer.json);
    expect(token.id).toBe(emulator.adminTokenId);
    expect(token["permissions"]).toEqual(expect.arrayContaining([READ, MODIFY, "RuleRead"]));
    expect((token["permissions"] as string[]).length).toBe(37);
    expect(token["allowedCIDRBlocks"]).toEqual([]);
    expect(emulator.adminKey.length).toBeGreaterThanOrEqual(40);
  });
});

describe("emulator authentication", () => {
  it("answers 401 to a missing or unknown key", async () => {
    const emulator = await startEmulator();
    try {
      const missing = await call(emulator, "GET", "/api-tokens");
      expect(missing.status).toBe(401);
      expect(missing.json).toEqual({ message: "missing X-API-Key header" });
      const unknown = await call(emulator, "GET", "/api-tokens", { key: "not-a-real-key" });
      expect(unknown.status).toBe(401);
      expect(unknown.json).toEqual({ message: "invalid API key" });
    } finally {
      await emulator.close();
    }
  });

  it("a new value answers 401 until the propagation delay has passed, for create and rotate alike", async () => {
    const emulator = await startEmulator({ propagationDelayMs: 300 });
    try {
      expect(
        (await call(emulator, "GET", "/api-tokens/self", { key: emulator.adminKey })).status,
      ).toBe(200);
      const createdAt = Date.now();
      const created = await createViaApi(emulator, { name: "slow", permissions: [] });
      expect((await call(emulator, "GET", "/api-tokens/self", { key: created.value })).status).toBe(
        401,
      );
      expect(emulator.control.authenticate(created.value)).toBe(created.id);

      const waitUntilUsable = async (value: string): Promise<number> => {
        const deadline = Date.now() + 2000;
        while (Date.now() < deadline) {
          if ((await call(emulator, "GET", "/api-tokens/self", { key: value })).status === 200)
            return Date.now();
          await sleep(40);
        }
        throw new Error("value never became usable");
      };
      expect((await waitUntilUsable(created.value)) - createdAt).toBeGreaterThanOrEqual(300);

      const rotatedAt = Date.now();
      const rotated = await call(emulator, "POST", "/api-tokens/self/rotate", {
        key: created.value,
      });
      expect(rotated.status).toBe(200);
      const newValue = asToken(rotated.json)["value"] as string;
      expect((await call(emulator, "GET", "/api-tokens/self", { key: created.value })).status).toBe(
        401,
      );
      expect((await call(emulator, "GET", "/api-tokens/self", { key: newValue })).status).toBe(401);
      expect((await waitUntilUsable(newValue)) - rotatedAt).toBeGreaterThanOrEqual(300);
    } finally {
      await emulator.close();
    }
  });
});

describe("emulator permissions", () => {
  let emulator: Emulator;
  afterEach(() => emulator.close());

  it("a read-only token can GET but gets 403 naming the permission on POST and DELETE", async () => {
    emulator = await startEmulator();
    const reader = await createViaApi(emulator, { name: "reader", permissions: [READ] });
    const other = await createViaApi(emulator, { name: "other", permissions: [] });
    expect((await call(emulator, "GET", "/api-tokens", { key: reader.value })).status).toBe(200);
    expect(
      (await call(emulator, "GET", `/api-tokens/${other.id}`, { key: reader.value })).status,
    ).toBe(200);

    const forbidden = { message: `this API token is missing the ${MODIFY} permission` };
    const attempts: [string, string, unknown][] = [
      ["POST", "/api-tokens", { name: "x", permissions: [] }],
      ["POST", `/api-tokens/${other.id}`, { name: "renamed", permissions: [] }],
      ["POST", "/api-tokens/self", { name: "renamed", permissions: [READ] }],
      ["DELETE", `/api-tokens/${other.id}`, undefined],
      ["DELETE", "/api-tokens/self", undefined],
      ["POST", `/api-tokens/${other.id}/rotate`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await call(emulator, method, path, { key: reader.value, body });
      expect([method, path, answer.status, answer.json]).toEqual([method, path, 403, forbidden]);
    }
    expect(emulator.control.listTokens().map((token) => token.name)).toEqual([
      "emulator-admin",
      "reader",
      "other",
    ]);
    expect(emulator.control.authenticate(other.value)).toBe(other.id);
  });

  it("a token with no permissions gets 403 on list and on others, but may GET and rotate self", async () => {
    emulator = await startEmulator();
    const bare = await createViaApi(emulator, { name: "bare", permissions: [] });
    const list = await call(emulator, "GET", "/api-tokens", { key: bare.value });
    expect(list.status).toBe(403);
    expect(list.json).toEqual({ message: `this API token is missing the ${READ} permission` });
    expect(
      (await call(emulator, "GET", `/api-tokens/${emulator.adminTokenId}`, { key: bare.value }))
        .status,
    ).toBe(403);
    expect((await call(emulator, "GET", "/api-tokens/self", { key: bare.value })).status).toBe(200);
    expect(
      (await call(emulator, "POST", "/api-tokens/self/rotate", { key: bare.value })).status,
    ).toBe(200);
  });

  it('answers 403 as {"error": "forbidden"} when forbiddenBodyShape is "error"', async () => {
    emulator = await startEmulator({ forbiddenBodyShape: "error" });
    const bare = await createViaApi(emulator, { name: "bare", permissions: [] });
    const answer = await call(emulator, "GET", "/api-tokens", { key: bare.value });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ error: "forbidden" });
    const fenced = await createViaApi(emulator, {
      name: "fenced",
      permissions: [READ],
      allowedCIDRBlocks: ["203.0.113.0/24"],
    });
    const outside = await call(emulator, "GET", "/api-tokens/self", { key: fenced.value });
    expect(outside.status).toBe(403);
    expect(outside.json).toEqual({ error: "forbidden" });
  });

  it("permission names beyond the known list are refused unless given as extraPermissions", async () => {
    emulator = await startEmulator();
    const refused = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: { name: "new", permissions: ["ManageScheduledPrompts"] },
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({ message: 'invalid permission "ManageScheduledPrompts"' });
    await emulator.close();

    emulator = await startEmulator({ extraPermissions: ["ManageScheduledPrompts"] });
    const accepted = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: { name: "new", permissions: ["ManageScheduledPrompts", "RuleRead"] },
    });
    expect(accepted.status).toBe(200);
    expect(asToken(accepted.json)["permissions"]).toEqual(["ManageScheduledPrompts", "RuleRead"]);
    expect(emulator.control.getToken(emulator.adminTokenId)?.permissions).toContain(
      "ManageScheduledPrompts",
    );
  });
});

describe("emulator CIDR allow-lists", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator();
  });
  afterEach(() => emulator.close());

  it("refuses a caller outside the calling token's blocks with 403 and does not count it as a use", async () => {
    const fenced = await createViaApi(emulator, {
      name: "fenced",
      permissions: [READ, MODIFY],
      allowedCIDRBlocks: ["203.0.113.0/24", "2001:db8::/32"],
    });
    const answer = await call(emulator, "GET", "/api-tokens/self", { key: fenced.value });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({
      message: "requests from 127.0.0.1 are not allowed for this API token",
    });
    const create = await call(emulator, "POST", "/api-tokens", {
      key: fenced.value,
      body: { name: "x", permissions: [] },
    });
    expect(create.status).toBe(403);
    expect(emulator.control.listTokens()).toHaveLength(2);
    expect(emulator.control.getToken(fenced.id)).not.toHaveProperty("lastUsedAt");
  });

  it("lets in a caller inside the blocks (127.0.0.0/8 matches IPv4 and IPv4-mapped IPv6 peers)", async () => {
    const local = await createViaApi(emulator, {
      name: "local",
      permissions: [READ],
      allowedCIDRBlocks: ["203.0.113.0/24", "127.0.0.0/8"],
    });
    expect((await call(emulator, "GET", "/api-tokens", { key: local.value })).status).toBe(200);
  });

  it("applies a changed allow-list to the next request", async () => {
    const token = await createViaApi(emulator, { name: "t", permissions: [] });
    expect((await call(emulator, "GET", "/api-tokens/self", { key: token.value })).status).toBe(
      200,
    );
    emulator.control.updateToken(token.id, { allowedCIDRBlocks: ["192.0.2.0/24"] });
    expect((await call(emulator, "GET", "/api-tokens/self", { key: token.value })).status).toBe(
      403,
    );
    emulator.control.updateToken(token.id, { allowedCIDRBlocks: [] });
    expect((await call(emulator, "GET", "/api-tokens/self", { key: token.value })).status).toBe(
      200,
    );
  });
});

describe("emulator validation", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  const cases: [string, { body?: unknown; rawBody?: string }, string][] = [
    ["empty body", { rawBody: "" }, "request body is required"],
    ["invalid JSON", { rawBody: '{"name": "x",' }, "request body is not valid JSON"],
    ["an array", { body: [] }, "request body must be a JSON object"],
    ["a string", { body: "token" }, "request body must be a JSON object"],
    ["null", { rawBody: "null" }, "request body must be a JSON object"],
    ["no name", { body: { permissions: [] } }, "name is required"],
    ["a numeric name", { body: { name: 5, permissions: [] } }, "name must be a string"],
    ["a blank name", { body: { name: "   ", permissions: [] } }, "name must not be empty"],
    [
      "a name one character too long",
      { body: { name: "x".repeat(NAME_MAX_LENGTH + 1), permissions: [] } },
      `name must be at most ${NAME_MAX_LENGTH} characters`,
    ],
    ["no permissions", { body: { name: "x" } }, "permissions is required"],
    [
      "permissions as a string",
      { body: { name: "x", permissions: "RuleRead" } },
      "permissions must be an array of strings",
    ],
    [
      "a numeric permission",
      { body: { name: "x", permissions: [1] } },
      "permissions must be an array of strings",
    ],
    [
      "an unknown permission",
      { body: { name: "x", permissions: ["RuleRead", "Foo"] } },
      'invalid permission "Foo"',
    ],
    [
      "allowedCIDRBlocks as a string",
      { body: { name: "x", permissions: [], allowedCIDRBlocks: "10.0.0.0/8" } },
      "allowedCIDRBlocks must be an array of strings",
    ],
    [
      "an IPv4 prefix over 32",
      { body: { name: "x", permissions: [], allowedCIDRBlocks: ["10.0.0.1/33"] } },
      'invalid CIDR block "10.0.0.1/33"',
    ],
    [
      "a bare address",
      { body: { name: "x", permissions: [], allowedCIDRBlocks: ["10.0.0.1"] } },
      'invalid CIDR block "10.0.0.1"',
    ],
    [
      "an octet over 255",
      { body: { name: "x", permissions: [], allowedCIDRBlocks: ["10.0.0.0/8", "256.0.0.0/8"] } },
      'invalid CIDR block "256.0.0.0/8"',
    ],
    [
      "an IPv6 prefix over 128",
      { body: { name: "x", permissions: [], allowedCIDRBlocks: ["2001:db8::/129"] } },
      'invalid CIDR block "2001:db8::/129"',
    ],
    [
      "a malformed IPv6 address",
      { body: { name: "x", permissions: [], allowedCIDRBlocks: ["2001:db8:::1/64"] } },
      'invalid CIDR block "2001:db8:::1/64"',
    ],
  ];

  it.each(cases)(
    "create with %s answers 400 and creates nothing",
    async (_label, input, message) => {
      const answer = await call(emulator, "POST", "/api-tokens", {
        key: emulator.adminKey,
        ...input,
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ message });
      expect(emulator.control.listTokens()).toHaveLength(1);
    },
  );

  it.each(cases)(
    "update with %s answers 400 and changes nothing",
    async (_label, input, message) => {
      const target = emulator.control.createToken({ name: "target", permissions: ["RuleRead"] });
      const answer = await call(emulator, "POST", `/api-tokens/${target.token.id}`, {
        key: emulator.adminKey,
        ...input,
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ message });
      expect(emulator.control.getToken(target.token.id)).toEqual(target.token);
      emulator.control.deleteToken(target.token.id);
    },
  );

  it("accepts a name of exactly the maximum length, IPv6 blocks, and ignores unknown fields", async () => {
    const answer = await call(emulator, "POST", "/api-tokens", {
      key: emulator.adminKey,
      body: {
        name: "é".repeat(NAME_MAX_LENGTH),
        permissions: [],
        allowedCIDRBlocks: ["2001:db8::/32", "::ffff:10.0.0.0/104", "10.0.0.0/8", "10.0.0.0/8"],
        expiresAt: "2030-01-01T00:00:00Z",
      },
    });
    expect(answer.status).toBe(200);
    const token = asToken(answer.json);
    expect(token["allowedCIDRBlocks"]).toEqual([
      "2001:db8::/32",
      "::ffff:10.0.0.0/104",
      "10.0.0.0/8",
    ]);
    expect(token["expiresAt"]).toBeNull();
    emulator.control.deleteToken(token.id);
  });
});

describe("emulator pagination", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ pageSize: 3 });
    for (let index = 1; index <= 6; index++) {
      emulator.control.createToken({ name: `token-${index}`, permissions: [] });
    }
  });
  afterEach(() => emulator.close());

  async function listAll(): Promise<{ ids: string[]; pages: number[]; nexts: unknown[] }> {
    const ids: string[] = [];
    const pages: number[] = [];
    const nexts: unknown[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const query = cursor === undefined ? "" : `?cursor=${encodeURIComponent(cursor)}`;
      const answer = await call(emulator, "GET", `/api-tokens${query}`, { key: emulator.adminKey });
      expect(answer.status).toBe(200);
      const page = answer.json as { results: unknown[]; next?: unknown };
      pages.push(page.results.length);
      ids.push(...page.results.map((item) => asToken(item).id));
      nexts.push(page.next);
      if (page.next === undefined) return { ids, pages, nexts };
      expect(typeof page.next).toBe("string");
      cursor = page.next as string;
    }
    throw new Error("pagination did not end");
  }

  it("7 tokens with page size 3 come in 3 pages, in creation order, with no duplicates or misses", async () => {
    const { ids, pages, nexts } = await listAll();
    expect(pages).toEqual([3, 3, 1]);
    expect(nexts[0]).toEqual(expect.any(String));
    expect(nexts[1]).toEqual(expect.any(String));
    expect(nexts[2]).toBeUndefined();
    expect(new Set(ids).size).toBe(7);
    expect(ids).toEqual(emulator.control.listTokens().map((token) => token.id));
  });

  it("a token deleted between pages neither repeats nor shifts the others", async () => {
    const first = await call(emulator, "GET", "/api-tokens", { key: emulator.adminKey });
    const page = first.json as { results: unknown[]; next: string };
    const all = emulator.control.listTokens().map((token) => token.id);
    emulator.control.deleteToken(all[1] ?? "");
    const second = await call(
      emulator,
      "GET",
      `/api-tokens?cursor=${encodeURIComponent(page.next)}`,
      {
        key: emulator.adminKey,
      },
    );
    const ids = (second.json as { results: unknown[] }).results.map((item) => asToken(item).id);
    expect(ids).toEqual(all.slice(3, 6));
  });

  it("limit asks for smaller pages but never more than the page size", async () => {
    const small = await call(emulator, "GET", "/api-tokens?limit=2", { key: emulator.adminKey });
    expect((small.json as { results: unknown[] }).results).toHaveLength(2);
    const big = await call(emulator, "GET", "/api-tokens?limit=100", { key: emulator.adminKey });
    expect((big.json as { results: unknown[] }).results).toHaveLength(3);
  });

  it("a page size above the token count answers every token in one page, without next", async () => {
    const roomy = await startEmulator({ pageSize: 10 });
    try {
      for (let index = 1; index <= 6; index++) {
        roomy.control.createToken({ name: `token-${index}`, permissions: [] });
      }
      const all = await call(roomy, "GET", "/api-tokens", { key: roomy.adminKey });
      expect(all.json).not.toHaveProperty("next");
      expect((all.json as { results: unknown[] }).results).toHaveLength(7);
    } finally {
      await roomy.close();
    }
  });

  it("an invalid cursor or limit answers 400", async () => {
    const cursor = await call(emulator, "GET", "/api-tokens?cursor=bogus", {
      key: emulator.adminKey,
    });
    expect(cursor.status).toBe(400);
    expect(cursor.json).toEqual({ message: 'invalid cursor "bogus"' });
    const limit = await call(emulator, "GET", "/api-tokens?limit=0", { key: emulator.adminKey });
    expect(limit.status).toBe(400);
    expect(limit.json).toEqual({ message: 'invalid limit "0": must be a positive integer' });
  });
});

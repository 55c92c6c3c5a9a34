/** One odd item in a listing is reported, not fatal; the page itself must still be a page. */
import { PantherClient } from "../../provider/client/client";
import { closeAllPools } from "../../provider/client/pool";
import { failure, send, startLocalServer, tokenBody, type LocalServer } from "./helpers";

let server: LocalServer;
/** Pages by cursor (`""` for the first); each is sent as is. */
let pages: Record<string, unknown>;

beforeEach(async () => {
  pages = {};
  server = await startLocalServer((request, response) => {
    const cursor = new URL(request.url ?? "/", "http://x").searchParams.get("cursor") ?? "";
    send(response, 200, pages[cursor] ?? { message: "no such page" });
  });
});
afterEach(async () => {
  await server.close();
});
afterAll(async () => {
  await closeAllPools();
});

const client = () =>
  new PantherClient({ url: server.url, apiKey: "k".repeat(40), retry: { maxAttempts: 1 } });

describe("listTokens", () => {
  it("reads the good tokens around one with permissions: null, and names the odd one", async () => {
    pages[""] = {
      results: [
        tokenBody("a"),
        tokenBody("odd", { permissions: null, createdAt: 1_700_000_000 }),
        tokenBody("b"),
      ],
    };
    const listing = await client().listTokens();
    expect(listing.tokens.map((t) => t.id)).toEqual(["a", "b"]);
    expect(listing.unreadable).toEqual([
      {
        page: 1,
        index: 1,
        id: "odd",
        name: "name-odd",
        problem: expect.stringMatching(/^permissions: .*array.*; createdAt: .*string/) as string,
      },
    ]);
    expect(listing.unreadable[0]?.problem).not.toContain("1700000000");
    expect(server.requests).toHaveLength(1);
  });

  it("reports an item without an id by its position and name", async () => {
    const noId = tokenBody("x");
    delete noId["id"];
    pages[""] = { results: [tokenBody("a"), noId], next: "p2" };
    pages["p2"] = {
      results: [tokenBody("b"), tokenBody("c", { id: 42, name: ["not", "a", "name"] })],
    };
    const listing = await client().listTokens();
    expect(listing.tokens.map((t) => t.id)).toEqual(["a", "b"]);
    expect(listing.unreadable).toEqual([
      { page: 1, index: 1, name: "name-x", problem: expect.stringMatching(/^id: /) as string },
      // id and name that are not strings are left out, never quoted.
      { page: 2, index: 1, problem: expect.stringMatching(/^id: .*; name: /) as string },
    ]);
    expect(JSON.stringify(listing.unreadable)).not.toContain("42");
    expect(server.requests.map((r) => r.url)).toEqual(["/api-tokens", "/api-tokens?cursor=p2"]);
  });

  it("resolves to no tokens, and every item unreadable, when all items are odd", async () => {
    pages[""] = {
      results: ["just a string", null, 7, [], { id: "y".repeat(300), name: "n".repeat(300) }],
    };
    const listing = await client().listTokens();
    expect(listing.tokens).toEqual([]);
    expect(listing.unreadable.map((u) => [u.page, u.index])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
    ]);
    expect(listing.unreadable[0]?.problem).toMatch(/^item: .*object/);
    const long = listing.unreadable[4];
    expect(long?.id).toBe(`${"y".repeat(99)}…`);
    expect(long?.name).toBe(`${"n".repeat(99)}…`);
    expect(long?.problem).toMatch(/permissions/);
  });

  it("keeps reading well-formed tokens exactly as before", async () => {
    pages[""] = {
      results: [tokenBody("a", { expiresAt: null, createdBy: { id: "user", type: "text" } })],
    };
    const listing = await client().listTokens();
    expect(listing).toEqual({
      tokens: [
        {
          id: "a",
          name: "name-a",
          permissions: ["RuleRead"],
          allowedCIDRBlocks: [],
          createdAt: "2026-01-01T00:00:00Z",
          expiresAt: null,
          createdBy: { id: "user", type: "text" },
        },
      ],
      unreadable: [],
    });
  });

  it.each([
    ["not an object", "[1, 2, 3]"],
    ["no results", '{"next": "x"}'],
    ["results that are not an array", '{"results": {"0": {}}}'],
    ["a next that is not a string", '{"results": [], "next": 5}'],
  ])("a page that is %s is an error, as before", async (_label, raw) => {
    pages[""] = raw;
    const error = await failure(() => client().listTokens());
    expect(error).toMatchObject({ code: "PANTHER_INVALID_RESPONSE", applied: "yes" });
    expect(error.message).toMatch(/wrong shape/);
  });
});

describe("listTokenPage and listTokenPages", () => {
  it("give each page's tokens, unreadable items and cursor", async () => {
    pages[""] = { results: [tokenBody("a")], next: "p2" };
    pages["p2"] = { results: [{ id: "bad" }], next: "" };
    const c = client();
    const first = await c.listTokenPage();
    expect(first).toEqual({
      tokens: [expect.objectContaining({ id: "a" })],
      unreadable: [],
      next: "p2",
    });
    const second = await c.listTokenPage("p2", 2);
    expect(second.next).toBeUndefined();
    expect(second.unreadable).toEqual([
      { page: 2, index: 0, id: "bad", problem: expect.stringMatching(/name/) as string },
    ]);
    const seen: [number, number][] = [];
    for await (const page of c.listTokenPages())
      seen.push([page.tokens.length, page.unreadable.length]);
    expect(seen).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(server.requests).toHaveLength(4);
  });
});

describe("actors", () => {
  it.each<[string, unknown, unknown]>([
    ["the spec's example", { id: "user", type: "text" }, { id: "user", type: "text" }],
    [
      "every known member, others dropped",
      {
        id: "i",
        type: "t",
        name: "n",
        tokenId: "k",
        apiTokenId: "a",
        email: "e@x",
        extra: "dropped",
        nested: { deep: true },
      },
      { id: "i", type: "t", name: "n", tokenId: "k", apiTokenId: "a", email: "e@x" },
    ],
    ["members that are not strings dropped", { id: 5, email: "e@x" }, { email: "e@x" }],
    ["a bare string", "someone", { id: "someone" }],
    ["null", null, null],
    ["an object without known members", { who: "me" }, undefined],
    ["a number", 42, undefined],
    ["an array", ["user"], undefined],
    ["a boolean", true, undefined],
  ])("createdBy and updatedBy read %s", async (_label, actor, read) => {
    pages[""] = { results: [tokenBody("a", { createdBy: actor, updatedBy: actor })] };
    const listing = await client().listTokens();
    expect(listing.unreadable).toEqual([]);
    const [token] = listing.tokens;
    expect(token?.createdBy).toEqual(read);
    expect(token?.updatedBy).toEqual(read);
    expect(token !== undefined && "createdBy" in token).toBe(read !== undefined);
  });
});

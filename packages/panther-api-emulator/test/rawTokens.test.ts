/**
 * Odd records: `insertRawToken` puts a record in the table exactly as given,
 * listed in order across pages and answered by GET, authenticating nothing.
 */
import { CONTROL_HEADER, startEmulator, type Emulator } from "../src";
import { asToken, call } from "./helpers";

const ODD = { id: "odd-1", name: "odd", permissions: null, createdAt: "2024-01-01T00:00:00Z" };

describe("raw tokens", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ pageSize: 2 });
  });
  afterEach(() => emulator.close());

  async function listAll(): Promise<unknown[][]> {
    const pages: unknown[][] = [];
    let query = "";
    for (let guard = 0; guard < 10; guard++) {
      const answer = await call(emulator, "GET", `/api-tokens${query}`, { key: emulator.adminKey });
      expect(answer.status).toBe(200);
      const page = answer.json as { results: unknown[]; next?: string };
      pages.push(page.results);
      if (page.next === undefined) return pages;
      query = `?cursor=${encodeURIComponent(page.next)}`;
    }
    throw new Error("pagination did not end");
  }

  it("lists records exactly as given, in order with the tokens, across pages", async () => {
    const a = emulator.control.createToken({ name: "a", permissions: [] }).token;
    expect(emulator.control.insertRawToken(ODD)).toBe("odd-1");
    const b = emulator.control.createToken({ name: "b", permissions: [] }).token;
    expect(emulator.control.insertRawToken({ name: 7, extra: { deep: [1, 2] } })).toBe("raw-1");

    const pages = await listAll();
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const all = pages.flat();
    expect(all[2]).toEqual(ODD);
    expect(all[4]).toEqual({ name: 7, extra: { deep: [1, 2] } });
    expect([asToken(all[0]).id, asToken(all[1]).id, asToken(all[3]).id]).toEqual([
      emulator.adminTokenId,
      a.id,
      b.id,
    ]);
    // Control reads are tokens only.
    expect(emulator.control.listTokens().map((token) => token.name)).toEqual([
      "emulator-admin",
      "a",
      "b",
    ]);
    expect(emulator.control.getToken("odd-1")).toBeUndefined();
  });

  it("GET answers a record by its string id; a copy, unchanged by later edits of the input", async () => {
    const record: Record<string, unknown> = { ...ODD, value: "looks-like-a-key-0123456789" };
    emulator.control.insertRawToken(record);
    record["name"] = "changed";
    const answer = await call(emulator, "GET", "/api-tokens/odd-1", { key: emulator.adminKey });
    expect([answer.status, answer.json]).toEqual([
      200,
      { ...ODD, value: "looks-like-a-key-0123456789" },
    ]);
    const asKey = await call(emulator, "GET", "/api-tokens/self", {
      key: "looks-like-a-key-0123456789",
    });
    expect(asKey.status).toBe(401);
  });

  it("DELETE over the API removes a record; update and rotate answer 404", async () => {
    emulator.control.insertRawToken(ODD);
    const key = emulator.adminKey;
    const update = await call(emulator, "POST", "/api-tokens/odd-1", {
      key,
      body: { name: "x", permissions: [] },
    });
    const rotate = await call(emulator, "POST", "/api-tokens/odd-1/rotate", { key });
    expect([update.status, rotate.status]).toEqual([404, 404]);
    expect((await call(emulator, "DELETE", "/api-tokens/odd-1", { key })).status).toBe(204);
    expect((await call(emulator, "GET", "/api-tokens/odd-1", { key })).status).toBe(404);
    expect((await listAll()).flat()).toHaveLength(1);
  });

  it("DELETE over the API removes a record without a string id by its key; taken ids and non-JSON records are refused", async () => {
    const key = emulator.control.insertRawToken({ name: "no id" });
    expect(key).toBe("raw-1");
    const admin = emulator.adminKey;
    expect((await call(emulator, "DELETE", `/api-tokens/${key}`, { key: admin })).status).toBe(204);
    expect((await call(emulator, "DELETE", `/api-tokens/${key}`, { key: admin })).status).toBe(404);
    expect((await listAll()).flat()).toHaveLength(1);
    expect(() => emulator.control.insertRawToken({ id: emulator.adminTokenId })).toThrow(
      `id "${emulator.adminTokenId}" is taken`,
    );
    expect(() => emulator.control.insertRawToken({ id: "big", n: 1n })).toThrow(
      "a raw token must be a JSON object",
    );
    expect(emulator.control.getToken(emulator.adminTokenId)).toBeDefined();
  });

  it("the control API inserts records, and refuses a taken id", async () => {
    const admin = { [CONTROL_HEADER]: emulator.adminKey };
    const inserted = await call(emulator, "POST", "/_emulator/raw-tokens", {
      headers: admin,
      body: ODD,
    });
    expect(inserted.json).toEqual({ id: "odd-1" });
    expect((await listAll()).flat()).toContainEqual(ODD);
    const got = await call(emulator, "GET", "/api-tokens/odd-1", { key: emulator.adminKey });
    expect([got.status, got.json]).toEqual([200, ODD]);
    const again = await call(emulator, "POST", "/_emulator/raw-tokens", {
      headers: admin,
      body: ODD,
    });
    expect([again.status, again.json]).toEqual([400, { message: 'id "odd-1" is taken' }]);
  });
});

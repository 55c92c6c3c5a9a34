/** The deployer key can change mid-run: `replaceApiKey` after rotating the calling token. */
import { PantherClient } from "../../provider/client/client";
import { closeAllPools } from "../../provider/client/pool";
import { startEmulator, type Emulator } from "pulumi-panther-emulator";
import { failure, leakedPieces, send, startLocalServer } from "./helpers";

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
});
afterAll(async () => {
  await closeAllPools();
});

const counts = () => emulator.control.counters().byOperation;
const client = (apiKey: string) =>
  new PantherClient({ url: emulator.url, apiKey, retry: { baseDelayMs: 1, maxDelayMs: 5 } });

function deployer(): { id: string; key: string } {
  const { token, value } = emulator.control.createToken({
    name: "deployer",
    permissions: ["OrganizationAPITokenRead", "OrganizationAPITokenModify"],
  });
  return { id: token.id, key: value };
}

/** Waits until the emulator has received `n` requests of `operation`. */
async function received(operation: "get" | "create", n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (counts()[operation] < n) {
    if (Date.now() > deadline) throw new Error(`the emulator never received ${n} ${operation}s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The API keys the emulator's requests of `operation` came with, in order. */
const keysOf = (operation: string): (string | undefined)[] =>
  emulator.control
    .recentRequests()
    .filter((r) => r.operation === operation)
    .map((r) => {
      const key = r.headers["x-api-key"];
      return typeof key === "string" ? key : undefined;
    });

describe("replaceApiKey", () => {
  it("after rotating self, requests in flight with the old key are re-sent once with the new one", async () => {
    const me = deployer();
    const c = client(me.key);
    emulator.control.addFault({ operation: "get", times: 3, kind: "delay", ms: 1500 });
    emulator.control.resetCounters();
    const inFlight = [0, 1, 2].map(() => c.getToken("self"));
    await received("get", 3);

    const rotated = await c.rotateToken("self");
    expect(rotated.id).toBe(me.id);
    c.replaceApiKey(rotated.value);

    const answers = await Promise.all(inFlight);
    expect(answers.map((t) => t.id)).toEqual([me.id, me.id, me.id]);
    expect(counts()).toMatchObject({ get: 6, rotate: 1 });
    expect(keysOf("get")).toEqual([
      me.key,
      me.key,
      me.key,
      rotated.value,
      rotated.value,
      rotated.value,
    ]);
    expect(emulator.control.authenticate(me.key)).toBeUndefined();

    // Later requests go out with the new key at once.
    await c.getToken("self");
    expect(counts().get).toBe(7);
    expect(keysOf("get").at(-1)).toBe(rotated.value);
  });

  it("a create in flight with the old key is re-sent too (a 401 applied nothing): one token", async () => {
    const me = deployer();
    const c = client(me.key);
    emulator.control.addFault({ operation: "create", kind: "delay", ms: 1500 });
    emulator.control.resetCounters();
    const creating = c.createToken({ name: "ci", permissions: ["RuleRead"] });
    await received("create", 1);
    c.replaceApiKey((await c.rotateToken("self")).value);
    const created = await creating;
    expect(counts().create).toBe(2);
    expect(emulator.control.listTokens().filter((t) => t.name === "ci")).toEqual([
      expect.objectContaining({ id: created.id }),
    ]);
  });

  it("re-sends only once: a new key that fails too ends in the 401", async () => {
    const me = deployer();
    const c = client(me.key);
    emulator.control.addFault({ operation: "get", kind: "delay", ms: 1500 });
    emulator.control.resetCounters();
    const getting = failure(() => c.getToken("self"));
    await received("get", 1);
    await c.rotateToken("self");
    const wrong = "w".repeat(43);
    c.replaceApiKey(wrong);
    const error = await getting;
    expect(error).toMatchObject({ code: "PANTHER_UNAUTHORIZED", applied: "no", attempts: 2 });
    expect(counts().get).toBe(2);
    expect(keysOf("get")).toEqual([me.key, wrong]);
  });

  it("does not re-send a 401 for the key in use", async () => {
    emulator.control.resetCounters();
    const error = await failure(() => client("n".repeat(43)).getToken("self"));
    expect(error).toMatchObject({ code: "PANTHER_UNAUTHORIZED", attempts: 1 });
    expect(counts().get).toBe(1);
  });

  it("redacts both the old and the new key from every error", async () => {
    const oldKey = "Old_Key-0123456789abcdefghijklmnopqrstuvwxyz";
    const newKey = "New_Key-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const server = await startLocalServer((_request, response) => {
      send(response, 400, { message: `neither ${oldKey} nor ${newKey} is valid here` });
    });
    try {
      const c = new PantherClient({ url: server.url, apiKey: oldKey });
      c.replaceApiKey(newKey);
      const error = await failure(() => c.getToken("t1"));
      expect(error.message).toContain("neither [REDACTED] nor [REDACTED] is valid here");
      const text = `${error.message}\n${JSON.stringify(error)}`;
      expect(leakedPieces(text, oldKey)).toEqual([]);
      expect(leakedPieces(text, newKey)).toEqual([]);
      expect(server.requests.map((r) => r.key)).toEqual([newKey]);
    } finally {
      await server.close();
    }
  });

  it("refuses an empty key, or one that the URL contains, and keeps the old one", async () => {
    const me = deployer();
    const c = new PantherClient({ url: `${emulator.url}/public/graphql`, apiKey: me.key });
    for (const bad of ["", "   "]) {
      expect(() => {
        c.replaceApiKey(bad);
      }).toThrow(expect.objectContaining({ code: "PANTHER_CONFIG", applied: "no" }) as Error);
    }
    // The host and port are part of the URL: as a key, they would be printed with every error.
    expect(() => {
      c.replaceApiKey(new URL(emulator.url).host);
    }).toThrow(/contains the API key/);
    emulator.control.resetCounters();
    expect((await c.getToken("self")).id).toBe(me.id);
    expect(keysOf("get")).toEqual([me.key]);
  });
});

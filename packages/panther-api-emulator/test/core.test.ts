/**
 * The HTTP-free core: the same answers as the HTTP server for the same
 * requests, on an injected clock, with no gateway.
 */
import {
  createEmulatorCore,
  MAX_BODY_BYTES,
  startEmulator,
  type EmulatorCore,
  type EmulatorCoreRequest,
} from "../src";

const ADMIN_KEY = "core-parity-admin-key-0123456789abcdef";
const OPTIONS = { adminKey: ADMIN_KEY, pageSize: 2, basePath: "/v1" } as const;

/** One answer with the parts that must agree. */
interface Seen {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A step: a request built from the answers so far. */
type Step = (seen: readonly Seen[]) => EmulatorCoreRequest;

const json = (seen: Seen | undefined): Record<string, unknown> =>
  JSON.parse(seen?.body ?? "{}") as Record<string, unknown>;
const field = (seen: Seen | undefined, name: string): string => String(json(seen)[name]);
const request = (
  method: string,
  path: string,
  key: string | undefined,
  body?: unknown,
): EmulatorCoreRequest => ({
  method,
  path: `/v1${path}`,
  headers: key === undefined ? {} : { "X-API-Key": key },
  body: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body),
});

const SCRIPT: Step[] = [
  () => request("POST", "/api-tokens", ADMIN_KEY, { name: "ci", permissions: ["RuleRead"] }),
  (s) => request("GET", "/api-tokens/self", field(s[0], "value")),
  () => request("GET", "/api-tokens?limit=1", ADMIN_KEY),
  (s) => request("GET", `/api-tokens?cursor=${field(s[2], "next")}`, ADMIN_KEY),
  (s) => request("GET", "/api-tokens", field(s[0], "value")),
  (s) =>
    request("POST", `/api-tokens/${field(s[0], "id")}`, ADMIN_KEY, {
      name: "ci-2",
      permissions: ["RuleModify", "OrganizationAPITokenRead"],
      allowedCIDRBlocks: ["127.0.0.0/8", "::1/128"],
    }),
  (s) => request("POST", `/api-tokens/${field(s[0], "id")}/rotate`, ADMIN_KEY),
  (s) => request("GET", "/api-tokens/self", field(s[0], "value")),
  (s) => request("GET", "/api-tokens?limit=1", field(s[6], "value")),
  () => request("POST", "/api-tokens", ADMIN_KEY, '{"name": '),
  () => request("POST", "/api-tokens", ADMIN_KEY, { name: "x", permissions: ["Nope"] }),
  () => request("POST", "/api-tokens/self/rotate", ADMIN_KEY),
  () => request("PUT", "/api-tokens", ADMIN_KEY),
  () => request("GET", "/api-tokens/a/b/c", ADMIN_KEY),
  () => request("GET", "/api-tokens/self", undefined),
  () => request("GET", "/api-tokens?cursor=bogus", ADMIN_KEY),
  () => ({
    method: "GET",
    path: "/api-tokens/self",
    headers: { "x-api-key": ADMIN_KEY },
    body: "",
  }),
  () => request("GET", "/_emulator-ish", ADMIN_KEY),
  (s) => request("DELETE", `/api-tokens/${field(s[0], "id")}`, ADMIN_KEY),
  (s) => request("DELETE", `/api-tokens/${field(s[0], "id")}`, ADMIN_KEY),
];

/**
 * Replaces what differs between two emulators by design (random ids and
 * values, and times) with placeholders numbered by first appearance.
 */
function normalize(answers: readonly Seen[]): Seen[] {
  const names = new Map<string, string>();
  const name = (text: string, kind: string): string => {
    let placeholder = names.get(text);
    if (placeholder === undefined) {
      placeholder = `<${kind}-${names.size}>`;
      names.set(text, placeholder);
    }
    return placeholder;
  };
  const scrub = (text: string): string =>
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, (id) =>
        name(id, "id"),
      )
      .replace(/"value":"[A-Za-z0-9_-]{43}"/g, (value) => name(value, "value"))
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, "<stamp>");
  return answers.map((answer) => ({
    status: answer.status,
    body: scrub(answer.body),
    headers: Object.fromEntries(
      Object.entries(answer.headers).map(([header, value]) => [
        header,
        header === "date" ? (Number.isNaN(Date.parse(value)) ? "invalid" : "<date>") : value,
      ]),
    ),
  }));
}

/** Node's own connection headers, which only the HTTP server sends. */
const TRANSPORT_HEADERS = new Set(["connection", "keep-alive"]);

describe("createEmulatorCore", () => {
  it("gives the same answers as the HTTP server for a scripted sequence", async () => {
    const core = createEmulatorCore(OPTIONS);
    const viaCore: Seen[] = [];
    for (const step of SCRIPT) viaCore.push(core.handle(step(viaCore)));

    const emulator = await startEmulator(OPTIONS);
    const viaHttp: Seen[] = [];
    try {
      const origin = `http://127.0.0.1:${emulator.port}`;
      for (const step of SCRIPT) {
        const next = step(viaHttp);
        const init: RequestInit = { method: next.method, headers: next.headers };
        if (next.body !== "") init.body = next.body;
        const response = await fetch(`${origin}${next.path}`, init);
        const headers: Record<string, string> = {};
        response.headers.forEach((value, header) => {
          if (!TRANSPORT_HEADERS.has(header)) headers[header] = value;
        });
        viaHttp.push({ status: response.status, body: await response.text(), headers });
      }
    } finally {
      await emulator.close();
    }

    expect(viaCore.map((answer) => answer.status)).toEqual([
      200, 200, 200, 200, 403, 200, 200, 401, 200, 400, 400, 400, 405, 404, 401, 400, 404, 404, 204,
      404,
    ]);
    expect(normalize(viaHttp)).toEqual(normalize(viaCore));
    expect(core.control.counters()).toEqual({
      ...emulator.control.counters(),
      connections: 0,
    });
  });

  it("follows the injected clock: stamps, the Date header and propagation", () => {
    let now = Date.parse("2031-02-03T04:05:06.789Z");
    const core = createEmulatorCore({ now: () => now, propagationDelayMs: 30_000 });
    const created = core.handle({
      method: "POST",
      path: "/api-tokens",
      headers: { "X-Api-Key": core.adminKey },
      body: JSON.stringify({ name: "t", permissions: [] }),
    });
    const token = JSON.parse(created.body) as { createdAt: string; value: string };
    expect(token.createdAt).toBe("2031-02-03T04:05:06.789Z");
    expect(created.headers).toEqual({
      date: "Mon, 03 Feb 2031 04:05:06 GMT",
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(created.body)),
    });
    const self = (): number =>
      core.handle({
        method: "GET",
        path: "/api-tokens/self",
        headers: { "x-api-key": token.value },
        body: "",
      }).status;
    expect(self()).toBe(401);
    now += 30_000;
    expect(self()).toBe(200);
    expect(core.control.recentRequests().at(-1)?.receivedAt).toBe("2031-02-03T04:05:36.789Z");
  });

  it("answers 413 above the body limit, 404 under /_emulator, and offers no gateway controls", () => {
    const core: EmulatorCore = createEmulatorCore();
    const big = core.handle({
      method: "POST",
      path: "/api-tokens",
      headers: { "x-api-key": core.adminKey },
      body: "x".repeat(MAX_BODY_BYTES + 1),
    });
    expect([big.status, JSON.parse(big.body)]).toEqual([
      413,
      { message: `request body exceeds ${MAX_BODY_BYTES} bytes` },
    ]);
    const control = core.handle({
      method: "GET",
      path: "/_emulator/counters",
      headers: { "x-emulator-admin": core.adminKey },
      body: "",
    });
    expect(control.status).toBe(404);
    expect(core.control.counters()).toMatchObject({
      requests: 2,
      byStatus: { "404": 1, "413": 1 },
    });
    for (const gatewayControl of ["addFault", "clearFaults"]) {
      expect(core.control).not.toHaveProperty(gatewayControl);
    }
  });
});

describe("idMatching", () => {
  const key = "id-matching-admin-key-0123456789abcdef";
  const ask = (core: EmulatorCore, method: string, path: string) =>
    core.handle({ method, path, headers: { "x-api-key": key }, body: "" });

  it("exact (default): an id in other case names no token", () => {
    const core = createEmulatorCore({ adminKey: key });
    const made = core.control.createToken({ name: "x", permissions: ["RuleRead"] });
    expect(ask(core, "GET", `/api-tokens/${made.token.id.toUpperCase()}`).status).toBe(404);
  });

  it("caseInsensitive: an id in other case names the token, answered with its own id", () => {
    const core = createEmulatorCore({ adminKey: key, idMatching: "caseInsensitive" });
    const made = core.control.createToken({ name: "x", permissions: ["RuleRead"] });
    const got = ask(core, "GET", `/api-tokens/${made.token.id.toUpperCase()}`);
    expect(got.status).toBe(200);
    expect((JSON.parse(got.body) as { id: string }).id).toBe(made.token.id);
    expect(ask(core, "DELETE", `/api-tokens/${made.token.id.toUpperCase()}`).status).toBe(204);
    expect(core.control.getToken(made.token.id)).toBeUndefined();
  });

  it("refuses anything else", () => {
    expect(() => createEmulatorCore({ idMatching: "loose" as never })).toThrow(
      'idMatching must be "exact" or "caseInsensitive"',
    );
  });
});

describe("faultAnswer", () => {
  const faults = [
    { kind: "status", status: 503 },
    {
      kind: "status",
      status: 429,
      headers: { "retry-after": "2" },
      body: { message: "slow down" },
    },
    {
      kind: "status",
      status: 502,
      body: "<html>bad gateway</html>",
      headers: { "content-type": "text/html" },
    },
    { kind: "lateLanding", applyAfterMs: 50 },
    { kind: "lateLanding", status: 502, applyAfterMs: 50 },
  ] as const;

  it.each(faults)("answers %j as the HTTP server does, and counts nothing", async (fault) => {
    const core = createEmulatorCore({ adminKey: ADMIN_KEY });
    const emulator = await startEmulator({ adminKey: ADMIN_KEY });
    try {
      emulator.control.addFault({ operation: "list", ...fault });
      const served = await fetch(`${emulator.url}/api-tokens`, {
        headers: { "x-api-key": ADMIN_KEY },
      });
      const inProcess = core.faultAnswer(fault);
      expect({
        status: inProcess.status,
        body: inProcess.body,
        type: inProcess.headers["content-type"],
        retryAfter: inProcess.headers["retry-after"],
      }).toEqual({
        status: served.status,
        body: await served.text(),
        type: served.headers.get("content-type") ?? undefined,
        retryAfter: served.headers.get("retry-after") ?? undefined,
      });
      expect(inProcess.headers["date"]).toEqual(expect.any(String));
      expect(core.control.counters().requests).toBe(0);
    } finally {
      await emulator.close();
    }
  });
});

/**
 * Canonical forms: a Panther that rewrites token input before storing it.
 * The defaults store input as given; each option rewrites one thing, for
 * API and Console writes alike, and the rewritten form is what is enforced.
 */
import {
  createEmulatorCore,
  EmulatorError,
  startEmulator,
  type CanonicalForms,
  type EmulatorCore,
} from "../src";
import { asToken, call } from "./helpers";

function core(canonicalForms?: CanonicalForms): EmulatorCore {
  return canonicalForms === undefined
    ? createEmulatorCore()
    : createEmulatorCore({ canonicalForms });
}

function send(
  emulator: EmulatorCore,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; remoteAddress?: string } = {},
): { status: number; json: unknown } {
  const request = {
    method,
    path,
    headers: { "x-api-key": options.key ?? emulator.adminKey },
    body: options.body === undefined ? "" : JSON.stringify(options.body),
  };
  const answer = emulator.handle(
    options.remoteAddress === undefined
      ? request
      : { ...request, remoteAddress: options.remoteAddress },
  );
  return { status: answer.status, json: answer.body === "" ? undefined : JSON.parse(answer.body) };
}

function create(emulator: EmulatorCore, body: unknown): Record<string, unknown> & { id: string } {
  const answer = send(emulator, "POST", "/api-tokens", { body });
  expect(answer.status).toBe(200);
  return asToken(answer.json);
}

const NFD_NAME = "cafe\u0301"; // "café" with a combining accent
const NFC_NAME = "caf\u00e9";

describe("canonical forms: defaults", () => {
  it("store name, permissions and blocks as given", () => {
    const emulator = core();
    const token = create(emulator, {
      name: NFD_NAME,
      permissions: ["RuleModify"],
      allowedCIDRBlocks: ["::ffff:10.0.0.0/104", "2001:DB8:0:0::/32", "10.0.0.1/8"],
    });
    expect(token).toMatchObject({
      name: NFD_NAME,
      permissions: ["RuleModify"],
      allowedCIDRBlocks: ["::ffff:10.0.0.0/104", "2001:DB8:0:0::/32", "10.0.0.1/8"],
    });
  });
});

describe("canonical forms: ipv4MappedAsIpv4", () => {
  it("stores IPv4-mapped blocks as IPv4, once, and leaves wider mapped prefixes alone", () => {
    const emulator = core({ ipv4MappedAsIpv4: true });
    const token = create(emulator, {
      name: "mapped",
      permissions: [],
      allowedCIDRBlocks: [
        "::ffff:10.0.0.0/104",
        "10.0.0.0/8",
        "::ffff:0:0/96",
        "0:0:0:0:0:ffff:c000:0201/128",
        "::ffff:0:0/80",
        "2001:db8::/32",
      ],
    });
    expect(token["allowedCIDRBlocks"]).toEqual([
      "10.0.0.0/8",
      "0.0.0.0/0",
      "192.0.2.1/32",
      "::ffff:0:0/80",
      "2001:db8::/32",
    ]);
  });

  it("enforces the stored IPv4 block for IPv4 and IPv4-mapped callers", () => {
    const emulator = core({ ipv4MappedAsIpv4: true });
    const { token, value } = emulator.control.createToken({
      name: "fenced",
      permissions: [],
      allowedCIDRBlocks: ["::ffff:127.0.0.0/104"],
    });
    expect(token.allowedCIDRBlocks).toEqual(["127.0.0.0/8"]);
    const from = (remoteAddress: string): number =>
      send(emulator, "GET", "/api-tokens/self", { key: value, remoteAddress }).status;
    expect([from("127.0.0.1"), from("::ffff:127.0.0.1"), from("10.0.0.1")]).toEqual([
      200, 200, 403,
    ]);
  });
});

describe("canonical forms: nameNormalization", () => {
  it("NFC composes and NFD decomposes names, on create, update and Console changes", () => {
    const nfc = core({ nameNormalization: "NFC" });
    const created = create(nfc, { name: NFD_NAME, permissions: [] });
    expect(created["name"]).toBe(NFC_NAME);
    const updated = send(nfc, "POST", `/api-tokens/${created.id}`, {
      body: { name: `${NFD_NAME}-2`, permissions: [] },
    });
    expect(asToken(updated.json)["name"]).toBe(`${NFC_NAME}-2`);
    expect(nfc.control.updateToken(created.id, { name: NFD_NAME }).name).toBe(NFC_NAME);

    const nfd = core({ nameNormalization: "NFD" });
    expect(nfd.control.createToken({ name: NFC_NAME, permissions: [] }).token.name).toBe(NFD_NAME);
  });

  it("applies the length limit to the normalized name", () => {
    const name = NFC_NAME.slice(-1).repeat(255); // 255 × "é", 510 code points once decomposed
    expect(create(core({ nameNormalization: "NFC" }), { name, permissions: [] })["name"]).toBe(
      name,
    );
    const answer = send(core({ nameNormalization: "NFD" }), "POST", "/api-tokens", {
      body: { name, permissions: [] },
    });
    expect(answer).toEqual({
      status: 400,
      json: { message: "name must be at most 255 characters" },
    });
  });
});

describe("canonical forms: impliedPermissions", () => {
  it("a …Modify permission brings its …Read counterpart when one is known", () => {
    const emulator = core({ impliedPermissions: true });
    const token = create(emulator, {
      name: "writer",
      permissions: ["RuleModify", "OrganizationAPITokenModify", "AIRunAsModify", "AlertRead"],
    });
    expect(token["permissions"]).toEqual([
      "AIRunAsModify",
      "AlertRead",
      "OrganizationAPITokenModify",
      "OrganizationAPITokenRead",
      "RuleModify",
      "RuleRead",
    ]);
  });

  it("the implied permission is enforced: a Modify-only token may list", () => {
    const permissions = ["OrganizationAPITokenModify"];
    const plain = core();
    const implied = core({ impliedPermissions: true });
    const list = (emulator: EmulatorCore): number => {
      const { value } = emulator.control.createToken({ name: "m", permissions });
      return send(emulator, "GET", "/api-tokens", { key: value }).status;
    };
    expect([list(plain), list(implied)]).toEqual([403, 200]);
  });
});

describe("canonical forms: ipv6Style", () => {
  it("expanded writes eight 4-digit groups and leaves IPv4 blocks alone", () => {
    const emulator = core({ ipv6Style: "expanded" });
    const token = create(emulator, {
      name: "v6",
      permissions: [],
      allowedCIDRBlocks: ["2001:db8::/32", "::ffff:10.0.0.0/104", "10.0.0.0/8"],
    });
    expect(token["allowedCIDRBlocks"]).toEqual([
      "2001:0db8:0000:0000:0000:0000:0000:0000/32",
      "0000:0000:0000:0000:0000:ffff:0a00:0000/104",
      "10.0.0.0/8",
    ]);
  });

  it("compressed writes RFC 5952 text and stores two spellings of a block once", () => {
    const emulator = core({ ipv6Style: "compressed" });
    const token = create(emulator, {
      name: "v6",
      permissions: [],
      allowedCIDRBlocks: ["2001:DB8:0:0:0:0:0:0/32", "2001:db8::/32", "FE80:0000::1/64"],
    });
    expect(token["allowedCIDRBlocks"]).toEqual(["2001:db8::/32", "fe80::1/64"]);
  });

  it("ipv4MappedAsIpv4 wins over the IPv6 style for mapped blocks", () => {
    const emulator = core({ ipv4MappedAsIpv4: true, ipv6Style: "expanded" });
    const token = create(emulator, {
      name: "both",
      permissions: [],
      allowedCIDRBlocks: ["::ffff:10.0.0.0/104"],
    });
    expect(token["allowedCIDRBlocks"]).toEqual(["10.0.0.0/8"]);
  });
});

describe("canonical forms: settings", () => {
  it("fields left out of canonicalForms take their defaults", () => {
    expect(
      create(core({ nameNormalization: "NFC" }), { name: NFD_NAME, permissions: [] }),
    ).toMatchObject({ name: NFC_NAME, permissions: [] });
    // Only the given field rewrites: names stay as given.
    expect(
      create(core({ impliedPermissions: true }), { name: NFD_NAME, permissions: ["RuleModify"] }),
    ).toMatchObject({ name: NFD_NAME, permissions: ["RuleModify", "RuleRead"] });
  });

  it("refuses bad settings as options, and a running emulator stores in the forms it started with", async () => {
    for (const canonicalForms of [
      { nameNormalization: "NFKC" },
      { ipv6Style: "wide" },
      { ipv4MappedAsIpv4: "yes" },
      { impliedPermissions: 1 },
    ]) {
      expect(() => createEmulatorCore({ canonicalForms: canonicalForms as never })).toThrow(
        expect.objectContaining({ code: "EMULATOR_INVALID_OPTION" }) as Error,
      );
    }
    await expect(startEmulator({ canonicalForms: { ipv6Style: "wide" as never } })).rejects.toThrow(
      new EmulatorError(
        "EMULATOR_INVALID_OPTION",
        "canonicalForms: ipv6Style must be one of asGiven, compressed, expanded",
      ),
    );
    const emulator = await startEmulator({ canonicalForms: { ipv6Style: "expanded" } });
    try {
      // The option takes effect over HTTP, for API and Console writes alike.
      const created = await call(emulator, "POST", "/api-tokens", {
        key: emulator.adminKey,
        body: { name: "v6", permissions: [], allowedCIDRBlocks: ["::1/128"] },
      });
      expect(asToken(created.json)["allowedCIDRBlocks"]).toEqual([
        "0000:0000:0000:0000:0000:0000:0000:0001/128",
      ]);
      const viaConsole = emulator.control.createToken({
        name: "v6",
        permissions: [],
        allowedCIDRBlocks: ["0:0::0:1/128"],
      });
      expect(viaConsole.token.allowedCIDRBlocks).toEqual([
        "0000:0000:0000:0000:0000:0000:0000:0001/128",
      ]);
    } finally {
      await emulator.close();
    }
  });
});

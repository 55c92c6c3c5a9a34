import {
  blockWithin,
  holdsRequest,
  normalizeCidrs,
  normalizeFields,
  widensAccess,
} from "../../provider/dynamic-provider/normalize";

describe("one normal form", () => {
  it("sorts, de-duplicates and canonicalizes; unreadable blocks are kept as sent", () => {
    expect(normalizeCidrs(["2001:DB8::/32", "10.0.0.0/8", "2001:db8:0::/32", "garbage"])).toEqual([
      "10.0.0.0/8",
      "2001:db8::/32",
      "garbage",
    ]);
    expect(normalizeFields({ name: "x", permissions: null })).toEqual({
      name: "x",
      permissions: [],
      allowedCIDRBlocks: [],
    });
  });
});

describe("holdsRequest: a token holds what a request asked for, in whatever canonical form Panther stores it", () => {
  const request = normalizeFields({
    name: "caf\u0065\u0301",
    permissions: ["RuleModify"],
    allowedCIDRBlocks: ["::ffff:10.0.0.0/104", "2001:db8::/32"],
  });
  it("matches names in NFC, IPv4-mapped blocks as IPv4, expanded IPv6, and implied permissions", () => {
    expect(
      holdsRequest(
        {
          name: "caf\u00e9",
          permissions: ["RuleModify", "RuleRead"],
          allowedCIDRBlocks: ["10.0.0.0/8", "2001:0db8:0000:0000:0000:0000:0000:0000/32"],
        },
        request,
      ),
    ).toBe(true);
  });
  it("does not match another name, a missing permission, or other blocks", () => {
    const base = {
      name: "café",
      permissions: ["RuleModify"],
      allowedCIDRBlocks: ["10.0.0.0/8", "2001:db8::/32"],
    };
    expect(holdsRequest({ ...base, name: "cafe" }, request)).toBe(false);
    expect(holdsRequest({ ...base, permissions: ["RuleRead"] }, request)).toBe(false);
    expect(holdsRequest({ ...base, allowedCIDRBlocks: ["10.0.0.0/8"] }, request)).toBe(false);
    expect(holdsRequest({ ...base, allowedCIDRBlocks: null }, request)).toBe(false);
  });
  it("does not take a token with permissions the request dropped for one that holds it", () => {
    const narrowed = normalizeFields({ name: "ci", permissions: ["RuleRead"] });
    // A narrowing that did not land: the live token still has RuleModify.
    expect(holdsRequest({ name: "ci", permissions: ["RuleModify", "RuleRead"] }, narrowed)).toBe(
      false,
    );
    // Only the Read that a requested Modify implies may be added by the server.
    expect(holdsRequest({ name: "ci", permissions: ["AlertRead", "RuleRead"] }, narrowed)).toBe(
      false,
    );
  });
});

describe("widensAccess", () => {
  it("an empty list widens any restriction; an unrestricted token cannot be widened", () => {
    expect(widensAccess(["203.0.113.0/24"], [])).toBe(true);
    expect(widensAccess([], ["203.0.113.0/24"])).toBe(false);
    expect(widensAccess([], [])).toBe(false);
  });
  it("narrower or equal blocks do not widen; other or larger blocks do", () => {
    expect(widensAccess(["203.0.113.0/24"], ["203.0.113.0/25", "203.0.113.128/25"])).toBe(false);
    expect(widensAccess(["203.0.113.0/24"], ["203.0.113.0/24"])).toBe(false);
    expect(widensAccess(["203.0.113.0/24"], ["203.0.112.0/23"])).toBe(true);
    expect(widensAccess(["203.0.113.0/24"], ["198.51.100.0/24"])).toBe(true);
    expect(widensAccess(["10.0.0.0/8"], ["::ffff:10.1.0.0/112"])).toBe(false);
    expect(widensAccess(["10.0.0.0/8"], ["::ffff:0:0/96"])).toBe(true);
  });
  it("blockWithin compares families by meaning", () => {
    expect(blockWithin("10.1.0.0/16", "10.0.0.0/8")).toBe(true);
    expect(blockWithin("2001:db8::/48", "2001:db8::/32")).toBe(true);
    expect(blockWithin("2001:db8::/32", "10.0.0.0/8")).toBe(false);
  });
});

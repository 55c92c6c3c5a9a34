import { cidrContains, formatIp, parseCidr, parseIp } from "../../provider/dynamic-provider/cidr";

function ok(text: string): { canonical: string; network: string; hostBitsSet: boolean } {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.reason}`);
  return { canonical: parsed.canonical, network: parsed.network, hostBitsSet: parsed.hostBitsSet };
}

describe("parseCidr", () => {
  it.each([
    ["203.0.113.0/24", "203.0.113.0/24"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["10.1.2.3/32", "10.1.2.3/32"],
    ["2001:DB8::/32", "2001:db8::/32"],
    ["2001:0db8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
    ["::/0", "::/0"],
    ["::1/128", "::1/128"],
    ["2001:db8:0:0:1:0:0:0/96", "2001:db8:0:0:1::/96"],
    ["2001:db8:0:0:1:1:0:0/96", "2001:db8::1:1:0:0/96"],
    ["::ffff:192.0.2.0/120", "::ffff:192.0.2.0/120"],
  ])("reads %s as %s", (input, canonical) => {
    expect(ok(input)).toEqual({ canonical, network: canonical, hostBitsSet: false });
  });

  it("reports host bits with the network address", () => {
    expect(ok("10.0.0.1/8")).toEqual({
      canonical: "10.0.0.1/8",
      network: "10.0.0.0/8",
      hostBitsSet: true,
    });
    expect(ok("2001:db8::1/32")).toEqual({
      canonical: "2001:db8::1/32",
      network: "2001:db8::/32",
      hostBitsSet: true,
    });
  });

  it.each([
    ["10.0.0.0", /add the prefix length, e.g. "10.0.0.0\/32"/],
    ["10.0.0.0/33", /prefix length/],
    ["2001:db8::/129", /prefix length/],
    ["10.0.0.0/-1", /prefix length/],
    ["10.0.0.0/08", /prefix length/],
    ["10.0.0.0/", /prefix length/],
    ["256.0.0.0/8", /invalid address/],
    ["010.0.0.0/8", /invalid address/],
    ["10.0.0/8", /invalid address/],
    ["1:2:3:4:5:6:7:8:9/64", /invalid address/],
    ["1::2::3/64", /invalid address/],
    ["2001:db8::g/64", /invalid address/],
    ["fe80::1%eth0/64", /invalid address/],
    ["not a cidr", /is not a CIDR block/],
    ["", /is not a CIDR block/],
  ])("refuses %s", (input, reason) => {
    const parsed = parseCidr(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe("cidrContains", () => {
  const block = (t: string) => {
    const p = parseCidr(t);
    if (!p.ok) throw new Error(t);
    return p.block;
  };
  const ip = (t: string) => {
    const a = parseIp(t);
    if (!a) throw new Error(t);
    return a;
  };
  it("matches IPv4 and IPv4-mapped IPv6 peers", () => {
    expect(cidrContains(block("127.0.0.0/8"), ip("127.0.0.1"))).toBe(true);
    expect(cidrContains(block("127.0.0.0/8"), ip("::ffff:127.0.0.1"))).toBe(true);
    expect(cidrContains(block("203.0.113.0/24"), ip("127.0.0.1"))).toBe(false);
    expect(cidrContains(block("203.0.113.0/24"), ip("::ffff:127.0.0.1"))).toBe(false);
  });
  it("matches IPv6", () => {
    expect(cidrContains(block("::1/128"), ip("::1"))).toBe(true);
    expect(cidrContains(block("2001:db8::/32"), ip("2001:db8:ffff::1"))).toBe(true);
    expect(cidrContains(block("2001:db8::/32"), ip("2001:db9::1"))).toBe(false);
    expect(cidrContains(block("::/0"), ip("127.0.0.1"))).toBe(false);
    expect(cidrContains(block("0.0.0.0/0"), ip("10.9.8.7"))).toBe(true);
  });
});

describe("formatIp", () => {
  it("compresses the longest zero run, the first on a tie (RFC 5952)", () => {
    expect(formatIp(ip6("2001:db8:0:0:1:0:0:1"))).toBe("2001:db8::1:0:0:1");
    expect(formatIp(ip6("2001:db8:0:1:1:1:1:1"))).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIp(ip6("0:0:0:0:0:0:0:0"))).toBe("::");
  });
  function ip6(t: string) {
    const a = parseIp(t);
    if (!a) throw new Error(t);
    return a;
  }
});

/**
 * The emulator's IP and CIDR parser: what it accepts, what it refuses, and
 * how addresses match blocks across IPv4, IPv6 and IPv4-mapped IPv6.
 */
import {
  cidrContains,
  formatIPv6,
  isAddressAllowed,
  isLoopbackHost,
  parseCidr,
  parseIp,
  type CidrBlock,
} from "../src/cidr";

function block(text: string): CidrBlock {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`expected ${text} to parse`);
  return parsed;
}

describe("parseCidr", () => {
  it.each([
    ["0.0.0.0/0", 4, 96],
    ["10.0.0.0/8", 4, 104],
    ["10.0.0.1/8", 4, 104],
    ["192.168.1.1/32", 4, 128],
    ["::/0", 6, 0],
    ["::1/128", 6, 128],
    ["2001:db8::/32", 6, 32],
    ["2001:DB8:0:0:0:0:0:1/64", 6, 64],
    ["fe80::/10", 6, 10],
    ["::ffff:10.0.0.0/104", 6, 104],
    ["1:2:3:4:5:6:7::/112", 6, 112],
    ["::2:3:4:5:6:7:8/16", 6, 16],
  ])("accepts %s (family %d, prefix %d in the 128-bit space)", (text, family, prefix) => {
    expect(parseCidr(text)).toMatchObject({ text, family, prefix });
  });

  it.each([
    "10.0.0.1/33",
    "10.0.0.1",
    "10.0.0/8",
    "10.0.0.0.0/8",
    "256.0.0.0/8",
    "010.0.0.0/8",
    "10.0.0.0/08",
    "10.0.0.0/",
    "/8",
    "10.0.0.0/-1",
    "10.0.0.0/8/8",
    " 10.0.0.0/8",
    "2001:db8::/129",
    "2001:db8:::1/64",
    "1::2::3/64",
    "1:2:3:4:5:6:7:8:9/64",
    "1:2:3:4:5:6:7/64",
    "1:2:3:4:5:6:7:8::/64",
    "12345::/16",
    "g::/16",
    ":1:2:3:4:5:6:7/64",
    "1:2:3:4:5:6:7:/64",
    "::ffff:10.0.0/104",
    "10.0.0.0::/8",
    "fe80::1%eth0/64",
    "localhost/8",
    "",
  ])("refuses %j", (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe("cidrContains and isAddressAllowed", () => {
  const address = (text: string): NonNullable<ReturnType<typeof parseIp>> => {
    const parsed = parseIp(text);
    if (parsed === undefined) throw new Error(`expected ${text} to parse`);
    return parsed;
  };

  it("matches IPv4 addresses by prefix, host bits of the block ignored", () => {
    expect(cidrContains(block("10.1.2.3/8"), address("10.200.0.1"))).toBe(true);
    expect(cidrContains(block("10.0.0.0/8"), address("11.0.0.1"))).toBe(false);
    expect(cidrContains(block("192.168.1.128/25"), address("192.168.1.200"))).toBe(true);
    expect(cidrContains(block("192.168.1.128/25"), address("192.168.1.127"))).toBe(false);
    expect(cidrContains(block("0.0.0.0/0"), address("203.0.113.9"))).toBe(true);
  });

  it("matches IPv4-mapped IPv6 peers against IPv4 blocks, and the other way round", () => {
    expect(cidrContains(block("127.0.0.0/8"), address("::ffff:127.0.0.1"))).toBe(true);
    expect(cidrContains(block("127.0.0.0/8"), address("::ffff:7f00:1"))).toBe(true);
    expect(cidrContains(block("::ffff:127.0.0.0/104"), address("127.0.0.1"))).toBe(true);
    expect(cidrContains(block("203.0.113.0/24"), address("::ffff:127.0.0.1"))).toBe(false);
  });

  it("matches IPv6 addresses by prefix, including prefixes that end inside a byte", () => {
    expect(cidrContains(block("2001:db8::/32"), address("2001:db8:ffff::1"))).toBe(true);
    expect(cidrContains(block("2001:db8::/32"), address("2001:db9::1"))).toBe(false);
    expect(cidrContains(block("fe80::/10"), address("febf::1"))).toBe(true);
    expect(cidrContains(block("fe80::/10"), address("fec0::1"))).toBe(false);
    expect(cidrContains(block("::1/128"), address("::1"))).toBe(true);
    expect(cidrContains(block("::1/128"), address("127.0.0.1"))).toBe(false);
  });

  it("allows any address with an empty list, and refuses an unparseable one otherwise", () => {
    expect(isAddressAllowed([], "whatever")).toBe(true);
    expect(isAddressAllowed([block("127.0.0.0/8")], "::ffff:127.0.0.1")).toBe(true);
    expect(isAddressAllowed([block("10.0.0.0/8"), block("::1/128")], "::1")).toBe(true);
    expect(isAddressAllowed([block("fe80::/10")], "fe80::1%eth0")).toBe(true);
    expect(isAddressAllowed([block("10.0.0.0/8")], "127.0.0.1")).toBe(false);
    expect(isAddressAllowed([block("0.0.0.0/0")], "")).toBe(false);
  });
});

describe("formatIPv6", () => {
  it.each([
    ["2001:db8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"],
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["1:0:0:0:0:0:0:0", "1::"],
    ["::ffff:c000:201", "::ffff:192.0.2.1"],
    ["ABCD:00EF::", "abcd:ef::"],
  ])("compresses %s as %s", (input, expected) => {
    const address = parseIp(input);
    if (address === undefined) throw new Error(`${input} should parse`);
    expect(formatIPv6(address.bytes, "compressed")).toBe(expected);
  });

  it("expands to eight 4-digit groups", () => {
    const address = parseIp("2001:db8::ff");
    expect(address && formatIPv6(address.bytes, "expanded")).toBe(
      "2001:0db8:0000:0000:0000:0000:0000:00ff",
    );
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.1", false],
    ["example.com", false],
  ])("%s → %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

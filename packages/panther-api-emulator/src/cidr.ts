/**
 * IP addresses and CIDR blocks, IPv4 and IPv6, parsed without dependencies.
 *
 * Every address is held as 16 bytes: an IPv4 address `a.b.c.d` becomes the
 * IPv4-mapped IPv6 address `::ffff:a.b.c.d` and an IPv4 prefix `/n` becomes
 * `/96+n`. That makes `127.0.0.0/8` contain both `127.0.0.1` and
 * `::ffff:127.0.0.1` (the form Node reports for IPv4 clients of a dual-stack
 * socket), and makes `::/0` contain every address.
 */

/** A parsed IP address. */
export interface IpAddress {
  /** 4 when written as a dotted quad or as an IPv4-mapped IPv6 address, else 6. */
  readonly family: 4 | 6;
  /** The address as 16 bytes (IPv4 addresses in IPv4-mapped form). */
  readonly bytes: Uint8Array;
}

/** A parsed CIDR block such as `10.0.0.0/8` or `2001:db8::/32`. */
export interface CidrBlock {
  /** The block exactly as it was written. */
  readonly text: string;
  /** Family of the address as written: 4 for a dotted quad, else 6. */
  readonly family: 4 | 6;
  /** The address part as 16 bytes; host bits may be set (as Go's `net.ParseCIDR` allows). */
  readonly bytes: Uint8Array;
  /** Prefix length in the 128-bit space: an IPv4 `/n` is stored as `96 + n`. */
  readonly prefix: number;
}

const IPV4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] as const;
const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(?:0|[1-9][0-9]{0,2})$/;

/** Parses a dotted quad with no leading zeros (`010.0.0.1` is refused, as Go does). */
function parseIPv4Octets(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets;
}

/** Parses colon-separated hex groups; the last may be a dotted quad when `allowIPv4Tail`. */
function parseGroups(text: string, allowIPv4Tail: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (allowIPv4Tail && index === parts.length - 1 && part.includes(".")) {
      const octets = parseIPv4Octets(part);
      if (octets === undefined) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = octets;
      groups.push((a << 8) | b, (c << 8) | d);
      continue;
    }
    if (!HEX_GROUP.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function parseIPv6Bytes(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  let groups: number[];
  if (halves.length === 1) {
    const all = parseGroups(text, true);
    if (all?.length !== 8) return undefined;
    groups = all;
  } else if (halves.length === 2) {
    const [headText = "", tailText = ""] = halves;
    const head = parseGroups(headText, false);
    const tail = parseGroups(tailText, true);
    if (head === undefined || tail === undefined) return undefined;
    // "::" stands for at least one zero group.
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    return undefined;
  }
  const bytes = new Uint8Array(16);
  for (const [index, group] of groups.entries()) {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  }
  return bytes;
}

function isIPv4Mapped(bytes: Uint8Array): boolean {
  return IPV4_MAPPED_PREFIX.every((value, index) => bytes[index] === value);
}

/**
 * Parses an IPv4 or IPv6 address. Returns `undefined` for anything else,
 * including host names, zone ids (`fe80::1%eth0`) and leading zeros in a
 * dotted quad.
 *
 * @example
 * parseIp("::ffff:127.0.0.1")?.family; // 4
 */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const bytes = parseIPv6Bytes(text);
    if (bytes === undefined) return undefined;
    return { family: isIPv4Mapped(bytes) ? 4 : 6, bytes };
  }
  const octets = parseIPv4Octets(text);
  if (octets === undefined) return undefined;
  return { family: 4, bytes: Uint8Array.from([...IPV4_MAPPED_PREFIX, ...octets]) };
}

/**
 * Parses a CIDR block (`address/prefix`). The prefix is required (a bare
 * address is not a block), must be 0–32 for a dotted quad and 0–128 for an
 * IPv6 address, and is written without leading zeros. Host bits may be set
 * (`10.0.0.1/8` is accepted and means `10.0.0.0/8`). Returns `undefined` if
 * the text is not a valid block.
 *
 * @example
 * parseCidr("10.0.0.1/33"); // undefined
 * parseCidr("2001:db8::/32")?.prefix; // 32
 */
export function parseCidr(text: string): CidrBlock | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!PREFIX_LENGTH.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const isV6Syntax = addressText.includes(":");
  if (prefix > (isV6Syntax ? 128 : 32)) return undefined;
  const address = parseIp(addressText);
  if (address === undefined) return undefined;
  if (isV6Syntax) return { text, family: 6, bytes: address.bytes, prefix };
  return { text, family: 4, bytes: address.bytes, prefix: 96 + prefix };
}

/** Whether the first `block.prefix` bits of `address` equal those of the block. */
export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  const fullBytes = Math.floor(block.prefix / 8);
  for (let index = 0; index < fullBytes; index++) {
    if (block.bytes[index] !== address.bytes[index]) return false;
  }
  const remainingBits = block.prefix % 8;
  if (remainingBits === 0) return true;
  const mask = (0xff << (8 - remainingBits)) & 0xff;
  return ((block.bytes[fullBytes] ?? 0) & mask) === ((address.bytes[fullBytes] ?? 0) & mask);
}

/** Whether a block written in IPv6 syntax is an IPv4-mapped block (`::ffff:0:0/96` or narrower). */
function isMappedBlock(block: CidrBlock): boolean {
  return block.family === 6 && block.prefix >= 96 && isIPv4Mapped(block.bytes);
}

/**
 * The IPv4 form of an IPv4-mapped IPv6 block, host bits kept
 * (`::ffff:10.0.0.0/104` → `10.0.0.0/8`, `::ffff:0:0/96` → `0.0.0.0/0`), or
 * `undefined` for any other block. A mapped address with a prefix under 96
 * also covers non-IPv4 addresses, so it has no IPv4 form.
 */
export function ipv4Equivalent(block: CidrBlock): string | undefined {
  if (!isMappedBlock(block)) return undefined;
  return `${Array.from(block.bytes.subarray(12)).join(".")}/${block.prefix - 96}`;
}

function groupsOf(bytes: Uint8Array): number[] {
  return Array.from(
    { length: 8 },
    (_, index) => ((bytes[index * 2] ?? 0) << 8) | (bytes[index * 2 + 1] ?? 0),
  );
}

/**
 * Writes an IPv6 address: `expanded` as eight 4-digit groups
 * (`2001:0db8:0000:…`), `compressed` in RFC 5952's canonical text (lower
 * case, no leading zeros, the longest run of two or more zero groups as
 * `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`).
 */
export function formatIPv6(bytes: Uint8Array, style: "compressed" | "expanded"): string {
  const groups = groupsOf(bytes);
  if (style === "expanded")
    return groups.map((group) => group.toString(16).padStart(4, "0")).join(":");
  if (isIPv4Mapped(bytes)) return `::ffff:${Array.from(bytes.subarray(12)).join(".")}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = (part: number[]): string => part.map((group) => group.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** A block written in IPv6 syntax, rewritten in `style` (prefix unchanged, host bits kept). */
export function formatIPv6Block(block: CidrBlock, style: "compressed" | "expanded"): string {
  return `${formatIPv6(block.bytes, style)}/${block.prefix}`;
}

/**
 * Parses a socket's remote address as Node reports it: a dotted quad, an
 * IPv6 address, or an IPv6 address with a zone id (the zone is dropped).
 */
export function parseRemoteAddress(text: string): IpAddress | undefined {
  const zone = text.indexOf("%");
  return parseIp(zone < 0 ? text : text.slice(0, zone));
}

/**
 * Whether a caller at `remoteAddress` may use a token with `blocks` as its
 * allow-list. An empty list allows every address; an address that cannot be
 * parsed is allowed only by an empty list.
 */
export function isAddressAllowed(blocks: readonly CidrBlock[], remoteAddress: string): boolean {
  if (blocks.length === 0) return true;
  const address = parseRemoteAddress(remoteAddress);
  if (address === undefined) return false;
  return blocks.some((block) => cidrContains(block, address));
}

/**
 * Whether `host` (as given to `listen`) is a loopback address: `localhost`,
 * anything in `127.0.0.0/8`, `::1`, or the IPv4-mapped form of a `127.x`
 * address. Host names other than `localhost`, and the unspecified addresses
 * `0.0.0.0` and `::`, are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const address = parseRemoteAddress(host);
  if (address === undefined) return false;
  if (address.family === 4) return address.bytes[12] === 127;
  return address.bytes.every((value, index) => value === (index === 15 ? 1 : 0));
}

/**
 * Renders an address for messages: IPv4-mapped IPv6 addresses as the plain
 * dotted quad, anything else as given.
 */
export function displayAddress(remoteAddress: string): string {
  const address = parseRemoteAddress(remoteAddress);
  if (address?.family === 4) return Array.from(address.bytes.subarray(12)).join(".");
  return remoteAddress;
}

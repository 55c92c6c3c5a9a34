/**
 * IPv4 and IPv6 CIDR blocks: strict parsing, canonical text (RFC 5952 for
 * IPv6), network addresses and membership. Used to validate
 * `allowedCIDRBlocks` before any call to Panther and to compare what Panther
 * returns. (The emulator has a parser of its own on purpose: an independent
 * implementation checks this one's canonical forms in the real-engine tests.)
 */

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A parsed CIDR block. */
export interface CidrBlock extends IpAddress {
  readonly prefix: number;
}

/** Outcome of {@link parseCidr}. */
export type CidrParse =
  | {
      readonly ok: true;
      readonly block: CidrBlock;
      /** The block in canonical text, exactly as given bits-wise (host bits kept). */
      readonly canonical: string;
      /** Canonical text of the network (host bits cleared). Equals `canonical` for a proper block. */
      readonly network: string;
      /** Whether host bits are set, e.g. `10.0.0.1/8`. */
      readonly hostBitsSet: boolean;
    }
  | { readonly ok: false; readonly reason: string };

const IPV4_OCTET = /^(0|[1-9]\d{0,2})$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? "";
    if (!IPV4_OCTET.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes[i] = n;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] ?? "";
      if (piece.includes(".")) {
        if (i !== pieces.length - 1) return undefined;
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
      groups.push(parseInt(piece, 16));
    }
    return groups;
  };
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

/** Parses an IPv4 or IPv6 address (no zone, no brackets), or undefined. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, bytes: v4 };
  if (!text.includes(":")) return undefined;
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 6, bytes: v6 };
}

/** Canonical text of an address: dotted quad, or RFC 5952 for IPv6. */
export function formatIp(address: IpAddress): string {
  const b = address.bytes;
  if (address.family === 4) return Array.from(b).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 §5).
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${b[12] ?? 0}.${b[13] ?? 0}.${b[14] ?? 0}.${b[15] ?? 0}`;
  }
  // Longest run of two or more zero groups, the first one on a tie, becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const left = hex.slice(0, bestStart).join(":");
  const right = hex.slice(bestStart + bestLength).join(":");
  return `${left}::${right}`;
}

function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (out[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/**
 * Parses `text` as a CIDR block (`address/prefix`), strictly: the prefix is
 * required, decimal, in range for the family; IPv4 octets have no leading
 * zeros (they are read as octal by some tools). Reports host bits set rather
 * than refusing them, so callers can suggest the network address.
 */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf("/");
  if (slash < 0) {
    const address = parseIp(text);
    return address
      ? {
          ok: false,
          reason: `is an address, not a CIDR block: add the prefix length, e.g. "${formatIp(address)}/${address.family === 4 ? 32 : 128}" for this one address`,
        }
      : {
          ok: false,
          reason:
            'is not a CIDR block: expected an address and a prefix length, e.g. "203.0.113.0/24" or "2001:db8::/32"',
        };
  }
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const address = parseIp(addressText);
  if (address === undefined) {
    return {
      ok: false,
      reason: `has an invalid address "${addressText}": expected IPv4 like "203.0.113.0" (octets 0-255, no leading zeros) or IPv6 like "2001:db8::"`,
    };
  }
  const max = address.family === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > max) {
    return {
      ok: false,
      reason: `has an invalid prefix length "/${prefixText}": an IPv${address.family} prefix is a whole number from 0 to ${max}`,
    };
  }
  const prefix = Number(prefixText);
  const network = maskBytes(address.bytes, prefix);
  const hostBitsSet = network.some((byte, i) => byte !== address.bytes[i]);
  const block: CidrBlock = { family: address.family, bytes: address.bytes, prefix };
  return {
    ok: true,
    block,
    canonical: `${formatIp(address)}/${prefix}`,
    network: `${formatIp({ family: address.family, bytes: network })}/${prefix}`,
    hostBitsSet,
  };
}

/**
 * Whether `address` lies inside `block`. IPv4-mapped IPv6 addresses
 * (`::ffff:127.0.0.1`, as Node reports IPv4 peers on dual-stack sockets) are
 * matched against IPv4 blocks.
 */
export function cidrContains(block: CidrBlock, address: IpAddress): boolean {
  let bytes = address.bytes;
  if (block.family === 4 && address.family === 6) {
    const mapped =
      bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    if (!mapped) return false;
    bytes = bytes.slice(12);
  } else if (block.family !== address.family) {
    return false;
  }
  const a = maskBytes(bytes, block.prefix);
  const b = maskBytes(block.bytes, block.prefix);
  return a.every((byte, i) => byte === b[i]);
}

/**
 * CIDR judgements of the network policy: catch-all blocks, and whether a block lies within a
 * configured range. Descriptions name a block by family and prefix length only, never by its
 * address: policy code sees inputs in plaintext, secrets included.
 */
import { cidrContains, parseCidr, type CidrBlock } from "../dynamic-provider/cidr";

/** `::ffff:0.0.0.0`: the first IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2). */
const MAPPED_ZERO: CidrBlock = {
  family: 6,
  bytes: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0]),
  prefix: 96,
};

/** The block parsed, with host bits cleared; undefined when it is not a CIDR block. */
export function parseBlock(text: string): CidrBlock | undefined {
  const parsed = parseCidr(text.trim());
  if (!parsed.ok) return undefined;
  const network = parseCidr(parsed.network);
  return network.ok ? network.block : undefined;
}

/** An IPv4-mapped IPv6 block of prefix 96 or longer as the IPv4 block it stands for. */
function asIpv4(block: CidrBlock): CidrBlock {
  if (block.family !== 6 || block.prefix < 96 || !cidrContains(MAPPED_ZERO, block)) return block;
  return { family: 4, bytes: block.bytes.slice(12), prefix: block.prefix - 96 };
}

/**
 * Why `block` lets every address (of a family) in, or undefined: `/0` of either family, or an
 * IPv6 block holding all of `::ffff:0:0/96` (every IPv4 address, as IPv4-mapped IPv6).
 */
export function catchAll(block: CidrBlock): string | undefined {
  if (block.prefix === 0) {
    return block.family === 4
      ? "an IPv4 /0, every IPv4 address"
      : "an IPv6 /0, every IPv6 address (IPv4-mapped ones included)";
  }
  if (block.family === 6 && block.prefix <= 96 && cidrContains(block, MAPPED_ZERO)) {
    return `an IPv6 /${block.prefix} holding every IPv4-mapped address (::ffff:0:0/96), so every IPv4 address`;
  }
  return undefined;
}

/** `an IPv4 /24`: a block named without its address. */
export function describeBlock(block: CidrBlock): string {
  const v4 = asIpv4(block);
  return v4 !== block
    ? `an IPv4-mapped IPv6 /${block.prefix}`
    : `an IPv${block.family} /${block.prefix}`;
}

/** Whether `block` lies within `range` (IPv4-mapped IPv6 blocks are compared as IPv4). */
export function within(block: CidrBlock, range: CidrBlock): boolean {
  const b = asIpv4(block);
  const r = asIpv4(range);
  return b.family === r.family && r.prefix <= b.prefix && cidrContains(r, b);
}

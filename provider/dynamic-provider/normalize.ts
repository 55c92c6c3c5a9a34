/**
 * One normal form for the fields Panther stores, used to compare what the
 * program asks for, what was sent, and what Panther reports. Panther may
 * answer in another canonical form than ours (IPv4-mapped IPv6 blocks as
 * IPv4, names in NFC, a permission set it expands), so two comparisons exist:
 * - {@link sameFields}: exact, in our normal form (what `diff` uses against
 *   what was last sent);
 * - {@link holdsRequest}: semantic, for proving that a request whose answer
 *   was lost took effect.
 */
import { cidrContains, formatIp, parseCidr } from "./cidr";

/** The fields Panther stores, in our normal form. */
export interface TokenFields {
  readonly name: string;
  /** Sorted, de-duplicated. */
  readonly permissions: readonly string[];
  /** Canonical text, sorted, de-duplicated; empty means any address. */
  readonly allowedCIDRBlocks: readonly string[];
}

/** Sorted, de-duplicated copy. */
export function sortedSet(items: readonly string[]): string[] {
  // Most lists are sorted and unique already (state, answers in our form): one pass says so.
  let ascending = true;
  for (let i = 1; i < items.length && ascending; i++) {
    ascending = (items[i - 1] as string) < (items[i] as string);
  }
  return ascending ? items.slice() : [...new Set(items)].sort();
}

// Every operation normalizes the same few blocks again; parsing them once is enough. Once
// full, the cache keeps what it has (the blocks a program declares come first; a create's
// mark is seen once and need not push them out).
const canonicalCache = new Map<string, string>();
const CACHE_LIMIT = 4096;

/** One block in canonical text; text that does not parse is kept as given. */
export function canonicalCidr(block: string): string {
  const cached = canonicalCache.get(block);
  if (cached !== undefined) return cached;
  const parsed = parseCidr(block.trim());
  const canonical = parsed.ok ? parsed.canonical : block;
  if (canonicalCache.size < CACHE_LIMIT) canonicalCache.set(block, canonical);
  return canonical;
}

/** CIDR blocks in canonical text, sorted, de-duplicated. */
export function normalizeCidrs(blocks: readonly string[] | null | undefined): string[] {
  return sortedSet((blocks ?? []).map(canonicalCidr));
}

/** `fields` in our normal form. */
export function normalizeFields(fields: {
  readonly name: string;
  readonly permissions: readonly string[] | null | undefined;
  readonly allowedCIDRBlocks?: readonly string[] | null | undefined;
}): TokenFields {
  return {
    name: fields.name,
    permissions: sortedSet(fields.permissions ?? []),
    allowedCIDRBlocks: normalizeCidrs(fields.allowedCIDRBlocks),
  };
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether two normalized field sets are identical. */
export function sameFields(a: TokenFields, b: TokenFields): boolean {
  return (
    a.name === b.name &&
    sameList(a.permissions, b.permissions) &&
    sameList(a.allowedCIDRBlocks, b.allowedCIDRBlocks)
  );
}

/**
 * A block's meaning, independent of notation: IPv4-mapped IPv6 blocks
 * (`::ffff:a.b.c.d/n`, n ≥ 96) read as the IPv4 block they map.
 */
function cidrMeaning(block: string): string {
  const parsed = parseCidr(block.trim());
  if (!parsed.ok) return block;
  const { bytes, family, prefix } = parsed.block;
  if (family === 6 && prefix >= 96 && isIpv4Mapped(bytes)) {
    const v4 = { family: 4 as const, bytes: bytes.slice(12) };
    return `${formatIp(v4)}/${prefix - 96}`;
  }
  return parsed.network;
}

/** Whether an IPv6 address's first 96 bits are the IPv4-mapped prefix `::ffff:0:0/96`. */
export function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Whether a token Panther reports holds what `request` asked for, whatever
 * canonical form Panther uses: the same name in Unicode NFC, the same blocks
 * by meaning, and the requested permissions, plus at most the `…Read` that a
 * requested `…Modify` implies (some servers add it). Used to prove that an
 * update whose answer was lost took effect.
 */
export function holdsRequest(
  reported: {
    readonly name: string;
    readonly permissions: readonly string[];
    readonly allowedCIDRBlocks?: readonly string[] | null | undefined;
  },
  request: TokenFields,
): boolean {
  if (reported.name.normalize("NFC") !== request.name.normalize("NFC")) return false;
  const asked = new Set(request.permissions);
  const granted = new Set(reported.permissions);
  if (![...asked].every((p) => granted.has(p))) return false;
  const implied = (p: string) => p.endsWith("Read") && asked.has(`${p.slice(0, -4)}Modify`);
  if (![...granted].every((p) => asked.has(p) || implied(p))) return false;
  const meaning = (blocks: readonly string[]) => sortedSet(blocks.map(cidrMeaning));
  return sameList(meaning(reported.allowedCIDRBlocks ?? []), meaning(request.allowedCIDRBlocks));
}

/** Whether block `inner` lies inside block `outer`, by meaning (IPv4-mapped blocks read as IPv4). */
export function blockWithin(inner: string, outer: string): boolean {
  const a = parseCidr(cidrMeaning(inner));
  const b = parseCidr(cidrMeaning(outer));
  if (!a.ok || !b.ok || a.block.family !== b.block.family) return false;
  return a.block.prefix >= b.block.prefix && cidrContains(b.block, a.block);
}

/**
 * Whether replacing the allow-list `current` with `next` lets the token be
 * used from an address `current` refused. An empty list allows every address.
 */
export function widensAccess(current: readonly string[], next: readonly string[]): boolean {
  if (current.length === 0) return false;
  if (next.length === 0) return true;
  return next.some((block) => !current.some((outer) => blockWithin(block, outer)));
}

/**
 * The mark a create leaves on its token, so that ownership of a token whose
 * create lost its answer is proven, never inferred.
 *
 * Panther's create takes no idempotency key, so every create makes one: the
 * token is created **born locked**, its only allowed CIDR block a random
 * /128 inside `2001:db8::/32` (the IPv6 documentation range, RFC 3849, routed
 * nowhere), which carries 96 random bits. Nobody can use a locked token: no
 * request can come from that address. Once the create's answer is in hand,
 * one update gives the token its declared name, permissions and blocks, and
 * the mark is gone. When the answer is lost, the token is found by its mark
 * alone: a listed token carrying it was made by this request and by no
 * other (another stack, a person in the Console, a second create of the same
 * program with the same deployer key: each has its own random mark).
 *
 * Why a CIDR block and not the name: the block list is a field Panther
 * stores and lists, the lock makes the token unusable until it is finished
 * (so an interrupted create leaves nothing anyone can use), and the name
 * keeps its 255-character limit and reads as declared in the Console.
 */
import { randomBytes } from "node:crypto";
import { parseCidr, type CidrBlock } from "./cidr";

/** Where marks live: the IPv6 documentation range, routed nowhere. */
export const MARK_RANGE = "2001:db8::/32";

/** Random bits in a mark (a /128 inside a /32). */
export const MARK_BITS = 96;

/**
 * A new mark: `2001:db8:` followed by 96 random bits, as a /128 in canonical
 * (RFC 5952) text. `random` gives the 12 random bytes (tests pin it).
 */
export function newMark(random: (size: number) => Uint8Array = randomBytes): string {
  const bytes = new Uint8Array(16);
  bytes.set([0x20, 0x01, 0x0d, 0xb8]);
  bytes.set(random(MARK_BITS / 8).subarray(0, MARK_BITS / 8), 4);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  const parsed = parseCidr(`${groups.join(":")}/128`);
  if (!parsed.ok) throw new Error(`internal: a mark did not parse (${parsed.reason})`);
  return parsed.canonical;
}

function blockOf(text: string): CidrBlock | undefined {
  const parsed = parseCidr(text.trim());
  return parsed.ok ? parsed.block : undefined;
}

function sameBlock(a: CidrBlock, b: CidrBlock): boolean {
  return (
    a.family === b.family &&
    a.prefix === b.prefix &&
    a.bytes.length === b.bytes.length &&
    a.bytes.every((byte, i) => byte === b.bytes[i])
  );
}

/** Whether a block is a mark: a /128 inside {@link MARK_RANGE}. */
export function isMark(text: string): boolean {
  const block = blockOf(text);
  return (
    block !== undefined &&
    block.family === 6 &&
    block.prefix === 128 &&
    block.bytes[0] === 0x20 &&
    block.bytes[1] === 0x01 &&
    block.bytes[2] === 0x0d &&
    block.bytes[3] === 0xb8
  );
}

/**
 * Whether a listed token's blocks carry `mark`, in any notation Panther may
 * answer in (expanded, upper case, compressed differently).
 */
export function carriesMark(blocks: readonly string[] | null | undefined, mark: string): boolean {
  const wanted = blockOf(mark);
  if (wanted === undefined || !Array.isArray(blocks)) return false;
  return blocks.some((text) => {
    if (typeof text !== "string") return false;
    const block = blockOf(text);
    return block !== undefined && sameBlock(block, wanted);
  });
}

/** Whether a token is still born locked: it allows only marks (an unfinished create of some stack). */
export function isLocked(blocks: readonly string[] | null | undefined): boolean {
  const list: readonly unknown[] = blocks ?? [];
  return list.length > 0 && list.every((b) => typeof b === "string" && isMark(b));
}

/** The body a marked create sends: the declared name and permissions, the mark as the only block. */
export function lockedBody(
  fields: { readonly name: string; readonly permissions: readonly string[] },
  mark: string,
): { name: string; permissions: string[]; allowedCIDRBlocks: string[] } {
  return { name: fields.name, permissions: [...fields.permissions], allowedCIDRBlocks: [mark] };
}

/**
 * Canonical forms: how a server may rewrite what a client sent before it
 * stores it, so a client can be tested against a Panther that does not echo
 * its input back byte for byte. Applied when a token is written (API create
 * and update, Console changes). Fixed when the emulator starts.
 */
import { formatIPv6Block, ipv4Equivalent, parseCidr, type CidrBlock } from "./cidr";
import { EmulatorError } from "./errors";
import { isJsonObject } from "./json";

/**
 * Rewrites applied to token input. Every field is optional; the defaults
 * store input as given (the emulator's behaviour before these existed).
 *
 * @example
 * startEmulator({ canonicalForms: { ipv4MappedAsIpv4: true, ipv6Style: "expanded" } });
 */
export interface CanonicalForms {
  /** Store IPv4-mapped IPv6 blocks as IPv4 (`::ffff:10.0.0.0/104` → `10.0.0.0/8`, `::ffff:0:0/96` → `0.0.0.0/0`). Default false. */
  ipv4MappedAsIpv4?: boolean;
  /** Unicode normalization of names; the length limit applies to the normalized name. Default `"none"`. */
  nameNormalization?: "NFC" | "NFD" | "none";
  /** A `…Modify` permission brings its `…Read` counterpart when that is an allowed name (`RuleModify` → also `RuleRead`). Default false. */
  impliedPermissions?: boolean;
  /**
   * How IPv6 blocks are stored: `"asGiven"` (default) as the client wrote
   * them; `"compressed"` in RFC 5952 text (`2001:DB8:0:0::/32` →
   * `2001:db8::/32`); `"expanded"` as eight 4-digit groups
   * (`2001:0db8:0000:0000:0000:0000:0000:0000/32`). Host bits are kept.
   */
  ipv6Style?: "asGiven" | "compressed" | "expanded";
}

/** {@link CanonicalForms} with every field set. */
export type ResolvedCanonicalForms = Readonly<Required<CanonicalForms>>;

/** The defaults: input stored as given. */
export const AS_GIVEN: ResolvedCanonicalForms = {
  ipv4MappedAsIpv4: false,
  nameNormalization: "none",
  impliedPermissions: false,
  ipv6Style: "asGiven",
};

const NORMALIZATIONS = ["NFC", "NFD", "none"] as const;
const IPV6_STYLES = ["asGiven", "compressed", "expanded"] as const;

function isOneOf<T extends string>(value: unknown, options: readonly T[]): value is T {
  return typeof value === "string" && (options as readonly string[]).includes(value);
}

/**
 * Checks canonical forms given in-process or as JSON; omitted fields take
 * their defaults. Throws {@link EmulatorError} with `code`.
 */
export function resolveCanonicalForms(
  input: unknown,
  code: "EMULATOR_INVALID_OPTION" | "EMULATOR_INVALID_INPUT",
): ResolvedCanonicalForms {
  const fail = (message: string): EmulatorError =>
    new EmulatorError(code, `canonicalForms: ${message}`);
  if (input === undefined) return AS_GIVEN;
  if (!isJsonObject(input)) throw fail("expected an object");
  const {
    ipv4MappedAsIpv4 = AS_GIVEN.ipv4MappedAsIpv4,
    nameNormalization = AS_GIVEN.nameNormalization,
    impliedPermissions = AS_GIVEN.impliedPermissions,
    ipv6Style = AS_GIVEN.ipv6Style,
  } = input;
  if (typeof ipv4MappedAsIpv4 !== "boolean") throw fail("ipv4MappedAsIpv4 must be a boolean");
  if (!isOneOf(nameNormalization, NORMALIZATIONS)) {
    throw fail(`nameNormalization must be one of ${NORMALIZATIONS.join(", ")}`);
  }
  if (typeof impliedPermissions !== "boolean") throw fail("impliedPermissions must be a boolean");
  if (!isOneOf(ipv6Style, IPV6_STYLES)) {
    throw fail(`ipv6Style must be one of ${IPV6_STYLES.join(", ")}`);
  }
  return { ipv4MappedAsIpv4, nameNormalization, impliedPermissions, ipv6Style };
}

/** The name as the server stores it. */
export function canonicalName(name: string, forms: ResolvedCanonicalForms): string {
  return forms.nameNormalization === "none" ? name : name.normalize(forms.nameNormalization);
}

/** The permissions as the server stores them: implied `…Read` names added, deduplicated, sorted. */
export function canonicalPermissions(
  permissions: readonly string[],
  allowed: ReadonlySet<string>,
  forms: ResolvedCanonicalForms,
): string[] {
  const names = new Set(permissions);
  if (forms.impliedPermissions) {
    for (const name of permissions) {
      const read = name.endsWith("Modify") ? `${name.slice(0, -"Modify".length)}Read` : undefined;
      if (read !== undefined && allowed.has(read)) names.add(read);
    }
  }
  return [...names].sort();
}

/** A valid block as the server stores it, parsed again from its stored text. */
export function canonicalBlock(block: CidrBlock, forms: ResolvedCanonicalForms): CidrBlock {
  let text = block.text;
  const asIpv4 = forms.ipv4MappedAsIpv4 ? ipv4Equivalent(block) : undefined;
  if (asIpv4 !== undefined) text = asIpv4;
  else if (block.family === 6 && forms.ipv6Style !== "asGiven") {
    text = formatIPv6Block(block, forms.ipv6Style);
  }
  if (text === block.text) return block;
  const parsed = parseCidr(text);
  // Every rewrite above yields valid block text; a failure here is a bug.
  if (parsed === undefined)
    throw new Error(`canonical form ${text} of ${block.text} does not parse`);
  return parsed;
}

/**
 * What a token's name may hold. A name is what a person reads in the
 * Console, in `pulumi preview` and in an audit log, so it must read as what
 * it is: no control characters, no bidirectional overrides ("Trojan
 * Source"), nothing invisible, no blank edges; each refusal names the
 * character and its position.
 */
import { MAX_NAME_LENGTH, UNKNOWN, type CheckFailure } from "./inputs";

/** How a value of the wrong type is named in a failure: "a list", "null", "a number". */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Bidirectional controls (marks, embeddings, overrides, isolates): they make
// text read differently from what it is (CVE-2021-42574, "Trojan Source").
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Characters that show nothing where they stand: zero-width spaces and
// joiners, the word joiner, the byte-order mark, the soft hyphen, fillers,
// variation selectors, tags.
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
const WHITESPACE = /^\s$/u;
// Zero-width spaces, joiners and the byte-order mark: invisible wherever they stand.
const ZERO_WIDTH = /^[\u180e\u200b-\u200d\u2060\ufeff]$/u;

/** Names of the invisible and bidirectional characters people meet most. */
const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0x00ad: "SOFT HYPHEN",
  0x034f: "COMBINING GRAPHEME JOINER",
  0x061c: "ARABIC LETTER MARK",
  0x115f: "HANGUL CHOSEONG FILLER",
  0x1160: "HANGUL JUNGSEONG FILLER",
  0x180e: "MONGOLIAN VOWEL SEPARATOR",
  0x200b: "ZERO WIDTH SPACE",
  0x200c: "ZERO WIDTH NON-JOINER",
  0x200d: "ZERO WIDTH JOINER",
  0x200e: "LEFT-TO-RIGHT MARK",
  0x200f: "RIGHT-TO-LEFT MARK",
  0x202a: "LEFT-TO-RIGHT EMBEDDING",
  0x202b: "RIGHT-TO-LEFT EMBEDDING",
  0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE",
  0x202e: "RIGHT-TO-LEFT OVERRIDE",
  0x2060: "WORD JOINER",
  0x2061: "FUNCTION APPLICATION",
  0x2062: "INVISIBLE TIMES",
  0x2063: "INVISIBLE SEPARATOR",
  0x2064: "INVISIBLE PLUS",
  0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE",
  0x2068: "FIRST STRONG ISOLATE",
  0x2069: "POP DIRECTIONAL ISOLATE",
  0x3164: "HANGUL FILLER",
  0xfeff: "ZERO WIDTH NO-BREAK SPACE",
  0xffa0: "HALFWIDTH HANGUL FILLER",
};

/** `U+200B (ZERO WIDTH SPACE)`: a character named so a person can find it. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, "0");
  const name =
    CHARACTER_NAMES[code] ??
    (code >= 0xfe00 && code <= 0xfe0f
      ? `VARIATION SELECTOR-${code - 0xfe00 + 1}`
      : code >= 0xe0000 && code <= 0xe007f
        ? "TAG"
        : undefined);
  return name === undefined ? `U+${hex}` : `U+${hex} (${name})`;
}

/** What is wrong with a name's characters, or undefined. Positions count Unicode characters from 1. */
function nameCharacterProblem(value: string): string | undefined {
  const chars = Array.from(value);
  const bidi = chars.findIndex((c) => BIDI.test(c));
  if (bidi >= 0) {
    return (
      `contains ${describeCharacter(chars[bidi] ?? "")} at character ${bidi + 1}: bidirectional controls make a ` +
      `name read differently from what it is; remove it`
    );
  }
  if (chars.every((c) => INVISIBLE.test(c) || WHITESPACE.test(c))) {
    return (
      `is made only of characters that show nothing (${chars.slice(0, 3).map(describeCharacter).join(", ")}` +
      `${chars.length > 3 ? ", …" : ""}); give the token a visible name, e.g. "ci-deployer"`
    );
  }
  const first = chars[0] ?? "";
  if (INVISIBLE.test(first)) {
    return `starts with ${describeCharacter(first)}, which shows nothing (character 1); remove it`;
  }
  // At the end, a zero-width character shows nothing; a variation selector or a
  // tag that completes the character before it (an emoji, a flag) does show.
  const last = chars[chars.length - 1] ?? "";
  if (ZERO_WIDTH.test(last)) {
    return `ends with ${describeCharacter(last)}, which shows nothing (character ${chars.length}); remove it`;
  }
  return undefined;
}

/** Length in Unicode code points (an emoji is one character, not two UTF-16 units). */
function codePoints(text: string): number {
  return Array.from(text).length;
}

/** Checks a token's `name`: present, a string, not blank, not too long, nothing hidden in it. */
export function checkName(value: unknown, failures: CheckFailure[]): unknown {
  if (value === UNKNOWN) return value;
  if (value === undefined || value === null) {
    failures.push({
      property: "name",
      reason: 'is required: give the token a name, e.g. "ci-deployer"',
    });
    return value;
  }
  if (typeof value !== "string") {
    failures.push({ property: "name", reason: `must be a string, got ${describeType(value)}` });
    return value;
  }
  const characters = value.trim() === "" ? undefined : nameCharacterProblem(value);
  if (value.trim() === "") {
    failures.push({
      property: "name",
      reason: 'must not be empty or only spaces: give the token a name, e.g. "ci-deployer"',
    });
  } else if (codePoints(value) > MAX_NAME_LENGTH) {
    failures.push({
      property: "name",
      reason: `is ${codePoints(value)} characters long; use at most ${MAX_NAME_LENGTH}`,
    });
  } else if (CONTROL.test(value)) {
    failures.push({
      property: "name",
      reason:
        "contains a control character (newline, tab, NUL, ...); use printable characters only",
    });
  } else if (value !== value.trim()) {
    failures.push({
      property: "name",
      reason: `has leading or trailing spaces; use ${JSON.stringify(value.trim())}`,
    });
  } else if (characters !== undefined) {
    failures.push({ property: "name", reason: characters });
  }
  return value;
}

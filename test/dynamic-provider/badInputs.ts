/**
 * Bad inputs of PantherApiToken, each with the property the failure must
 * name and a pattern its reason must match (the reason must say what to do,
 * not only what is wrong). Used by the unit tests of check and by the same
 * table sent through the real provider host.
 */
import { MAX_NAME_LENGTH } from "../../provider/dynamic-provider/inputs";

export const valid = { name: "ci-deployer", permissions: ["RuleRead"] };

/**
 * Bad inputs, each with the property the failure must name and a pattern its
 * reason must match (the reason must say what to do, not only what is wrong).
 */
export const BAD_INPUTS: readonly [string, Record<string, unknown>, string, RegExp][] = [
  ["missing name", { permissions: ["RuleRead"] }, "name", /is required/],
  ["null name", { ...valid, name: null }, "name", /is required/],
  ["numeric name", { ...valid, name: 42 }, "name", /must be a string, got a number/],
  ["boolean name", { ...valid, name: true }, "name", /must be a string, got a boolean/],
  ["object name", { ...valid, name: { first: "a" } }, "name", /must be a string, got an object/],
  ["list name", { ...valid, name: ["a"] }, "name", /must be a string, got a list/],
  ["empty name", { ...valid, name: "" }, "name", /must not be empty/],
  ["blank name", { ...valid, name: "   " }, "name", /must not be empty/],
  ["huge name", { ...valid, name: "x".repeat(MAX_NAME_LENGTH + 1) }, "name", /use at most 255/],
  ["megabyte name", { ...valid, name: "y".repeat(1024 * 1024) }, "name", /use at most 255/],
  ["name with newline", { ...valid, name: "ci\ndeployer" }, "name", /control character/],
  ["name with NUL", { ...valid, name: "ci\u0000" }, "name", /control character/],
  ["name with tab", { ...valid, name: "ci\tdeployer" }, "name", /control character/],
  ["name with escape", { ...valid, name: "ci\u001b[31m" }, "name", /control character/],
  ["name with line separator", { ...valid, name: "ci\u2028x" }, "name", /control character/],
  ["name with padding", { ...valid, name: " ci " }, "name", /use "ci"/],
  [
    "name of only zero-width spaces",
    { ...valid, name: "\u200b\u200b" },
    "name",
    /only of characters that show nothing \(U\+200B \(ZERO WIDTH SPACE\), U\+200B/,
  ],
  [
    "name of one Hangul filler",
    { ...valid, name: "\u3164" },
    "name",
    /only of characters that show nothing \(U\+3164 \(HANGUL FILLER\)\).*visible name/,
  ],
  [
    "name starting with a zero-width space",
    { ...valid, name: "\u200bci-deployer" },
    "name",
    /starts with U\+200B \(ZERO WIDTH SPACE\), which shows nothing \(character 1\); remove it/,
  ],
  [
    "name ending with a word joiner",
    { ...valid, name: "ci-deployer\u2060" },
    "name",
    /ends with U\+2060 \(WORD JOINER\), which shows nothing \(character 12\)/,
  ],
  [
    "name ending with a byte-order mark",
    { ...valid, name: "ci\ufeff" },
    "name",
    /leading or trailing spaces|ends with U\+FEFF/,
  ],
  [
    "name with a right-to-left override",
    { ...valid, name: "ci-\u202eyolped" },
    "name",
    /contains U\+202E \(RIGHT-TO-LEFT OVERRIDE\) at character 4: bidirectional controls/,
  ],
  [
    "name with a left-to-right isolate",
    { ...valid, name: "ci\u2066x\u2069" },
    "name",
    /contains U\+2066 \(LEFT-TO-RIGHT ISOLATE\) at character 3/,
  ],
  [
    "name with a right-to-left mark",
    { ...valid, name: "ci\u200fx" },
    "name",
    /contains U\+200F \(RIGHT-TO-LEFT MARK\) at character 3/,
  ],
  ["missing permissions", { name: "ci" }, "permissions", /is required/],
  [
    "permissions as string",
    { ...valid, permissions: "RuleRead" },
    "permissions",
    /must be a list of strings/,
  ],
  [
    "permissions as object",
    { ...valid, permissions: { RuleRead: true } },
    "permissions",
    /must be a list of strings/,
  ],
  [
    "numeric permission",
    { ...valid, permissions: ["RuleRead", 7] },
    "permissions[1]",
    /must be a string, got a number/,
  ],
  [
    "null permission",
    { ...valid, permissions: [null] },
    "permissions[0]",
    /must be a string, got null/,
  ],
  [
    "misspelled permission",
    { ...valid, permissions: ["RuleReed"] },
    "permissions[0]",
    /did you mean "RuleRead"/,
  ],
  [
    "wrong-case permission",
    { ...valid, permissions: ["ruleread"] },
    "permissions[0]",
    /did you mean "RuleRead"/,
  ],
  [
    "Console permission name",
    { ...valid, permissions: ["Manage API Tokens"] },
    "permissions[0]",
    /API name is "OrganizationAPITokenModify"/,
  ],
  [
    "unknown permission",
    { ...valid, permissions: ["LaunchMissiles"] },
    "permissions[0]",
    /allowUnknownPermissions: true/,
  ],
  [
    "huge permission list",
    { ...valid, permissions: Array.from({ length: 1000 }, () => "RuleRead") },
    "permissions",
    /at most 200/,
  ],
  [
    "CIDR blocks as string",
    { ...valid, allowedCIDRBlocks: "10.0.0.0/8" },
    "allowedCIDRBlocks",
    /must be a list of strings/,
  ],
  [
    "numeric CIDR",
    { ...valid, allowedCIDRBlocks: [10] },
    "allowedCIDRBlocks[0]",
    /must be a string/,
  ],
  [
    "malformed CIDR",
    { ...valid, allowedCIDRBlocks: ["ten.0.0.0/8"] },
    "allowedCIDRBlocks[0]",
    /invalid address/,
  ],
  [
    "bare address",
    { ...valid, allowedCIDRBlocks: ["203.0.113.7"] },
    "allowedCIDRBlocks[0]",
    /"203.0.113.7\/32"/,
  ],
  [
    "host bits set",
    { ...valid, allowedCIDRBlocks: ["10.0.0.1/8"] },
    "allowedCIDRBlocks[0]",
    /use "10.0.0.0\/8"/,
  ],
  [
    "IPv6 host bits set",
    { ...valid, allowedCIDRBlocks: ["2001:db8::1/32"] },
    "allowedCIDRBlocks[0]",
    /use "2001:db8::\/32"/,
  ],
  [
    "prefix out of range",
    { ...valid, allowedCIDRBlocks: ["10.0.0.0/33"] },
    "allowedCIDRBlocks[0]",
    /from 0 to 32/,
  ],
  [
    "IPv6 prefix out of range",
    { ...valid, allowedCIDRBlocks: ["::/129"] },
    "allowedCIDRBlocks[0]",
    /from 0 to 128/,
  ],
  [
    "octet out of range",
    { ...valid, allowedCIDRBlocks: ["300.0.0.0/8"] },
    "allowedCIDRBlocks[0]",
    /octets 0-255/,
  ],
  [
    "leading zero octet",
    { ...valid, allowedCIDRBlocks: ["010.0.0.0/8"] },
    "allowedCIDRBlocks[0]",
    /no leading zeros/,
  ],
  [
    "mixed-family CIDR",
    { ...valid, allowedCIDRBlocks: ["10.0.0.0/ffff::"] },
    "allowedCIDRBlocks[0]",
    /prefix length/,
  ],
  [
    "IPv6 with zone",
    { ...valid, allowedCIDRBlocks: ["fe80::1%eth0/64"] },
    "allowedCIDRBlocks[0]",
    /invalid address/,
  ],
  [
    "double colon twice",
    { ...valid, allowedCIDRBlocks: ["1::2::/64"] },
    "allowedCIDRBlocks[0]",
    /invalid address/,
  ],
  [
    "huge CIDR list",
    { ...valid, allowedCIDRBlocks: Array.from({ length: 101 }, () => "10.0.0.0/8") },
    "allowedCIDRBlocks",
    /at most 100/,
  ],
  ["numeric trigger", { ...valid, rotationTrigger: 2026 }, "rotationTrigger", /use String/],
  [
    "object trigger",
    { ...valid, rotationTrigger: { q: 4 } },
    "rotationTrigger",
    /must be a string/,
  ],
  ["empty trigger", { ...valid, rotationTrigger: "" }, "rotationTrigger", /leave it out/],
  [
    "huge trigger",
    { ...valid, rotationTrigger: "t".repeat(5000) },
    "rotationTrigger",
    /at most 1024/,
  ],
  [
    "string flag",
    { ...valid, allowUnknownPermissions: "yes" },
    "allowUnknownPermissions",
    /true or false/,
  ],
  ["numeric adopt id", { ...valid, adoptTokenId: 12 }, "adoptTokenId", /must be a string/],
  ["string rotateOnAdopt", { ...valid, rotateOnAdopt: "false" }, "rotateOnAdopt", /true or false/],
  [
    "unknown property",
    { ...valid, permission: ["RuleRead"] },
    "permission",
    /not an input of PantherApiToken/,
  ],
  [
    "constructor key",
    { ...valid, constructor: { prototype: { polluted: true } } },
    "constructor",
    /not an input/,
  ],
  [
    "__proto__ key",
    JSON.parse('{"name":"ci","permissions":["RuleRead"],"__proto__":{"name":"evil"}}') as Record<
      string,
      unknown
    >,
    "__proto__",
    /not an input/,
  ],
];

import { KNOWN_PERMISSIONS } from "../../provider/client/permissions";
import { checkInputs } from "../../provider/dynamic-provider/check";
import { UNKNOWN } from "../../provider/dynamic-provider/inputs";
import { BAD_INPUTS, valid } from "./badInputs";

describe("checkInputs refuses bad input with a property path and a reason", () => {
  it("has at least 40 cases", () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(BAD_INPUTS)("%s", (_label, news, property, reason) => {
    const { failures } = checkInputs(news);
    const failure = failures.find((f) => f.property === property);
    expect(failure).toBeDefined();
    expect(failure?.reason).toMatch(reason);
  });

  it("does not let a __proto__ payload supply inputs", () => {
    const news = Object.assign(Object.create({ name: "evil" }) as Record<string, unknown>, {
      permissions: ["RuleRead"],
    });
    const { inputs, failures } = checkInputs(news);
    expect(inputs["name"]).toBeUndefined();
    expect(failures.map((f) => f.property)).toEqual(expect.arrayContaining(["__proto__", "name"]));
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});

describe("checkInputs normalizes", () => {
  it("sorts and de-duplicates permissions and CIDR blocks, canonicalizing IPv6", () => {
    const { inputs, failures } = checkInputs({
      name: "ci",
      permissions: ["RuleModify", "RuleRead", "RuleModify"],
      allowedCIDRBlocks: ["2001:DB8::/32", "10.0.0.0/8", "2001:db8:0::/32"],
    });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      name: "ci",
      permissions: ["RuleModify", "RuleRead"],
      allowedCIDRBlocks: ["10.0.0.0/8", "2001:db8::/32"],
    });
  });

  it("leaves absent CIDR blocks absent (so an adoption can tell them from an explicit list) and drops absent optionals", () => {
    expect(checkInputs({ ...valid, rotationTrigger: null }).inputs).toEqual(valid);
    expect(checkInputs({ ...valid, allowedCIDRBlocks: [] }).inputs).toEqual({
      ...valid,
      allowedCIDRBlocks: [],
    });
  });

  it("keeps __provider", () => {
    expect(checkInputs({ ...valid, __provider: "exports.handler = 1" }).inputs["__provider"]).toBe(
      "exports.handler = 1",
    );
  });

  it("accepts every known permission, 0.0.0.0/0 and ::/0", () => {
    const { failures } = checkInputs({
      name: "all",
      permissions: [...KNOWN_PERMISSIONS],
      allowedCIDRBlocks: ["0.0.0.0/0", "::/0"],
    });
    expect(failures).toEqual([]);
  });

  it("lets a permission newer than this package through when allowed", () => {
    const { inputs, failures } = checkInputs({
      ...valid,
      permissions: ["ManageScheduledPrompts", "RuleRead"],
      allowUnknownPermissions: true,
    });
    expect(failures).toEqual([]);
    expect(inputs["permissions"]).toEqual(["ManageScheduledPrompts", "RuleRead"]);
  });

  it("passes unknown values through during preview", () => {
    const { inputs, failures } = checkInputs({
      name: UNKNOWN,
      permissions: ["RuleRead", UNKNOWN, "AlertRead"],
      allowedCIDRBlocks: UNKNOWN,
      rotationTrigger: UNKNOWN,
    });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      name: UNKNOWN,
      permissions: ["AlertRead", "RuleRead", UNKNOWN],
      allowedCIDRBlocks: UNKNOWN,
      rotationTrigger: UNKNOWN,
    });
  });
});

describe("names are measured in characters, not UTF-16 units", () => {
  it("accepts 255 emoji and refuses 256", () => {
    const emoji = "🔑";
    expect(emoji.length).toBe(2);
    expect(checkInputs({ ...valid, name: emoji.repeat(255) }).failures).toEqual([]);
    const { failures } = checkInputs({ ...valid, name: emoji.repeat(256) });
    expect(failures).toEqual([
      { property: "name", reason: "is 256 characters long; use at most 255" },
    ]);
  });
});

describe("names read as what they are", () => {
  it.each([
    ["an emoji family (zero-width joiners inside)", "ops-\u{1F468}\u200d\u{1F469}\u200d\u{1F467}"],
    [
      "Persian with a zero-width non-joiner inside",
      "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    ],
    [
      "a flag of tag characters",
      "team-\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    ],
    ["a heart with a variation selector", "love\u2764\ufe0f"],
    ["Hebrew letters", "\u05e9\u05dc\u05d5\u05dd"],
  ])("accepts %s", (_label, name) => {
    expect(checkInputs({ ...valid, name }).failures).toEqual([]);
  });

  it("counts the position of a bad character in characters, not UTF-16 units", () => {
    const { failures } = checkInputs({ ...valid, name: "\u{1F511}\u{1F511}\u202ex" });
    expect(failures).toEqual([
      {
        property: "name",
        reason:
          "contains U+202E (RIGHT-TO-LEFT OVERRIDE) at character 3: bidirectional controls make a name read differently from what it is; remove it",
      },
    ]);
  });

  it('refuses "SELF" for adoptTokenId as it refuses "self"', () => {
    const { failures } = checkInputs({ ...valid, adoptTokenId: "SELF" });
    expect(failures.map((f) => f.property)).toEqual(["adoptTokenId"]);
    expect(failures[0]?.reason).toMatch(/is the deployer's own token/);
  });
});

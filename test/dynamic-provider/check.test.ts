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

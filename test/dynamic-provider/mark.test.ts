import {
  MARK_BITS,
  carriesMark,
  isLocked,
  isMark,
  lockedBody,
  newMark,
} from "../../provider/dynamic-provider/mark";
import { parseCidr } from "../../provider/dynamic-provider/cidr";

describe("the mark a create leaves", () => {
  it("is a /128 inside 2001:db8::/32 carrying 96 random bits, in canonical text", () => {
    const bytes = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const mark = newMark(() => bytes);
    expect(mark).toBe("2001:db8:a0a1:a2a3:a4a5:a6a7:a8a9:aaab/128");
    expect(MARK_BITS).toBe(96);
    const parsed = parseCidr(mark);
    expect(parsed.ok && parsed.canonical).toBe(mark);
    expect(isMark(mark)).toBe(true);
  });

  it("is different every time", () => {
    const marks = new Set(Array.from({ length: 1000 }, () => newMark()));
    expect(marks.size).toBe(1000);
    for (const mark of marks) expect(isMark(mark)).toBe(true);
  });

  it("is found in any notation Panther may answer in, and only its own", () => {
    const mark = newMark(() => Uint8Array.from({ length: 12 }, () => 0x0b));
    expect(mark).toBe("2001:db8:b0b:b0b:b0b:b0b:b0b:b0b/128");
    expect(carriesMark(["2001:0DB8:0B0B:0B0B:0B0B:0B0B:0B0B:0B0B/128"], mark)).toBe(true);
    expect(carriesMark(["10.0.0.0/8", " 2001:db8:b0b:b0b:b0b:b0b:b0b:b0b/128 "], mark)).toBe(true);
    expect(carriesMark(["2001:db8:b0b:b0b:b0b:b0b:b0b:b0c/128"], mark)).toBe(false);
    expect(carriesMark(["2001:db8::/32"], mark)).toBe(false);
    expect(carriesMark(null, mark)).toBe(false);
    expect(carriesMark([], mark)).toBe(false);
  });

  it("locks the token: a create sends the declared name and permissions with the mark as its only block", () => {
    const mark = newMark();
    expect(lockedBody({ name: "ci", permissions: ["RuleRead"] }, mark)).toEqual({
      name: "ci",
      permissions: ["RuleRead"],
      allowedCIDRBlocks: [mark],
    });
    expect(isLocked([mark])).toBe(true);
    expect(isLocked([mark, "203.0.113.0/24"])).toBe(false);
    expect(isLocked([])).toBe(false);
    expect(isLocked(["2001:db8::/32"])).toBe(false);
  });
});

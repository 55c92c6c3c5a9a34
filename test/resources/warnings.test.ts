import { unrestricted } from "../../provider/resources/warnings";

describe("blocks that hardly restrict anything are warned about", () => {
  it.each([
    ["0.0.0.0/0", /every IPv4 address/],
    ["::/0", /every IPv6 address.*do not apply it to IPv4 callers/],
    ["::ffff:0:0/96", /every IPv4 address \(written as IPv4-mapped IPv6\)/],
    ["::ffff:0.0.0.0/96", /every IPv4 address/],
  ])("%s", (block, why) => {
    expect(unrestricted(block)).toMatch(why);
  });
  it.each(["10.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104", "garbage"])(
    "%s restricts",
    (block) => {
      expect(unrestricted(block)).toBeUndefined();
    },
  );
});

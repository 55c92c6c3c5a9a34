import * as path from "node:path";

import {
  cacheRoot,
  chooseVersion,
  parsePulumiVersionOutput,
  parseVersion,
  parseVersionList,
  sameMinor,
} from "../../scripts/pulumi-cli";

// What the Go module proxy on our machines listed for github.com/pulumi/pulumi/pkg/v3.
const SERVED = [
  "v3.224.0",
  "v3.225.1",
  "v3.229.0",
  "v3.248.0",
  "v3.252.0",
  "v3.260.0",
  "v3.274.0",
  "v3.274.1",
  "v3.275.0",
  "v3.276.0",
];

describe("chooseVersion", () => {
  it.each([
    ["3.274.0", "v3.274.0"], // served exactly
    ["v3.274.1", "v3.274.1"],
    ["3.270.0", "v3.274.0"], // 4 minors up beats 10 down; the lowest patch of that minor
    ["3.265.0", "v3.260.0"], // 5 down beats 9 up
    ["3.267.0", "v3.274.0"], // 7 down, 7 up: a tie goes to the higher
    ["3.300.0", "v3.276.0"], // above everything served
    ["3.100.0", "v3.224.0"], // below everything served
  ])("wanted %s → %s", (wanted, expected) => {
    expect(chooseVersion(wanted, SERVED)).toBe(expected);
  });

  it("within a minor, takes the nearest patch, and the higher on a tie", () => {
    expect(chooseVersion("3.270.5", ["v3.270.0", "v3.270.9"])).toBe("v3.270.9");
    expect(chooseVersion("3.270.5", ["v3.270.2", "v3.270.9"])).toBe("v3.270.2");
    expect(chooseVersion("3.270.5", ["v3.270.0", "v3.270.10"])).toBe("v3.270.10");
  });

  it("ignores other majors, pre-releases and junk", () => {
    expect(chooseVersion("3.270.0", ["v4.270.0", "v3.270.0-rc.1", "latest", "v3.200.0"])).toBe(
      "v3.200.0",
    );
  });

  it("returns undefined when nothing of the same major is served", () => {
    expect(chooseVersion("3.270.0", [])).toBeUndefined();
    expect(chooseVersion("3.270.0", ["v2.25.2", "v4.0.0"])).toBeUndefined();
  });

  it("refuses a wanted version that is not a release", () => {
    expect(() => chooseVersion("3.270.0-alpha", SERVED)).toThrow(/not a release version/);
  });
});

describe("output parsing", () => {
  it("reads go list -m -versions output", () => {
    expect(parseVersionList("github.com/pulumi/pulumi/pkg/v3 v3.274.0 v3.274.1\n")).toEqual([
      "v3.274.0",
      "v3.274.1",
    ]);
    expect(parseVersionList("github.com/pulumi/pulumi/pkg/v3\n")).toEqual([]);
  });

  it("reads pulumi version output; an unstamped build prints nothing usable", () => {
    expect(parsePulumiVersionOutput("v3.274.0\n")).toBe("v3.274.0");
    expect(parsePulumiVersionOutput("\n")).toBeUndefined();
    expect(parsePulumiVersionOutput("v3.274.0-dev.0\n")).toBeUndefined();
  });

  it("parses release versions only", () => {
    expect(parseVersion("v3.274.0")).toEqual({ major: 3, minor: 274, patch: 0 });
    expect(parseVersion("3.270.0")).toEqual({ major: 3, minor: 270, patch: 0 });
    expect(parseVersion("3.270")).toBeUndefined();
  });

  it("compares minors", () => {
    expect(sameMinor("v3.274.1", "3.274.0")).toBe(true);
    expect(sameMinor("v3.275.0", "3.274.0")).toBe(false);
    expect(sameMinor("", "3.274.0")).toBe(false);
  });
});

describe("cacheRoot", () => {
  it("prefers PULUMI_PANTHER_CLI_CACHE, then XDG_CACHE_HOME, then HOME/.cache", () => {
    expect(cacheRoot({ PULUMI_PANTHER_CLI_CACHE: "/c/x", XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe(
      path.resolve("/c/x"),
    );
    expect(cacheRoot({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe(
      path.join("/x", "pulumi-panther", "pulumi-cli"),
    );
    expect(cacheRoot({ HOME: "/h" })).toBe(
      path.join("/h", ".cache", "pulumi-panther", "pulumi-cli"),
    );
  });
});

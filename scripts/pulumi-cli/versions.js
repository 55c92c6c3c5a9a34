/**
 * Release versions: parsing, ordering, and the choice of the `pkg/v3` version to build for an
 * installed `@pulumi/pulumi`. Pure functions, no side effects.
 */
"use strict";

/**
 * Parses a release version such as `v3.274.0` or `3.270.0` into numbers. Pre-releases, build
 * metadata and anything else return undefined: only releases are candidates.
 */
function parseVersion(text) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(String(text).trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** `v3.274.0` for `3.274.0` or `v3.274.0`; undefined when not a release version. */
function normalizeVersion(text) {
  const v = parseVersion(text);
  return v ? `v${v.major}.${v.minor}.${v.patch}` : undefined;
}

/** Negative, zero or positive as release version `a` is lower than, equal to or above `b`. */
function compareVersions(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) throw new Error(`not release versions: ${a}, ${b}`);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/**
 * The version of `served` closest to `wanted`, as `vX.Y.Z`, among releases of the same major:
 * the nearest one at or above `wanted` and the nearest one at or below it are the candidates;
 * the one whose minor is nearer wins, then (same minor) the one whose patch is nearer; a tie
 * goes to the higher. Undefined when nothing of the same major is served.
 */
function chooseVersion(wanted, served) {
  const w = parseVersion(wanted);
  if (!w) throw new Error(`not a release version: ${wanted}`);
  const same = served.filter((v) => {
    const c = parseVersion(v);
    return c !== undefined && c.major === w.major;
  });
  let above;
  let below;
  for (const v of same) {
    const order = compareVersions(v, wanted);
    if (order >= 0 && (above === undefined || compareVersions(v, above) < 0)) above = v;
    if (order <= 0 && (below === undefined || compareVersions(v, below) > 0)) below = v;
  }
  if (above === undefined || below === undefined) {
    const only = above === undefined ? below : above;
    return only === undefined ? undefined : normalizeVersion(only);
  }
  const distance = (v) => {
    const c = parseVersion(v);
    const minor = Math.abs(c.minor - w.minor);
    return [minor, minor === 0 ? Math.abs(c.patch - w.patch) : 0];
  };
  const [a, b] = [distance(above), distance(below)];
  const belowWins = b[0] < a[0] || (b[0] === a[0] && b[1] < a[1]);
  return normalizeVersion(belowWins ? below : above);
}

/** The versions in `go list -m -versions <module>` output (`<module> v1 v2 …`). */
function parseVersionList(stdout) {
  return String(stdout).trim().split(/\s+/).slice(1).filter(Boolean);
}

/** The version `pulumi version` printed (`v3.274.0`), or undefined. */
function parsePulumiVersionOutput(stdout) {
  const first = String(stdout).trim().split(/\r?\n/)[0] || "";
  return normalizeVersion(first);
}

/** True when both release versions have the same major and minor. */
function sameMinor(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return Boolean(x && y && x.major === y.major && x.minor === y.minor);
}

/**
 * The release version at which the `go.mod` text `goMod` requires `module` (in a `require`
 * block or on a `require` line), or undefined when it does not, or not at a release.
 */
function requiredVersion(goMod, module) {
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const line = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(\\S+)`, "m").exec(String(goMod));
  return line ? normalizeVersion(line[1]) : undefined;
}

module.exports = {
  parseVersion,
  normalizeVersion,
  compareVersions,
  chooseVersion,
  parseVersionList,
  parsePulumiVersionOutput,
  sameMinor,
  requiredVersion,
};

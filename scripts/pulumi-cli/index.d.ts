/** Types of what `scripts/pulumi-cli` exports for its unit tests. */

/** A release version's numbers. */
export interface ReleaseVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parses `v3.274.0` or `3.270.0`; undefined for pre-releases and anything else. */
export function parseVersion(text: string): ReleaseVersion | undefined;

/** `v3.274.0` for `3.274.0` or `v3.274.0`; undefined when not a release version. */
export function normalizeVersion(text: string): string | undefined;

/** Negative, zero or positive as release version `a` is lower than, equal to or above `b`. */
export function compareVersions(a: string, b: string): number;

/**
 * The version of `served` closest to `wanted` (same major; nearest minor, then nearest patch;
 * a tie goes to the higher), as `vX.Y.Z`; undefined when none of the same major is served.
 */
export function chooseVersion(wanted: string, served: readonly string[]): string | undefined;

/** The versions in `go list -m -versions <module>` output. */
export function parseVersionList(stdout: string): string[];

/** The version `pulumi version` printed, or undefined. */
export function parsePulumiVersionOutput(stdout: string): string | undefined;

/** True when both release versions have the same major and minor. */
export function sameMinor(a: string, b: string): boolean;

/** The release version at which go.mod text requires `module`, or undefined. */
export function requiredVersion(goMod: string, module: string): string | undefined;

/** Root of the build cache for the given environment. */
export function cacheRoot(env: Readonly<Record<string, string | undefined>>): string;

/** The language host's source folder for the given environment (it may not exist). */
export function languageHostSourceDir(env: Readonly<Record<string, string | undefined>>): string;

/** What to do about a cached build's language host (see index.js). */
export function languageHostStatus(
  stamp: Readonly<Record<string, unknown>> | undefined,
  sourceHash: string | undefined,
  binarySize: number | undefined,
): "current" | "build" | "kept" | "missing";

/** Content hash of a folder: every file's relative path and bytes, 16 hex digits. */
export function treeHash(dir: string): string;

/** `pulumi-language-nodejs`. */
export const LANGUAGE_HOST: string;
/** `pulumi-resource-pulumi-nodejs`. */
export const PLUGIN_SCRIPT: string;
/** The stamp file's name in a version's cache directory. */
export const LANGUAGE_HOST_STAMP: string;

/**
 * Scratch projects: packages installed the way a user installs them.
 *
 * `npm pack` turns a package directory into the tarball a user would download; `npm install`
 * of that tarball into an empty project in the OS temp directory gives a `node_modules` tree
 * with no link back to this repository. Provider code then resolves from inside
 * `node_modules`, which is what the closure serializer needs to emit `require("pkg/…")`
 * instead of serializing the provider by value.
 *
 * Installs are cached by content: the directory name is a hash of the tarballs' sha256 sums,
 * so an unchanged build reuses the previous install, and a rebuilt package gets a new one.
 * A scratch project is built in a private temporary directory and renamed into place, so
 * two processes preparing the same project at once cannot see a half-built one.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type * as Lock from "../../scripts/lock";
import { ENV } from "./env";
import { childEnv, describeExit, exec } from "./exec";

/**
 * Root of this repository (the package under test): the nearest directory above this file
 * whose package.json is pulumi-panther's. Found by walking up, so the harness works both from
 * source (under jest) and compiled into `.build/` (for `npm run demo` and `npm run bench`).
 */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown };
      if (name === "pulumi-panther") return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`no pulumi-panther package.json above ${from}`);
  }
}

/**
 * The emulator's package (`pulumi-panther-emulator`), an npm workspace of this repository; built
 * by the root's `npm run build`.
 */
export const EMULATOR_DIR = path.join(REPO_ROOT, "packages", "panther-api-emulator");

/** Directory holding the fixture packages used by the harness self-tests. */
export const FIXTURES_DIR = path.join(REPO_ROOT, "test", "fixtures");

/** Default root of the scratch cache: `<os tmpdir>/pulumi-panther-scratch`. */
export const DEFAULT_CACHE_ROOT = path.join(os.tmpdir(), "pulumi-panther-scratch");

/** Bumped when the layout of a scratch project changes, so old cache entries are not reused. */
const LAYOUT_VERSION = "1";

/** Marker file written into a finished scratch project; its presence means "complete". */
const MARKER = ".pp-scratch.json";

/** Cache entries unused for this long are removed when another entry is prepared. */
const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * An entry used this recently is never removed, however many there are: a test run (or the
 * demo, or a checkout's test run beside this one's on the same machine) may still be using
 * it, and a run lasts well under this.
 */
const IN_USE_MS = 2 * 60 * 60 * 1000;

/**
 * At most this many cache entries are kept (the most recently used); each is a full
 * node_modules (~110 MB), and every rebuild of the package under test makes new ones (a test
 * run uses two: the template projects' install and the examples').
 */
const MAX_CACHE_ENTRIES = 6;

const NPM_PACK_TIMEOUT_MS = 120_000;
const NPM_INSTALL_TIMEOUT_MS = 600_000;
const LOCK_WAIT_MS = 600_000;

/** A package turned into a tarball by `npm pack`. */
export interface PackedPackage {
  /** Package name from its package.json, e.g. `pulumi-panther`. */
  readonly name: string;
  /** Package version from its package.json. */
  readonly version: string;
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Hex sha256 of the tarball's bytes. */
  readonly sha256: string;
}

/** Options for {@link preparePackage}. */
export interface PrepareOptions {
  /**
   * Package directories to pack and install together, e.g. the repository root and fixture
   * packages. Default: `[REPO_ROOT]`, which must already be built (`npm run build`).
   */
  readonly packageDirs?: readonly string[];
  /** Where cached scratch projects live. Default {@link DEFAULT_CACHE_ROOT}. */
  readonly cacheRoot?: string;
  /**
   * Registry packages installed alongside the tarballs, as `npm install` specs with exact
   * versions (e.g. `@types/node@22.20.7`, or an alias such as `ts59@npm:typescript@5.9.3`).
   * They are part of the cache key. Default: none.
   */
  readonly registryPackages?: readonly string[];
  /** Receives progress lines (commands run, timings). Default: silent. */
  readonly log?: (line: string) => void;
}

/** Contents of the marker file of a scratch project. */
interface ScratchMarker {
  readonly layout: string;
  readonly packages: Record<string, string>;
}

/**
 * Packs the given package directories and returns a scratch project (a directory in the OS
 * temp dir) with all of them installed by `npm install` of their tarballs, as a user would.
 * Reuses a cached project when the tarballs are byte-identical to a previous call's.
 *
 * @example
 * const scratchDir = await preparePackage({ packageDirs: [REPO_ROOT, path.join(FIXTURES_DIR, "echo-provider")] });
 * // scratchDir/node_modules/pulumi-panther and scratchDir/node_modules/echo-provider now exist
 */
export async function preparePackage(opts: PrepareOptions = {}): Promise<string> {
  const log = opts.log ?? noop;
  const packageDirs = opts.packageDirs ?? [REPO_ROOT];
  const registryPackages = [...(opts.registryPackages ?? [])].sort();
  if (packageDirs.length === 0 && registryPackages.length === 0) {
    throw new Error(
      "preparePackage: packageDirs and registryPackages are empty; give at least one package",
    );
  }
  const cacheRoot = opts.cacheRoot ?? DEFAULT_CACHE_ROOT;
  fs.mkdirSync(cacheRoot, { recursive: true });

  const work = fs.mkdtempSync(path.join(cacheRoot, `.tmp-${String(process.pid)}-`));
  try {
    const tarDir = path.join(work, "tarballs");
    fs.mkdirSync(tarDir);
    const packed: PackedPackage[] = [];
    for (const dir of packageDirs) {
      packed.push(await packPackage(dir, tarDir, log));
    }
    const key = cacheKey(packed, registryPackages);
    const finalDir = path.join(cacheRoot, key);
    if (isComplete(finalDir)) {
      log(`scratch: reusing ${finalDir}`);
      touch(finalDir);
      return finalDir;
    }

    writeScratchPackageJson(work);
    await npmInstall(
      work,
      [...packed.map((p) => `./tarballs/${path.basename(p.tarball)}`), ...registryPackages],
      log,
    );
    writeMarker(work, packed);
    if (fs.existsSync(finalDir) && !isComplete(finalDir)) {
      // What a removal left while something wrote into it: no install, no marker. Set aside.
      const aside = path.join(cacheRoot, `.tmp-incomplete-${String(process.pid)}-${key}`);
      fs.renameSync(finalDir, aside);
      fs.rmSync(aside, { recursive: true, force: true });
    }
    try {
      fs.renameSync(work, finalDir);
      log(`scratch: installed into ${finalDir}`);
    } catch (e) {
      // Another process finished the same project first; use theirs.
      if (!isComplete(finalDir)) {
        throw e;
      }
      log(`scratch: another process prepared ${finalDir} first; using it`);
    }
    pruneCache(cacheRoot, finalDir, log);
    return finalDir;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Packs `packageDirs` and installs the tarballs into an existing scratch project, next to
 * what is already there. Packages already installed from a byte-identical tarball are
 * skipped. Holds a lock directory in the project while npm runs, so concurrent callers
 * install one after the other. Note this mutates the project: prefer listing every package
 * in {@link preparePackage} when the set is known up front.
 *
 * @example
 * await installIntoScratch(scratchDir, [path.join(FIXTURES_DIR, "echo-provider")]);
 */
export async function installIntoScratch(
  scratchDir: string,
  packageDirs: readonly string[],
  opts: { readonly log?: (line: string) => void } = {},
): Promise<void> {
  const log = opts.log ?? noop;
  if (!fs.existsSync(path.join(scratchDir, "package.json"))) {
    throw new Error(
      `installIntoScratch: ${scratchDir} is not a scratch project (no package.json); create one with preparePackage`,
    );
  }
  const tarDir = path.join(scratchDir, "tarballs");
  fs.mkdirSync(tarDir, { recursive: true });
  const release = await acquireLock(path.join(scratchDir, ".pp-install.lock"));
  try {
    const marker = readMarker(scratchDir);
    const installed = marker?.packages ?? {};
    const packed: PackedPackage[] = [];
    for (const dir of packageDirs) {
      const p = await packPackage(dir, tarDir, log);
      if (
        installed[p.name] === p.sha256 &&
        fs.existsSync(path.join(scratchDir, "node_modules", p.name))
      ) {
        log(`scratch: ${p.name} already installed from an identical tarball`);
        continue;
      }
      packed.push(p);
    }
    if (packed.length === 0) {
      return;
    }
    await npmInstall(
      scratchDir,
      packed.map((p) => `./tarballs/${path.basename(p.tarball)}`),
      log,
    );
    const packages = { ...installed };
    for (const p of packed) {
      packages[p.name] = p.sha256;
    }
    fs.writeFileSync(
      path.join(scratchDir, MARKER),
      JSON.stringify({ layout: LAYOUT_VERSION, packages } satisfies ScratchMarker, null, 2),
    );
  } finally {
    release();
  }
}

/**
 * Runs `npm pack` on `packageDir` (lifecycle scripts disabled: the caller builds first) and
 * writes the tarball into `destDir`.
 *
 * @example
 * const p = await packPackage(REPO_ROOT, os.tmpdir());
 * // p.tarball === "/tmp/pulumi-panther-0.1.0.tgz"
 */
export async function packPackage(
  packageDir: string,
  destDir: string,
  log: (line: string) => void = noop,
): Promise<PackedPackage> {
  const started = Date.now();
  const r = await exec(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", destDir],
    { cwd: packageDir, env: childEnv(), timeoutMs: NPM_PACK_TIMEOUT_MS },
  );
  if (r.exitCode !== 0) {
    throw new Error(
      `npm pack in ${packageDir} ${describeExit(r)}; check the package's package.json "files".\n${r.stderr}`,
    );
  }
  const entry = parsePackJson(r.stdout, packageDir);
  const tarball = path.join(destDir, entry.filename);
  const sha256 = createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
  log(
    `scratch: packed ${entry.name}@${entry.version} in ${String(Date.now() - started)} ms (${sha256.slice(0, 12)})`,
  );
  return { name: entry.name, version: entry.version, tarball, sha256 };
}

/**
 * The scratch directory prepared by globalSetup, from `ENV.scratchDir`.
 * Throws a message naming the fix when jest ran without the harness's globalSetup.
 */
export function scratchDirFromEnv(): string {
  const dir = process.env[ENV.scratchDir];
  if (dir === undefined || dir === "") {
    throw new Error(
      `${ENV.scratchDir} is not set: run the tests through jest with test/support/globalSetup.ts (npm test)`,
    );
  }
  return dir;
}

/** Absolute path of a package installed in a scratch project. */
export function installedPackageDir(scratchDir: string, packageName: string): string {
  return path.join(scratchDir, "node_modules", ...packageName.split("/"));
}

interface PackJsonEntry {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
}

function parsePackJson(stdout: string, packageDir: string): PackJsonEntry {
  // npm may print notices before the JSON array; the array starts at the first "[".
  const start = stdout.indexOf("[");
  const parsed: unknown = start >= 0 ? JSON.parse(stdout.slice(start)) : undefined;
  if (!Array.isArray(parsed) || parsed.length !== 1) {
    throw new Error(`npm pack in ${packageDir} printed unexpected output:\n${stdout}`);
  }
  const entry: unknown = parsed[0];
  if (
    typeof entry !== "object" ||
    entry === null ||
    !("name" in entry) ||
    !("version" in entry) ||
    !("filename" in entry) ||
    typeof entry.name !== "string" ||
    typeof entry.version !== "string" ||
    typeof entry.filename !== "string"
  ) {
    throw new Error(
      `npm pack in ${packageDir} printed JSON without name/version/filename:\n${stdout}`,
    );
  }
  return { name: entry.name, version: entry.version, filename: entry.filename };
}

async function npmInstall(
  dir: string,
  specs: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const args = [
    "install",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--ignore-scripts",
    ...specs,
  ];
  const r = await exec("npm", args, {
    cwd: dir,
    env: childEnv(),
    timeoutMs: NPM_INSTALL_TIMEOUT_MS,
  });
  if (r.exitCode !== 0) {
    throw new Error(
      `npm ${args.join(" ")} in ${dir} ${describeExit(r)}; is the npm registry reachable?\n${r.stderr}`,
    );
  }
  log(
    `scratch: npm install of ${String(specs.length)} package(s) took ${String(Date.now() - started)} ms`,
  );
}

function cacheKey(packed: readonly PackedPackage[], registryPackages: readonly string[]): string {
  const h = createHash("sha256");
  h.update(`layout ${LAYOUT_VERSION}\n`);
  for (const p of [...packed].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`${p.name} ${p.sha256}\n`);
  }
  // Nothing is added for an empty list, so the keys of existing entries stay as they were.
  for (const spec of registryPackages) {
    h.update(`registry ${spec}\n`);
  }
  return h.digest("hex").slice(0, 24);
}

function writeScratchPackageJson(dir: string): void {
  const pkg = {
    name: "pp-scratch",
    version: "0.0.0",
    private: true,
    description: "Scratch project created by the pulumi-panther test harness",
    license: "UNLICENSED",
  };
  fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
}

function writeMarker(dir: string, packed: readonly PackedPackage[]): void {
  const packages: Record<string, string> = {};
  for (const p of packed) {
    packages[p.name] = p.sha256;
  }
  const marker: ScratchMarker = { layout: LAYOUT_VERSION, packages };
  fs.writeFileSync(path.join(dir, MARKER), JSON.stringify(marker, null, 2));
}

function readMarker(dir: string): ScratchMarker | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "layout" in parsed &&
      "packages" in parsed
    ) {
      return parsed as ScratchMarker;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function isComplete(dir: string): boolean {
  return (
    readMarker(dir)?.layout === LAYOUT_VERSION && fs.existsSync(path.join(dir, "node_modules"))
  );
}

function touch(dir: string): void {
  const now = new Date();
  fs.utimesSync(path.join(dir, MARKER), now, now);
}

/**
 * Removes abandoned temporary directories and cache entries unused for a day, and keeps at
 * most {@link MAX_CACHE_ENTRIES} entries (the most recently used, always including `keep`)
 * among those not used within {@link IN_USE_MS}.
 */
function pruneCache(cacheRoot: string, keep: string, log: (line: string) => void): void {
  const now = Date.now();
  const entries: { dir: string; usedMs: number }[] = [];
  for (const name of fs.readdirSync(cacheRoot)) {
    const dir = path.join(cacheRoot, name);
    if (dir === keep || name === ".compile-cache") {
      continue;
    }
    try {
      if (name.startsWith(".tmp-")) {
        if (now - fs.statSync(dir).mtimeMs > PRUNE_AFTER_MS) {
          remove(dir, log);
        }
        continue;
      }
      entries.push({ dir, usedMs: fs.statSync(path.join(dir, MARKER)).mtimeMs });
    } catch {
      // An entry without a marker is already gone, or not ours.
    }
  }
  entries.sort((a, b) => b.usedMs - a.usedMs);
  entries.forEach((e, i) => {
    const idle = now - e.usedMs;
    if ((i >= MAX_CACHE_ENTRIES - 1 && idle > IN_USE_MS) || idle > PRUNE_AFTER_MS) {
      remove(e.dir, log);
    }
  });
}

function remove(dir: string, log: (line: string) => void): void {
  fs.rmSync(dir, { recursive: true, force: true });
  log(`scratch: pruned ${dir}`);
}

/**
 * Holds `lockDir` once it is free, waiting (asynchronously) up to {@link LOCK_WAIT_MS}; the
 * lock is the repository's one kind (`scripts/lock.js`, which takes over a stale one).
 */
async function acquireLock(lockDir: string): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const attempt = lockModule().tryLock(lockDir);
    if (attempt.taken) return attempt.release;
    if (Date.now() > deadline) {
      const owner =
        attempt.owner === undefined ? "" : ` (held by pid ${String(attempt.owner.pid)})`;
      throw new Error(
        `timed out after ${String(LOCK_WAIT_MS)} ms waiting for ${lockDir}${owner}; remove it if no install is running`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `scripts/lock.js`, required from the repository root: this file also runs compiled into
 * `.build/` (the demo, the bench), where no relative path reaches `scripts/`.
 */
function lockModule(): typeof Lock {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script, see above
  return require(path.join(REPO_ROOT, "scripts", "lock.js")) as typeof Lock;
}

function noop(): void {
  // Logging disabled.
}

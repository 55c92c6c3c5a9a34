import { readFileSync } from "node:fs";
import { join } from "node:path";

interface PackageJson {
  readonly name: string;
  readonly version: string;
}

// Source (provider/client) and build output (dist/client) sit at the same
// depth below the package root, so one relative path serves both.
const pkg = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"),
) as PackageJson;

/** This package's name, as published. */
export const PACKAGE_NAME: string = pkg.name;
/** This package's version, as published. */
export const PACKAGE_VERSION: string = pkg.version;
/** `User-Agent` sent with every request: names the package, its version and Node's. */
export const USER_AGENT = `${pkg.name}/${pkg.version} (node ${process.version})`;

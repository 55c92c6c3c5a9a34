/**
 * An import file for `pulumi import --file`, which brings existing Panther tokens under a stack
 * with a working provider. Since v3.254 the CLI takes each resource's `inputs` and `outputs`
 * from the file and skips the provider's Read: that is the only engine import this dynamic
 * provider survives (the `import` resource option and `pulumi import <type> <name> <id>` send a
 * Read with no properties, so the SDK's provider host has no serialized provider to load:
 * pulumi/pulumi#16175).
 *
 * The state written is exactly what the provider holds for an imported token: its own `read`
 * without prior state (lifecycle.ts `importToken`, the path of an engine import) reads the
 * token (GET /api-tokens/{id}, after the deployer's own id, which it refuses to import) and
 * returns the inputs and outputs; the stack holds no value (`valueState` `none`) until a
 * rotation. `__provider` is the provider serialized as the SDK serializes it for a
 * `PantherApiToken`, `require("pulumi-panther/dynamic-provider")`, so the next `pulumi up` of a
 * program declaring the same token changes nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as dynamic from "@pulumi/pulumi/dynamic";

import { CONFIG_TOKEN, CONFIG_URL } from "../config";
import * as provider from "../dynamic-provider";

/** The type every `PantherApiToken` is registered with. */
export const TOKEN_TYPE = "pulumi-nodejs:dynamic/panther:ApiToken";

/** The module serialized provider state requires; a file serializing anything else is refused. */
export const PROVIDER_MODULE = "pulumi-panther/dynamic-provider";

/** One token to import. */
export interface ImportRequest {
  /** The resource name the program gives it (`new PantherApiToken("<name>", …)`). */
  readonly name: string;
  /** Its Panther id, as the Console shows it. */
  readonly id: string;
}

/** One resource of an import file. */
export interface ImportFileResource {
  readonly type: typeof TOKEN_TYPE;
  readonly name: string;
  readonly id: string;
  /** The inputs the stack will hold (`name`, `permissions`, `allowedCIDRBlocks` as Panther has them) and `__provider`. */
  readonly inputs: Record<string, unknown>;
  /** The provider's state for the imported token, and `__provider`. */
  readonly outputs: Record<string, unknown>;
}

/** What `pulumi import --file` reads. */
export interface ImportFile {
  readonly resources: ImportFileResource[];
}

/** Where Panther is: stack-config-style settings; unset ones fall back to the environment. */
export interface ImportSettings {
  /** Panther's API URL (else PANTHER_API_URL). */
  readonly url?: string;
  /** The deployer's API key (else PANTHER_API_TOKEN). */
  readonly token?: string;
}

/**
 * The import file for `tokens`. Reads each token through the provider (two GETs for the first,
 * one for each other); changes nothing in Panther. Fails as the provider's import does: for the
 * deployer's own token, an id Panther does not know, or missing credentials. Must run from an
 * install of this package inside `node_modules` (a project's), where the provider serializes as
 * a `require` of this package; refuses otherwise.
 *
 * @example
 * const file = await importFileFor([{ name: "legacy", id: "3e9ec88f-…" }], { url: "https://api.acme.runpanther.net" });
 * fs.writeFileSync("panther-import.json", JSON.stringify(file, null, 2));
 * // then: pulumi import --file panther-import.json --generate-code=false --yes
 */
export async function importFileFor(
  tokens: readonly ImportRequest[],
  settings: ImportSettings = {},
): Promise<ImportFile> {
  const names = new Set<string>();
  for (const { name, id } of tokens) {
    if (name.trim() === "" || id.trim() === "") {
      throw new Error(
        `each token needs a resource name and an id, got ${JSON.stringify({ name, id })}`,
      );
    }
    if (names.has(name))
      throw new Error(`the resource name ${JSON.stringify(name)} is given twice`);
    names.add(name);
  }
  const serialized = await serializedProvider();
  const config = new Map<string, string>();
  if (settings.url !== undefined) config.set(CONFIG_URL, settings.url);
  if (settings.token !== undefined) config.set(CONFIG_TOKEN, settings.token);
  await provider.configure({ config: configOf(config) });
  const resources: ImportFileResource[] = [];
  for (const { name, id } of tokens) {
    const read = await provider.read(id, NO_STATE);
    if (read.id === undefined || read.id === "") {
      throw new Error(`import: Panther has no token with id "${id}"`);
    }
    resources.push({
      type: TOKEN_TYPE,
      name,
      id: read.id,
      inputs: { __provider: serialized, ...(read.inputs ?? {}) },
      outputs: { __provider: serialized, ...read.props },
    });
  }
  return { resources };
}

/** No prior state: the provider's `read` then imports (reads, and never changes, the token). */
const NO_STATE = {} as unknown as Parameters<typeof provider.read>[1];

/** The provider as the SDK serializes it for a dynamic resource (`dynamic.Resource`). */
async function serializedProvider(): Promise<string> {
  const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  if (!text.includes(`require(${JSON.stringify(PROVIDER_MODULE)})`)) {
    throw new Error(
      `the provider serializes by value here, not as require("${PROVIDER_MODULE}"): run this ` +
        "from the Pulumi project where pulumi-panther is installed (npx pulumi-panther-import …)",
    );
  }
  return text;
}

function configOf(values: ReadonlyMap<string, string>): dynamic.Config {
  return {
    get: (key) => values.get(key),
    require: (key) => {
      const value = values.get(key);
      if (value === undefined) throw new Error(`missing configuration ${key}`);
      return value;
    },
  };
}

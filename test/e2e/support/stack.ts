/**
 * What every real-engine test file sets up: an emulator for the file, started before its tests,
 * and the projects its tests make, each with a `dev` stack pointed at an emulator; all closed
 * after the file, whatever its tests did.
 *
 * @example
 * const e2e = e2eFile();
 * it("...", async () => {
 *   const project = await e2e.stack(Project.create("quick", source));
 *   await project.up();
 * });
 */
import { startEmulator, type Emulator, type EmulatorOptions } from "pulumi-panther-emulator";

import type { Project } from "../../../tools/harness/project";

/** How a project's `dev` stack is set up. */
export interface StackOptions {
  /** The emulator the stack talks to; default the file's. */
  readonly on?: Emulator;
  /** The deployer key, the secret `panther:token`; default that emulator's admin key. */
  readonly key?: string;
  /** More stack config, beside `panther:url`. */
  readonly config?: Readonly<Record<string, string>>;
}

/** One test file's emulator and projects. */
export interface E2eFile {
  /** The file's emulator (started in `beforeAll`). */
  readonly emulator: Emulator;
  /** Keeps `project` to close after the file and inits its `dev` stack; returns it. */
  stack(project: Project, options?: StackOptions): Promise<Project>;
  /** Keeps `project` to close after the file (a test that inits its stack itself); returns it. */
  keep(project: Project): Project;
  /** Starts another emulator, closed after the file with the first. */
  another(options?: EmulatorOptions): Promise<Emulator>;
}

/**
 * Registers the file's `beforeAll` (the emulator, with `options`) and `afterAll` (every project
 * kept, then every emulator started); call it once, at the top of the file.
 */
export function e2eFile(options: EmulatorOptions = {}): E2eFile {
  const projects: Project[] = [];
  const emulators: Emulator[] = [];
  let first: Emulator | undefined;
  beforeAll(async () => {
    first = await startEmulator(options);
    emulators.push(first);
  });
  afterAll(async () => {
    for (const project of projects) project.close();
    for (const emulator of emulators) await emulator.close();
  });
  const file: E2eFile = {
    get emulator(): Emulator {
      if (first === undefined) throw new Error("e2eFile: the emulator starts in beforeAll");
      return first;
    },
    async stack(project, stackOptions = {}) {
      projects.push(project);
      const on = stackOptions.on ?? file.emulator;
      await project.initStack(
        "dev",
        { "panther:url": on.url, ...stackOptions.config },
        { "panther:token": stackOptions.key ?? on.adminKey },
      );
      return project;
    },
    keep(project) {
      projects.push(project);
      return project;
    },
    async another(anotherOptions = {}) {
      const emulator = await startEmulator(anotherOptions);
      emulators.push(emulator);
      return emulator;
    },
  };
  return file;
}

/** The type every `PantherApiToken` has in state. */
export const TOKEN_TYPE = "pulumi-nodejs:dynamic/panther:ApiToken";

/** The first `PantherApiToken` in the stack's state (`pulumi stack export`): its record, if any. */
export async function tokenInState(project: Project): Promise<Record<string, unknown> | undefined> {
  const exported = await project.exported();
  return exported.deployment.resources?.find((r) => r["type"] === TOKEN_TYPE);
}

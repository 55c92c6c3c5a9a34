/**
 * What the real-engine tests assert around every command: the API calls it
 * made (emulator counters), and that no token value and no deployer key is
 * written anywhere in plaintext.
 */
import type { Emulator } from "pulumi-panther-emulator";
import type { Project } from "../../../tools/harness/project";

export type ApiCalls = Record<"create" | "list" | "get" | "update" | "delete" | "rotate", number>;

/** Calls with every operation at 0 except the given ones. */
export function api(partial: Partial<ApiCalls> = {}): ApiCalls {
  return { create: 0, list: 0, get: 0, update: 0, delete: 0, rotate: 0, ...partial };
}

/** Runs `command` and returns its result with the API calls it made. */
export async function measured<T>(
  emulator: Emulator,
  command: () => Promise<T>,
): Promise<{ result: T; calls: ApiCalls }> {
  emulator.control.resetCounters();
  const result = await command();
  const {
    create,
    list,
    get,
    update,
    delete: del,
    rotate,
  } = emulator.control.counters().byOperation;
  return { result, calls: { create, list, get, update, delete: del, rotate } };
}

/**
 * Fails when any of `secrets` appears in plaintext in `pulumi stack export`
 * or any file the CLI wrote (backend checkpoints, backups, history, logs,
 * stack config).
 */
export async function expectNoPlaintext(
  project: Project,
  secrets: readonly string[],
): Promise<void> {
  const exported = JSON.stringify(await project.exported());
  const places = [{ file: "pulumi stack export", text: exported }, ...project.writtenFiles()];
  for (const secret of secrets) {
    for (const { file, text } of places) {
      if (text.includes(secret)) {
        throw new Error(`a secret (${secret.slice(0, 4)}…) appears in plaintext in ${file}`);
      }
    }
  }
}

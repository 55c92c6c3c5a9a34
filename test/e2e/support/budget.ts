/**
 * Jest timeouts of the real-engine tests, sized to their work on two loaded cores (the CI
 * machine while another process keeps both busy). Each CLI command a test runs is allowed
 * {@link COMMAND_MS}: measured there at 2 to 5 s on average and up to 12 s for a preview or up
 * (the language host compiling index.ts with ts-node, type-checking it). A wait the test
 * configures (a late-landing window, a usable timeout, a pause it makes) is added as it is.
 * One command's harness timeout ({@link COMMAND_TIMEOUT_MS}) comes on top, so that a command
 * that hangs is killed and reported by the harness, naming the command, before jest gives up
 * on the test.
 */
import { COMMAND_TIMEOUT_MS } from "../../../tools/harness/project";

/** What one CLI command may take on two loaded cores. */
export const COMMAND_MS = 15_000;

/**
 * The jest timeout of a test running `commands` CLI commands (`stack init` and each `config
 * set` count, as do `stack output` and `stack export`) and waiting `waitsMs` besides.
 */
export function budget(commands: number, waitsMs = 0): number {
  return COMMAND_TIMEOUT_MS + commands * COMMAND_MS + waitsMs;
}

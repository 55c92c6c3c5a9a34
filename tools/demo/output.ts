/**
 * The demo's output: every line through one filter that masks the admin key and every token
 * value seen (`secrets`), and the failure a step reports.
 */
/** Width of the demo's rules. */
export const WIDTH = 78;
/** What a secret is shown as. */
export const MASK = "[secret]";

/** Strings that must never reach the terminal: the admin key and every token value. */
export const secrets = new Set<string>();

export function mask(text: string): string {
  let out = text;
  for (const s of secrets) if (s !== "") out = out.split(s).join(MASK);
  return out;
}

export function say(line = ""): void {
  process.stdout.write(`${mask(line)}\n`);
}

export function rule(char = "─"): void {
  say(char.repeat(WIDTH));
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `label` padded to a column, then the value. */
export function field(label: string, value: string, indent = 5): void {
  say(`${" ".repeat(indent)}${label.padEnd(20)}${value}`);
}

export class DemoFailure extends Error {
  override readonly name = "DemoFailure";
}

export function check(condition: boolean, message: string): void {
  if (!condition) throw new DemoFailure(message);
}

/** Types of what `scripts/split-type-modifiers.js` exports for its unit tests. */

/**
 * `text` (the contents of a declaration file) with every import and export that mixes in
 * inline `type` modifiers split into a statement for the values and a type-only statement.
 */
export function splitTypeModifiers(text: string, fileName?: string): string;

/** Rewrites every `.d.ts` file under `dir` in place; returns the paths of those it changed. */
export function splitTypeModifiersInDir(dir: string): string[];

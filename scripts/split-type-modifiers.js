#!/usr/bin/env node
/**
 * `node scripts/split-type-modifiers.js <dir>`: rewrites the declaration files under `<dir>`
 * (`npm run build` runs it on `dist/`) so that no import or export carries an inline `type`
 * modifier. `export { A, type B } from "./x"` becomes `export { A } from "./x"` and
 * `export type { B } from "./x"`, which mean the same to every compiler.
 *
 * Why: tsc writes declarations with the modifiers as the source has them, and inline `type`
 * modifiers need TypeScript 4.5. `@pulumi/pulumi` runs programs of projects that have no
 * TypeScript of their own with the TypeScript 3.8 and ts-node 7 it vendors, which cannot read
 * them: the names they declare become errors, and what depends on them `any`. Type-only
 * statements (`import type`, `export type`) are TypeScript 3.8's own syntax.
 *
 * Plain CommonJS; needs only the `typescript` package (a devDependency, present wherever the
 * package is built). Prints nothing; exits 1 naming the file when one cannot be read.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

/** The text of a specifier as written, without its `type` modifier: `B` or `B as C`. */
function specifierText(spec, source) {
  const name = spec.name.getText(source);
  return spec.propertyName === undefined ? name : `${spec.propertyName.getText(source)} as ${name}`;
}

/**
 * `text` (the contents of a declaration file) with every import and export that mixes in
 * inline `type` modifiers split into a statement for the values and a type-only statement.
 * Everything else, comments included, is left as it is.
 */
function splitTypeModifiers(text, fileName = "file.d.ts") {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const edits = [];
  for (const statement of source.statements) {
    let keyword;
    let elements;
    let defaultName;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause === undefined || clause.isTypeOnly || clause.namedBindings === undefined) continue;
      if (!ts.isNamedImports(clause.namedBindings)) continue;
      keyword = "import";
      elements = clause.namedBindings.elements;
      defaultName = clause.name === undefined ? undefined : clause.name.getText(source);
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly || statement.exportClause === undefined) continue;
      if (!ts.isNamedExports(statement.exportClause)) continue;
      keyword = "export";
      elements = statement.exportClause.elements;
    } else {
      continue;
    }
    if (!elements.some((e) => e.isTypeOnly)) continue;

    const attributes = statement.attributes ?? statement.assertClause;
    const from =
      statement.moduleSpecifier === undefined
        ? ""
        : ` from ${statement.moduleSpecifier.getText(source)}` +
          (attributes === undefined ? "" : ` ${attributes.getText(source)}`);
    const values = elements.filter((e) => !e.isTypeOnly).map((e) => specifierText(e, source));
    const types = elements.filter((e) => e.isTypeOnly).map((e) => specifierText(e, source));
    const lines = [];
    if (values.length > 0 || defaultName !== undefined) {
      const named = values.length > 0 ? `{ ${values.join(", ")} }` : "";
      const bindings = [defaultName, named].filter((b) => b !== undefined && b !== "").join(", ");
      lines.push(`${keyword} ${bindings}${from};`);
    }
    lines.push(`${keyword} type { ${types.join(", ")} }${from};`);
    edits.push({ start: statement.getStart(source), end: statement.end, text: lines.join("\n") });
  }
  let out = text;
  for (const edit of edits.reverse()) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

/** Rewrites every `.d.ts` file under `dir` in place; returns the paths of those it changed. */
function splitTypeModifiersInDir(dir) {
  const changed = [];
  const visit = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory()) {
        visit(file);
      } else if (entry.isFile() && entry.name.endsWith(".d.ts")) {
        const text = fs.readFileSync(file, "utf8");
        const out = splitTypeModifiers(text, file);
        if (out !== text) {
          fs.writeFileSync(file, out);
          changed.push(file);
        }
      }
    }
  };
  visit(dir);
  return changed;
}

module.exports = { splitTypeModifiers, splitTypeModifiersInDir };

if (require.main === module) {
  const dir = process.argv[2];
  if (dir === undefined || !fs.existsSync(dir)) {
    console.error(
      dir === undefined
        ? "usage: node scripts/split-type-modifiers.js <dir>"
        : `split-type-modifiers: ${dir} does not exist; build first`,
    );
    process.exit(2);
  }
  try {
    splitTypeModifiersInDir(dir);
  } catch (e) {
    console.error(`split-type-modifiers: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

/**
 * scripts/split-type-modifiers.js, which `npm run build` runs on dist/: declarations without
 * inline `type` modifiers (TypeScript 4.5 syntax), meaning the same as before.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import ts from "typescript";

import { splitTypeModifiers, splitTypeModifiersInDir } from "../../scripts/split-type-modifiers";
import { REPO_ROOT } from "../../tools/harness/scratch";

describe("splitTypeModifiers", () => {
  it("splits a re-export into a value export and a type-only export", () => {
    expect(splitTypeModifiers(`export { A, type B, C as D, type E as F } from "./x";\n`)).toBe(
      `export { A, C as D } from "./x";\nexport type { B, E as F } from "./x";\n`,
    );
  });

  it("turns a list of types only into one type-only statement", () => {
    expect(splitTypeModifiers(`import { type A, type B } from "./x";\n`)).toBe(
      `import type { A, B } from "./x";\n`,
    );
    expect(splitTypeModifiers(`export { type A };\n`)).toBe(`export type { A };\n`);
  });

  it("keeps a default import with the values, and local exports local", () => {
    expect(splitTypeModifiers(`import D, { type T, v } from "./x";\n`)).toBe(
      `import D, { v } from "./x";\nimport type { T } from "./x";\n`,
    );
    expect(splitTypeModifiers(`declare const a = 1;\nexport { a, type T };\n`)).toBe(
      `declare const a = 1;\nexport { a };\nexport type { T };\n`,
    );
  });

  it("keeps comments, import attributes and statements without modifiers as they are", () => {
    const text = [
      `/** The doc. */`,
      `export { A, type B } from "./x"; // trailing`,
      `import type { C } from "./y";`,
      `import { D } from "./z";`,
      `export * from "./w";`,
      `import { type E } from "./j" with { "resolution-mode": "import" };`,
      ``,
    ].join("\n");
    expect(splitTypeModifiers(text)).toBe(
      [
        `/** The doc. */`,
        `export { A } from "./x";`,
        `export type { B } from "./x"; // trailing`,
        `import type { C } from "./y";`,
        `import { D } from "./z";`,
        `export * from "./w";`,
        `import type { E } from "./j" with { "resolution-mode": "import" };`,
        ``,
      ].join("\n"),
    );
  });

  it("leaves a file without modifiers byte for byte", () => {
    const text = `export type { A } from "./a";\nexport declare function f(): void;\n`;
    expect(splitTypeModifiers(text)).toBe(text);
  });

  it("rewrites files in place under a directory, and reports which", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "split-type-modifiers-"));
    try {
      fs.mkdirSync(path.join(dir, "sub"));
      fs.writeFileSync(path.join(dir, "sub", "a.d.ts"), `export { type A } from "./b";\n`);
      fs.writeFileSync(path.join(dir, "b.d.ts"), `export type A = string;\n`);
      fs.writeFileSync(path.join(dir, "c.js"), `export { type A } from "./b";\n`);

      expect(splitTypeModifiersInDir(dir)).toEqual([path.join(dir, "sub", "a.d.ts")]);
      expect(fs.readFileSync(path.join(dir, "sub", "a.d.ts"), "utf8")).toBe(
        `export type { A } from "./b";\n`,
      );
      expect(fs.readFileSync(path.join(dir, "c.js"), "utf8")).toBe(
        `export { type A } from "./b";\n`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the built declarations", () => {
  /** Import and export specifiers with an inline `type` modifier, in every .d.ts under dist/. */
  function inlineModifiers(): string[] {
    const found: string[] = [];
    const visitDir = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) visitDir(file);
        else if (entry.name.endsWith(".d.ts")) {
          const source = ts.createSourceFile(
            file,
            fs.readFileSync(file, "utf8"),
            ts.ScriptTarget.Latest,
            true,
          );
          const visit = (node: ts.Node): void => {
            if ((ts.isImportSpecifier(node) || ts.isExportSpecifier(node)) && node.isTypeOnly) {
              found.push(`${path.relative(REPO_ROOT, file)}: ${node.getText(source)}`);
            }
            ts.forEachChild(node, visit);
          };
          visit(source);
        }
      }
    };
    visitDir(path.join(REPO_ROOT, "dist"));
    return found;
  }

  it("carry no inline type modifier (npm run build, which npm test runs first, splits them)", () => {
    expect(fs.existsSync(path.join(REPO_ROOT, "dist", "index.d.ts"))).toBe(true);
    expect(inlineModifiers()).toEqual([]);
  });
});

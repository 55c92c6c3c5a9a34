/**
 * The shipped declarations, as built by `npm run build` (`npm test` builds
 * first): nothing reachable from the public entry points may import zod or
 * undici, whose own declarations need a recent TypeScript and would break
 * users' projects that compile without `skipLibCheck`. The client's entry
 * also stays readable by TypeScript 3.8 (no inline `type` modifiers).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../../tools/harness/scratch";

const DIST = path.join(REPO_ROOT, "dist");
const FORBIDDEN = /^(zod|undici|undici-types)(\/|$)/;

interface Reference {
  /** The declaration file that holds the reference. */
  readonly from: string;
  readonly specifier: string;
}

interface Graph {
  /** Declaration files reached, relative to dist. */
  readonly files: string[];
  /** Every reference to a package (a bare specifier or a `types` reference). */
  readonly packages: Reference[];
  /** Import and export specifiers with an inline `type` modifier (TypeScript 4.5+). */
  readonly inlineTypeModifiers: Reference[];
}

/** Every module a declaration file refers to: imports, re-exports, `import("…")` types, references. */
function referencesOf(file: string): { specifiers: string[]; inlineTypeModifiers: string[] } {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, "utf8"),
    ts.ScriptTarget.Latest,
    true,
  );
  const specifiers: string[] = [
    ...source.typeReferenceDirectives.map((d) => d.fileName),
    ...source.referencedFiles.map((d) => `./${d.fileName}`),
  ];
  const inlineTypeModifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      specifiers.push(node.argument.literal.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      specifiers.push(node.moduleReference.expression.text);
    } else if ((ts.isImportSpecifier(node) || ts.isExportSpecifier(node)) && node.isTypeOnly) {
      inlineTypeModifiers.push(node.getText(source));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { specifiers, inlineTypeModifiers };
}

function resolveRelative(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.d.ts`, path.join(base, "index.d.ts"), base]) {
    if (candidate.endsWith(".d.ts") && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${path.relative(DIST, from)} refers to ${specifier}, which was not built`);
}

/** Walks the declaration files reachable from `entry` (relative to dist). */
function walk(entry: string): Graph {
  const start = path.join(DIST, entry);
  if (!fs.existsSync(start)) throw new Error(`${start} is missing: run npm run build first`);
  const seen = new Set<string>([start]);
  const queue = [start];
  const packages: Reference[] = [];
  const inlineTypeModifiers: Reference[] = [];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const from = path.relative(DIST, file);
    const refs = referencesOf(file);
    for (const text of refs.inlineTypeModifiers)
      inlineTypeModifiers.push({ from, specifier: text });
    for (const specifier of refs.specifiers) {
      if (!specifier.startsWith(".")) {
        packages.push({ from, specifier });
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return {
    files: [...seen].map((f) => path.relative(DIST, f)).sort(),
    packages,
    inlineTypeModifiers,
  };
}

describe("shipped declarations", () => {
  it("pulumi-panther/client reaches no zod or undici, nor inline type modifiers (TypeScript 3.8 cannot read them)", () => {
    const graph = walk("client/index.d.ts");
    // The walk really covers the client: its public types, errors and clock.
    expect(graph.files).toEqual(
      expect.arrayContaining([
        "client/client.d.ts",
        "client/types.d.ts",
        "client/serverClock.d.ts",
        "client/errors/api.d.ts",
        "client/errors/network.d.ts",
        "client/pool.d.ts",
      ]),
    );
    expect(graph.files).not.toContain("client/schemas.d.ts");
    expect(graph.packages.filter((r) => FORBIDDEN.test(r.specifier))).toEqual([]);
    // Nothing outside the package at all: it compiles on its own.
    expect(graph.packages).toEqual([]);
    expect(graph.inlineTypeModifiers).toEqual([]);
  });

  it("pulumi-panther reaches no zod or undici", () => {
    const graph = walk("index.d.ts");
    expect(graph.files).toEqual(
      expect.arrayContaining(["index.d.ts", "client/types.d.ts", "lookups.d.ts"]),
    );
    expect(graph.files).not.toContain("client/schemas.d.ts");
    expect(graph.packages.filter((r) => FORBIDDEN.test(r.specifier))).toEqual([]);
    expect(graph.packages.map((r) => r.specifier)).toContain("@pulumi/pulumi");
  });

  it("the walk sees zod where it is imported (the schemas, which no entry point reaches)", () => {
    const graph = walk("client/schemas.d.ts");
    expect(graph.packages.filter((r) => FORBIDDEN.test(r.specifier))).toEqual([
      { from: "client/schemas.d.ts", specifier: "zod" },
    ]);
  });
});

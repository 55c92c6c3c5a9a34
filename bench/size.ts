/**
 * Section 3, serialized provider size: the bytes of `__provider` that every resource carries in
 * its inputs and outputs (so twice per resource in state), as the SDK serialized it in a program
 * that installed pulumi-panther from its tarball.
 */
import { LABELS, type BenchContext, type ProviderKind } from "./context";
import type { SectionResult } from "./report";
import { verdict } from "./report";

/** Target for pulumi-panther's serialized provider, in bytes. */
export const TARGET_BYTES = 512;

/** JSON of this section. */
export interface SizeData {
  readonly bytes: Record<ProviderKind, number>;
  /** The `require(...)` calls in it: what the provider deserializes to. */
  readonly requires: Record<ProviderKind, string[]>;
}

/** Runs section 3. */
export function measureProviderSize(ctx: BenchContext): SectionResult {
  const kinds: ProviderKind[] = ["ours", "floor"];
  const text = (k: ProviderKind): string => {
    const value = ctx.template[k].inputs["__provider"];
    if (typeof value !== "string")
      throw new Error(`${LABELS[k]}: the registration has no __provider string`);
    return value;
  };
  const data: SizeData = {
    bytes: { ours: Buffer.byteLength(text("ours")), floor: Buffer.byteLength(text("floor")) },
    requires: {
      ours: text("ours").match(/require\("[^"]*"\)/g) ?? [],
      floor: text("floor").match(/require\("[^"]*"\)/g) ?? [],
    },
  };
  const ok = data.bytes.ours <= TARGET_BYTES;
  return {
    key: "providerSize",
    tables: [
      {
        title: "3. Serialized provider size per resource (package installed from its tarball)",
        headers: ["provider", "__provider bytes", "captures", "target", ""],
        rows: kinds.map((k) => [
          LABELS[k],
          String(data.bytes[k]),
          data.requires[k].join(", "),
          k === "ours" ? `≤ ${String(TARGET_BYTES)}` : "",
          k === "ours" ? verdict(ok) : "",
        ]),
        notes: ["Stored twice per resource in state (inputs and outputs)."],
      },
    ],
    targets: [
      {
        figure: "serialized provider per resource",
        value: `${String(data.bytes.ours)} B`,
        target: `≤ ${String(TARGET_BYTES)} B`,
        ok,
      },
    ],
    data,
  };
}

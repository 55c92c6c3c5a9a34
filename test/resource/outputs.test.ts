import {
  ROTATION_STAMP_SLACK_MS,
  normalizeCidrs,
  rotatedSince,
  toOutputs,
} from "../../provider/resource/outputs";

describe("rotatedSince", () => {
  const issued = "2026-11-22T10:00:00.000Z";
  it("sees a later rotation", () => {
    expect(rotatedSince("2026-11-22T11:00:00Z", issued)).toBe(true);
  });
  it("ignores the rotation that issued the value, even stamped a little apart", () => {
    expect(rotatedSince(issued, issued)).toBe(false);
    expect(
      rotatedSince(new Date(Date.parse(issued) + ROTATION_STAMP_SLACK_MS).toISOString(), issued),
    ).toBe(false);
    expect(rotatedSince("2026-11-22T10:00:00.000123456Z", issued)).toBe(false);
  });
  it("knows nothing without both stamps", () => {
    expect(rotatedSince(undefined, issued)).toBe(false);
    expect(rotatedSince(null, issued)).toBe(false);
    expect(rotatedSince("2026-11-22T11:00:00Z", undefined)).toBe(false);
    expect(rotatedSince("not a date", issued)).toBe(false);
  });
});

describe("toOutputs", () => {
  it("normalizes what Panther returns the way check normalizes inputs, and drops absent fields", () => {
    const outs = toOutputs(
      {
        id: "t1",
        name: "ci",
        permissions: ["RuleRead", "AlertRead", "RuleRead"],
        allowedCIDRBlocks: ["2001:DB8::/32", "10.0.0.0/8"],
        createdAt: "2026-01-01T00:00:00Z",
        expiresAt: null,
      },
      { name: "ignored", rotationTrigger: "q4", __provider: "x", other: 1 },
      { value: "secret-value", issuedAt: "2026-01-01T00:00:00Z" },
    );
    expect(outs).toEqual({
      name: "ci",
      permissions: ["AlertRead", "RuleRead"],
      allowedCIDRBlocks: ["10.0.0.0/8", "2001:db8::/32"],
      rotationTrigger: "q4",
      createdAt: "2026-01-01T00:00:00Z",
      value: "secret-value",
      valueIssuedAt: "2026-01-01T00:00:00Z",
      valueStale: false,
    });
  });
  it("keeps CIDR blocks it cannot read as Panther sent them", () => {
    expect(normalizeCidrs(["garbage", "10.0.0.0/8"])).toEqual(["10.0.0.0/8", "garbage"]);
  });
});

describe("outputs from a parsed answer", () => {
  it("hold no undefined anywhere (the provider host refuses them), even for partial actors", async () => {
    const { ApiTokenSchema } = await import("../../provider/client/schemas");
    const token = ApiTokenSchema.parse({
      id: "t1",
      name: "ci",
      permissions: [],
      createdAt: "2026-01-01T00:00:00Z",
      createdBy: { id: "user" },
      updatedBy: { type: "text", extra: { deep: true } },
      rotatedAt: null,
    });
    const outs = toOutputs(token, {}, { value: "", issuedAt: undefined });
    const undefinedAt = (value: unknown, path: string): string[] =>
      value === undefined
        ? [path]
        : value !== null && typeof value === "object"
          ? Object.entries(value).flatMap(([k, v]) => undefinedAt(v, `${path}.${k}`))
          : [];
    expect(undefinedAt(outs, "outputs")).toEqual([]);
    expect(outs["createdBy"]).toEqual({ id: "user" });
    expect(outs["updatedBy"]).toEqual({ type: "text" });
  });
});

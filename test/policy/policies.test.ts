/**
 * Each policy of pulumi-panther/policy called as the policy SDK calls it, without a pack
 * server: resource policies with the inputs the provider's check returns (through
 * `checkInputs`), wrapped in the SDK's unknown-checking proxy, with a URN, a parent and the
 * policy's config; the stack policy with resources as the SDK hands them over.
 */
import {
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";

import { KNOWN_PERMISSIONS, PantherApiToken, PantherApiTokenPair } from "../../provider";
import { checkInputs } from "../../provider/dynamic-provider/check";
import { UNKNOWN } from "../../provider/dynamic-provider/inputs";
import {
  API_TOKEN_PAIR_TYPE,
  API_TOKEN_TYPE,
  CREDENTIAL_PERMISSIONS,
  READ_ONLY_PERMISSIONS,
  isWritePermission,
  networkRestricted,
  noUnknownPermissions,
  pantherPolicies,
  permissionAllowList,
  privilegedPermissions,
  rotateOnAdopt,
  rotationScheduled,
  widerAccessByName,
  writeTokenLimit,
} from "../../provider/policy";

/**
 * What the SDK wraps every resource's properties in (it throws `UnknownValueError` on a value
 * unknown during preview, which the SDK turns into its advisory), and that error. Exported at
 * run time without declarations (the SDK's proxy.d.ts is empty), so typed here.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdk = require("@pulumi/policy") as {
  unknownCheckingProxy: (props: Record<string, unknown>) => Record<string, unknown>;
  UnknownValueError: new (...args: never[]) => Error;
};
const { unknownCheckingProxy, UnknownValueError } = sdk;

class NotApplicable extends Error {}

const NET = ["203.0.113.0/24"];
/** A token every resource policy accepts (with no config). */
const GOOD = { name: "ci", permissions: ["RuleRead"], allowedCIDRBlocks: NET, rotateAfterDays: 90 };

interface Where {
  /** Resource name; default `ci`. */
  readonly name?: string;
  /** The PantherApiTokenPair the token belongs to. */
  readonly pair?: string;
  readonly stack?: string;
  readonly type?: string;
  readonly config?: Record<string, unknown>;
}

/** The inputs as the provider's check returns them; fails on inputs check refuses. */
function checked(inputs: Record<string, unknown>): Record<string, unknown> {
  const result = checkInputs(inputs);
  expect(result.failures).toEqual([]);
  return result.inputs;
}

function options(parent?: string): ResourceValidationArgs["opts"] {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: ["value"],
    ...(parent === undefined ? {} : { parent }),
  };
}

function urn(stack: string, type: string, name: string, parentType?: string): string {
  return `urn:pulumi:${stack}::proj::${parentType === undefined ? "" : `${parentType}$`}${type}::${name}`;
}

/** Runs a resource policy on raw (unchecked) inputs; returns its violations, or "not applicable". */
function run(
  policy: ResourceValidationPolicy,
  inputs: Record<string, unknown>,
  where: Where = {},
  check = true,
): string[] | "not applicable" {
  const stack = where.stack ?? "dev";
  const type = where.type ?? API_TOKEN_TYPE;
  const name = where.name ?? "ci";
  const props = unknownCheckingProxy(check ? checked(inputs) : inputs);
  const parent = where.pair === undefined ? undefined : urn(stack, API_TOKEN_PAIR_TYPE, where.pair);
  const isType = (cls: unknown): boolean =>
    (cls as { __pulumiType?: string }).__pulumiType === type;
  const args: ResourceValidationArgs = {
    type,
    props,
    urn: urn(stack, type, name, where.pair === undefined ? undefined : API_TOKEN_PAIR_TYPE),
    name,
    opts: options(parent),
    stackTags: new Map(),
    isType,
    asType: ((cls: unknown) =>
      isType(cls) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: (() => where.config ?? {}) as ResourceValidationArgs["getConfig"],
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
  const found: string[] = [];
  const validations = policy.validateResource;
  try {
    for (const v of Array.isArray(validations) ? validations : [validations]) {
      void v?.(args, (message) => found.push(message));
    }
  } catch (e) {
    if (e instanceof NotApplicable) return "not applicable";
    throw e;
  }
  return found;
}

describe("matching PantherApiToken", () => {
  it("the classes carry the engine's type tokens (the CLI records them: test/e2e/policy.test.ts)", () => {
    expect(PantherApiToken.__pulumiType).toBe("pulumi-nodejs:dynamic/panther:ApiToken");
    expect(PantherApiTokenPair.__pulumiType).toBe("panther:index:ApiTokenPair");
    expect(API_TOKEN_TYPE).toBe(PantherApiToken.__pulumiType);
  });

  it("each resource policy is tagged with the type, so the SDK skips other resources up front", () => {
    for (const policy of pantherPolicies) {
      const fn =
        "validateResource" in policy
          ? policy.validateResource
          : (policy as StackValidationPolicy).validateStack;
      expect([policy.name, (fn as { __pulumiType?: string }).__pulumiType]).toEqual([
        policy.name,
        API_TOKEN_TYPE,
      ]);
    }
  });

  it("another type is not applicable", () => {
    expect(run(networkRestricted, {}, { type: "pulumi-nodejs:dynamic:Resource" }, false)).toBe(
      "not applicable",
    );
  });

  it("every policy has a unique name, a description and a default enforcement level", () => {
    expect(pantherPolicies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["panther-token-network-restricted", "mandatory"],
      ["panther-token-rotation-scheduled", "mandatory"],
      ["panther-token-privileged-permissions", "mandatory"],
      ["panther-token-permission-allowlist", "mandatory"],
      ["panther-token-no-unknown-permissions", "advisory"],
      ["panther-token-rotate-on-adopt", "mandatory"],
      ["panther-token-wider-access-by-name", "mandatory"],
      ["panther-stack-write-token-limit", "advisory"],
    ]);
    for (const p of pantherPolicies) expect(p.description.length).toBeGreaterThan(40);
  });

  it("a value unknown during preview raises the SDK's UnknownValueError (its advisory), nothing else", () => {
    for (const [policy, inputs] of [
      [networkRestricted, { ...GOOD, allowedCIDRBlocks: [UNKNOWN] }],
      [networkRestricted, { ...GOOD, allowedCIDRBlocks: UNKNOWN }],
      [rotationScheduled, { ...GOOD, rotateAfterDays: UNKNOWN }],
      [privilegedPermissions, { ...GOOD, permissions: ["RuleRead", UNKNOWN] }],
      [noUnknownPermissions, { ...GOOD, allowUnknownPermissions: UNKNOWN }],
    ] as const) {
      expect(() => run(policy, inputs)).toThrow(UnknownValueError);
    }
  });
});

describe("panther-token-network-restricted", () => {
  it("accepts restricted tokens", () => {
    expect(run(networkRestricted, GOOD)).toEqual([]);
    expect(run(networkRestricted, { ...GOOD, allowedCIDRBlocks: ["::ffff:10.0.0.0/104"] })).toEqual(
      [],
    );
    expect(run(networkRestricted, { ...GOOD, allowedCIDRBlocks: ["2001:db8::/32"] })).toEqual([]);
  });

  it("refuses a token with no blocks, saying what to write", () => {
    const message =
      'allowedCIDRBlocks is empty, so the token works from any address. List the networks that use it, e.g. allowedCIDRBlocks: ["203.0.113.0/24"].';
    expect(run(networkRestricted, { ...GOOD, allowedCIDRBlocks: undefined })).toEqual([message]);
    expect(run(networkRestricted, { ...GOOD, allowedCIDRBlocks: [] })).toEqual([message]);
  });

  it("points a pair's token at the pair's input", () => {
    expect(
      run(networkRestricted, { ...GOOD, allowedCIDRBlocks: undefined }, { name: "p-a", pair: "p" }),
    ).toEqual([
      'allowedCIDRBlocks of PantherApiTokenPair "p" is empty, so the token works from any address. List the networks that use it, e.g. allowedCIDRBlocks: ["203.0.113.0/24"].',
    ]);
  });

  it.each([
    ["0.0.0.0/0", "an IPv4 /0, every IPv4 address"],
    ["::/0", "an IPv6 /0, every IPv6 address (IPv4-mapped ones included)"],
    [
      "::ffff:0:0/96",
      "an IPv6 /96 holding every IPv4-mapped address (::ffff:0:0/96), so every IPv4 address",
    ],
    [
      "::/64",
      "an IPv6 /64 holding every IPv4-mapped address (::ffff:0:0/96), so every IPv4 address",
    ],
  ])("refuses the catch-all %s", (block, why) => {
    expect(run(networkRestricted, { ...GOOD, allowedCIDRBlocks: [...NET, block] })).toEqual([
      `allowedCIDRBlocks has a catch-all block (${why}), so the token works from anywhere. Replace it with the networks that use the token, e.g. "203.0.113.0/24".`,
    ]);
  });

  it("with allowedRanges, refuses blocks outside them, naming them by family and prefix only", () => {
    const config = { allowedRanges: ["10.0.0.0/8", "2001:db8::/32"] };
    expect(
      run(
        networkRestricted,
        { ...GOOD, allowedCIDRBlocks: ["10.1.0.0/16", "::ffff:10.2.0.0/112", "2001:db8:1::/48"] },
        { config },
      ),
    ).toEqual([]);
    const found = run(
      networkRestricted,
      {
        ...GOOD,
        allowedCIDRBlocks: ["10.1.0.0/16", "198.51.100.0/24", "2001:db9::/32", "0.0.0.0/8"],
      },
      { config },
    );
    expect(found).toEqual([
      "allowedCIDRBlocks has 3 blocks (an IPv4 /8, an IPv4 /24, an IPv6 /32) outside the allowed ranges 10.0.0.0/8, 2001:db8::/32: list only networks inside them, or have the range added to allowedRanges in the policy's config.",
    ]);
    expect(JSON.stringify(found)).not.toMatch(/198\.51|2001:db9/);
  });

  it("a range wider than a block does not make the block fit, nor a block of the other family", () => {
    expect(
      run(
        networkRestricted,
        { ...GOOD, allowedCIDRBlocks: ["10.0.0.0/7"] },
        { config: { allowedRanges: ["10.0.0.0/8"] } },
      ),
    ).toHaveLength(1);
    expect(
      run(
        networkRestricted,
        { ...GOOD, allowedCIDRBlocks: ["2001:db8::/32"] },
        { config: { allowedRanges: ["10.0.0.0/8"] } },
      ),
    ).toHaveLength(1);
  });

  it("reports a configured range that is not a CIDR block (config is not secret)", () => {
    expect(
      run(networkRestricted, GOOD, { config: { allowedRanges: ["10.0.0.0/8", "office"] } }),
    ).toEqual([
      'The policy\'s config has allowedRanges[1] = "office", which is not a CIDR block: fix it in the file given to --policy-pack-config (e.g. "10.0.0.0/8").',
    ]);
  });
});

describe("panther-token-rotation-scheduled", () => {
  it("accepts rotateAfterDays up to maxDays (default 90)", () => {
    expect(run(rotationScheduled, GOOD)).toEqual([]);
    expect(
      run(rotationScheduled, { ...GOOD, rotateAfterDays: 30 }, { config: { maxDays: 30 } }),
    ).toEqual([]);
  });

  it("refuses a token without a schedule, rotationTrigger or not", () => {
    const message =
      "The token has no rotation schedule: set rotateAfterDays to at most 90 and run the stack on a schedule, or make it a PantherApiTokenPair with periodDays of at most 90. A rotationTrigger rotates only when someone changes it.";
    expect(run(rotationScheduled, { ...GOOD, rotateAfterDays: undefined })).toEqual([message]);
    expect(
      run(rotationScheduled, { ...GOOD, rotateAfterDays: undefined, rotationTrigger: "2026-Q4" }),
    ).toEqual([message]);
  });

  it("refuses a longer period, without repeating it", () => {
    expect(run(rotationScheduled, { ...GOOD, rotateAfterDays: 91 })).toEqual([
      "rotateAfterDays is more than 90 days: set it to 90 or fewer.",
    ]);
    expect(
      run(rotationScheduled, { ...GOOD, rotateAfterDays: 45 }, { config: { maxDays: 30 } }),
    ).toEqual(["rotateAfterDays is more than 30 days: set it to 30 or fewer."]);
  });

  const pairToken = (periodDays?: number): Record<string, unknown> => ({
    name: "p-a",
    permissions: ["RuleRead"],
    allowedCIDRBlocks: NET,
    pair: {
      slot: "a",
      generation: 680,
      peerName: "p-b",
      ...(periodDays === undefined ? {} : { periodDays }),
    },
  });

  it("accepts a pair's token by the pair's periodDays", () => {
    expect(run(rotationScheduled, pairToken(30), { name: "p-a", pair: "p" })).toEqual([]);
    expect(run(rotationScheduled, pairToken(90), { name: "p-a", pair: "p" })).toEqual([]);
  });

  it("refuses a pair without periodDays, or with a longer one", () => {
    expect(run(rotationScheduled, pairToken(), { name: "p-a", pair: "p" })).toEqual([
      'PantherApiTokenPair "p" has no periodDays, so its rotation period cannot be checked: pass the period its generation counts, at most 90 days, e.g. generation: rotationGeneration(30), periodDays: 30.',
    ]);
    expect(run(rotationScheduled, pairToken(120), { name: "p-a", pair: "p" })).toEqual([
      'PantherApiTokenPair "p" rotates less often than every 90 days (its periodDays): use a period of at most 90, e.g. generation: rotationGeneration(90), periodDays: 90.',
    ]);
  });
});

describe("panther-token-privileged-permissions", () => {
  it("guards the permissions that mint or change credentials or users", () => {
    expect(CREDENTIAL_PERMISSIONS).toEqual([
      "GeneralSettingsModify",
      "OrganizationAPITokenModify",
      "UserModify",
    ]);
    for (const p of CREDENTIAL_PERMISSIONS) expect(KNOWN_PERMISSIONS).toContain(p);
  });

  it("refuses them on a token not named in allowedTokens", () => {
    expect(
      run(privilegedPermissions, {
        ...GOOD,
        permissions: ["UserModify", "RuleRead", "OrganizationAPITokenModify"],
      }),
    ).toEqual([
      'permissions include OrganizationAPITokenModify, UserModify, which can mint or change credentials or users. Remove them from permissions, or, if this token needs them, add "ci" to allowedTokens of panther-token-privileged-permissions in the policy\'s config.',
    ]);
    expect(
      run(
        privilegedPermissions,
        { ...GOOD, permissions: ["GeneralSettingsModify"] },
        { name: "p-b", pair: "p" },
      ),
    ).toEqual([
      'permissions include GeneralSettingsModify, which can mint or change credentials or users. Remove it from permissions of PantherApiTokenPair "p", or, if this token needs it, add "p" to allowedTokens of panther-token-privileged-permissions in the policy\'s config.',
    ]);
  });

  it("allows them by the token's name, or its pair's", () => {
    const minter = { ...GOOD, permissions: ["OrganizationAPITokenModify"] };
    expect(run(privilegedPermissions, minter, { config: { allowedTokens: ["ci"] } })).toEqual([]);
    expect(
      run(privilegedPermissions, minter, {
        name: "p-a",
        pair: "p",
        config: { allowedTokens: ["p"] },
      }),
    ).toEqual([]);
    expect(
      run(privilegedPermissions, minter, { name: "other", config: { allowedTokens: ["ci"] } }),
    ).toHaveLength(1);
  });

  it("guards the configured list instead", () => {
    const config = { privilegedPermissions: ["LogSourceModify"] };
    expect(
      run(
        privilegedPermissions,
        { ...GOOD, permissions: ["OrganizationAPITokenModify"] },
        { config },
      ),
    ).toEqual([]);
    expect(
      run(privilegedPermissions, { ...GOOD, permissions: ["LogSourceModify"] }, { config }),
    ).toHaveLength(1);
  });
});

describe("panther-token-permission-allowlist", () => {
  it("is not applicable without an allow-list", () => {
    expect(run(permissionAllowList, GOOD)).toBe("not applicable");
    expect(run(permissionAllowList, GOOD, { config: { stacks: { prod: ["AlertRead"] } } })).toBe(
      "not applicable",
    );
  });

  it("refuses permissions outside allowedPermissions, naming only known names", () => {
    const found = run(
      permissionAllowList,
      {
        ...GOOD,
        permissions: ["AlertRead", "RuleModify", "NotYetKnownToThisRelease"],
        allowUnknownPermissions: true,
      },
      { config: { allowedPermissions: ["AlertRead", "RuleRead"] } },
    );
    expect(found).toEqual([
      'permissions include RuleModify, 1 name pulumi-panther does not know, outside the permissions allowed in stack "dev" (AlertRead, RuleRead). Remove them from permissions, or have them added to allowedPermissions of panther-token-permission-allowlist in the policy\'s config.',
    ]);
  });

  it("takes a stack's own list first", () => {
    const config = { allowedPermissions: ["RuleRead"], stacks: { prod: ["AlertRead"] } };
    expect(run(permissionAllowList, GOOD, { config })).toEqual([]);
    expect(run(permissionAllowList, GOOD, { stack: "prod", config })).toEqual([
      'permissions include RuleRead, outside the permissions allowed in stack "prod" (AlertRead). Remove it from permissions, or have it added to stacks.prod of panther-token-permission-allowlist in the policy\'s config.',
    ]);
  });
});

describe("the switches", () => {
  it("panther-token-no-unknown-permissions: allowUnknownPermissions true only", () => {
    expect(run(noUnknownPermissions, GOOD)).toEqual([]);
    expect(run(noUnknownPermissions, { ...GOOD, allowUnknownPermissions: false })).toEqual([]);
    expect(run(noUnknownPermissions, { ...GOOD, allowUnknownPermissions: true })).toEqual([
      "allowUnknownPermissions is true, so permission names pulumi-panther does not know reach Panther unchecked (a typo included) and the privilege policies cannot judge them. Remove allowUnknownPermissions and use names pulumi-panther knows, or upgrade pulumi-panther to a release that knows the new name.",
    ]);
  });

  it("panther-token-rotate-on-adopt: rotateOnAdopt false only", () => {
    const adopted = { ...GOOD, adoptTokenId: "tok-1" };
    expect(run(rotateOnAdopt, adopted)).toEqual([]);
    expect(run(rotateOnAdopt, { ...adopted, rotateOnAdopt: true })).toEqual([]);
    expect(run(rotateOnAdopt, { ...adopted, rotateOnAdopt: false })).toEqual([
      "rotateOnAdopt is false, so the adopted token keeps the value its current holders have, and this stack holds none. Remove rotateOnAdopt (its default, true, rotates the token when it is adopted) and hand the new value to the token's consumers.",
    ]);
  });

  it("panther-token-wider-access-by-name: allowWiderAccess only on named tokens", () => {
    const wider = { ...GOOD, adoptTokenId: "tok-1", allowWiderAccess: true };
    expect(run(widerAccessByName, { ...GOOD, adoptTokenId: "tok-1" })).toEqual([]);
    expect(run(widerAccessByName, wider, { config: { allowedTokens: ["ci"] } })).toEqual([]);
    expect(run(widerAccessByName, wider)).toEqual([
      "allowWiderAccess is true, so adopting the token may widen where it can be used from. Remove it and keep the token's allowedCIDRBlocks within the networks it has now, or, if the widening is intended, add \"ci\" to allowedTokens of panther-token-wider-access-by-name in the policy's config.",
    ]);
  });
});

describe("no message repeats an input's text", () => {
  it("whatever the inputs, a canary in any string input never reaches a message", () => {
    const canary = "k-3kd9Zq_canary_value";
    const inputs = {
      name: canary,
      permissions: ["OrganizationAPITokenModify", `${canary}Read`],
      allowedCIDRBlocks: ["0.0.0.0/0", "198.51.100.0/24"],
      rotationTrigger: canary,
      allowUnknownPermissions: true,
      adoptTokenId: canary,
      rotateOnAdopt: false,
      allowWiderAccess: true,
      rotateAfterDays: 365,
    };
    const config = { allowedRanges: ["10.0.0.0/8"], allowedPermissions: ["RuleRead"] };
    const messages = pantherPolicies
      .filter((p): p is ResourceValidationPolicy => "validateResource" in p)
      .flatMap((p) => {
        const found = run(p, inputs, { config });
        return found === "not applicable" ? [] : found;
      });
    expect(messages).toHaveLength(8);
    for (const m of messages) {
      expect(m).not.toContain(canary);
      expect(m).not.toContain("198.51.100");
      expect(m).not.toContain("365");
    }
  });
});

describe("panther-stack-write-token-limit", () => {
  it("classes permissions: the read-only ones, and everything else (unknown names too) as write", () => {
    for (const p of READ_ONLY_PERMISSIONS) expect([p, isWritePermission(p)]).toEqual([p, false]);
    for (const p of [
      "RuleModify",
      "BulkUpload",
      "NotificationsSend",
      "RunPantherAI",
      "SomethingNew",
    ])
      expect([p, isWritePermission(p)]).toEqual([p, true]);
    expect(KNOWN_PERMISSIONS.filter((p) => isWritePermission(p) && p.endsWith("Read"))).toEqual([]);
  });

  /** A resource as the SDK hands it to a stack policy; reading `value` fails the test. */
  function resource(name: string, permissions: string[], parent?: PolicyResource): PolicyResource {
    const type = API_TOKEN_TYPE;
    const props = unknownCheckingProxy({ permissions, name });
    Object.defineProperty(props, "value", {
      get: () => {
        throw new Error("a stack policy read value");
      },
    });
    return {
      type,
      props,
      urn: urn("dev", type, name, parent === undefined ? undefined : API_TOKEN_PAIR_TYPE),
      name,
      opts: options(parent?.urn),
      ...(parent === undefined ? {} : { parent }),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type,
      asType: () => undefined,
    };
  }

  function pair(name: string): PolicyResource {
    return {
      type: API_TOKEN_PAIR_TYPE,
      props: {},
      urn: urn("dev", API_TOKEN_PAIR_TYPE, name),
      name,
      opts: options(),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    };
  }

  function runStack(resources: PolicyResource[], config: Record<string, unknown> = {}): string[] {
    const found: string[] = [];
    const args: StackValidationArgs = {
      resources,
      stackTags: new Map(),
      getConfig: (() => config) as StackValidationArgs["getConfig"],
      notApplicable: (reason?: string) => {
        throw new NotApplicable(reason);
      },
    };
    void writeTokenLimit.validateStack(args, (message) => found.push(message));
    return found;
  }

  it("counts tokens with a write permission, a pair once, and reads no value", () => {
    const p = pair("detections-ci");
    const resources = [
      p,
      resource("detections-ci-a", ["RuleModify", "RuleRead"], p),
      resource("detections-ci-b", ["RuleModify", "RuleRead"], p),
      resource("reader", ["AlertRead", "RuleRead"]),
      resource("writer", ["AlertModify"]),
    ];
    expect(runStack(resources)).toEqual([]);
    expect(runStack(resources, { maxWriteTokens: 2 })).toEqual([]);
    expect(runStack(resources, { maxWriteTokens: 1 })).toEqual([
      "2 tokens in this stack have write permissions (detections-ci (a PantherApiTokenPair), writer), more than the 1 allowed. Give the tokens that only read read-only permissions (the …Read ones), merge tokens that do the same job, or raise maxWriteTokens of panther-stack-write-token-limit in the policy's config.",
    ]);
  });

  it("defaults to 5", () => {
    const six = ["a", "b", "c", "d", "e", "f"].map((n) => resource(n, ["RuleModify"]));
    expect(runStack(six.slice(0, 5))).toEqual([]);
    expect(runStack(six)).toHaveLength(1);
  });
});

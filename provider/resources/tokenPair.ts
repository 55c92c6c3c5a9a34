import * as pulumi from "@pulumi/pulumi";
import type { Permission } from "../client/permissions";
import { newerSlot } from "../dynamic-provider/pair";
import { PantherApiToken } from "./apiToken";
import { API_TOKEN_PAIR_TYPE } from "./types";

/** Arguments of {@link PantherApiTokenPair}. */
export interface PantherApiTokenPairArgs {
  /** Base name: the two tokens are named `<name>-a` and `<name>-b` in Panther. */
  readonly name: pulumi.Input<string>;
  /** Permissions of both tokens. */
  readonly permissions: pulumi.Input<pulumi.Input<Permission>[]>;
  /** Allowed CIDR blocks of both tokens. */
  readonly allowedCIDRBlocks?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The rotation period counter, a whole number ≥ 0. Whenever it rises above
   * every generation seen so far, the token holding the older value is
   * rotated and becomes `current`; the other one becomes `previous` and keeps
   * working until the next rise. At most one token rotates per run, whatever
   * the jump; a lower or repeated generation rotates nothing. Use
   * {@link rotationGeneration} to derive it from a period in days, and pass
   * that period as `periodDays`.
   */
  readonly generation: pulumi.Input<number>;
  /**
   * The period in days `generation` counts (as given to
   * {@link rotationGeneration}). With it, changing the period rescales the
   * generations already seen instead of looking like a jump or a fall.
   */
  readonly periodDays?: number;
  /** Send permission names newer than this package as they are. */
  readonly allowUnknownPermissions?: pulumi.Input<boolean>;
  /** Wait until each new value authenticates before finishing. */
  readonly waitUntilUsable?: pulumi.Input<boolean>;
}

/**
 * The generation for `periodDays`-long periods at `at`: the number of whole
 * periods since 1970-01-01 UTC. Stable within a period, one higher in the next.
 */
export function rotationGeneration(periodDays: number, at: Date = new Date()): number {
  if (!Number.isInteger(periodDays) || periodDays < 1) {
    throw new RangeError(`periodDays must be a whole number ≥ 1, got ${periodDays}`);
  }
  return Math.floor(at.getTime() / (periodDays * 24 * 60 * 60 * 1000));
}

/**
 * Zero-downtime rotation: two Panther tokens rotated in alternation.
 *
 * Rotating a Panther token invalidates its old value at once, so every
 * consumer breaks until it is redeployed. With a pair, each new generation
 * rotates only the token holding the older value; `current` is the value
 * issued last and `previous` the one before it, still valid until the next
 * new generation. Consumers switch to `current` at their own pace within one
 * period, and accept either meanwhile. Which token rotates is decided by the
 * provider from the generations each token last took (shown in
 * `pulumi preview` as that token's `rotationTrigger` change), so skipped,
 * repeated, reversed or re-periodised generations never rotate both.
 *
 * @example
 * ```ts
 * const pair = new PantherApiTokenPair("detections-ci", {
 *   name: "detections-ci",
 *   permissions: ["RuleRead", "RuleModify"],
 *   generation: rotationGeneration(30), // a new value every 30 days
 *   periodDays: 30,
 * });
 * export const current = pair.current;   // hand this to consumers
 * export const previous = pair.previous; // still valid until the next rotation
 * ```
 */
export class PantherApiTokenPair extends pulumi.ComponentResource {
  /** The type token the engine records for a pair, `panther:index:ApiTokenPair`. */
  static readonly __pulumiType: string = API_TOKEN_PAIR_TYPE;

  /** The newest value (secret). */
  public readonly current: pulumi.Output<string>;
  /** The value before it, still valid for one more generation (secret). */
  public readonly previous: pulumi.Output<string>;
  /** Panther id of the token holding `current`. */
  public readonly currentTokenId: pulumi.Output<string>;
  /** Panther id of the token holding `previous`. */
  public readonly previousTokenId: pulumi.Output<string>;
  /** The two tokens, slot a (even generations) and slot b (odd ones). */
  public readonly tokens: readonly [PantherApiToken, PantherApiToken];

  constructor(name: string, args: PantherApiTokenPairArgs, opts?: pulumi.ComponentResourceOptions) {
    super(API_TOKEN_PAIR_TYPE, name, {}, opts);
    const generation = pulumi.output(args.generation).apply((g) => {
      if (!Number.isSafeInteger(g) || g < 0) {
        throw new RangeError(
          `PantherApiTokenPair ${name}: generation must be a whole number ≥ 0, got ${g}`,
        );
      }
      return g;
    });
    if (
      args.periodDays !== undefined &&
      (!Number.isInteger(args.periodDays) || args.periodDays < 1)
    ) {
      throw new RangeError(
        `PantherApiTokenPair ${name}: periodDays must be a whole number ≥ 1, got ${args.periodDays}`,
      );
    }
    const slot = (suffix: "a" | "b", leader?: PantherApiToken) =>
      new PantherApiToken(
        `${name}-${suffix}`,
        {
          name: pulumi.interpolate`${args.name}-${suffix}`,
          permissions: args.permissions,
          ...(args.allowedCIDRBlocks !== undefined
            ? { allowedCIDRBlocks: args.allowedCIDRBlocks }
            : {}),
          ...(args.allowUnknownPermissions !== undefined
            ? { allowUnknownPermissions: args.allowUnknownPermissions }
            : {}),
          ...(args.waitUntilUsable !== undefined ? { waitUntilUsable: args.waitUntilUsable } : {}),
          pair: pulumi.all([generation, args.name]).apply(([g, base]) => ({
            slot: suffix,
            generation: g,
            ...(args.periodDays === undefined ? {} : { periodDays: args.periodDays }),
            peerName: `${base}-${suffix === "a" ? "b" : "a"}`,
          })),
          // The second token follows the first one's decisions, handed over by the engine.
          ...(leader === undefined ? {} : { pairLeader: leader.pairView }),
        },
        { parent: this },
      );
    const a = slot("a");
    const b = slot("b", a);
    this.tokens = [a, b];
    // The token whose value was issued last is current, by the provider's own rule.
    const currentIsA = pulumi
      .all([a.valueState, b.valueState])
      .apply(
        ([x, y]) => newerSlot(Date.parse(x.issuedAt ?? ""), Date.parse(y.issuedAt ?? "")) === "a",
      );
    const pick = <T>(ifA: pulumi.Output<T>, ifB: pulumi.Output<T>) =>
      pulumi.all([currentIsA, ifA, ifB]).apply(([isA, x, y]) => (isA ? x : y));
    this.current = pulumi.secret(pick(a.value, b.value));
    this.previous = pulumi.secret(pick(b.value, a.value));
    this.currentTokenId = pick(a.id, b.id);
    this.previousTokenId = pick(b.id, a.id);
    this.registerOutputs({
      current: this.current,
      previous: this.previous,
      currentTokenId: this.currentTokenId,
      previousTokenId: this.previousTokenId,
    });
  }
}

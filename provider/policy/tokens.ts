/**
 * What the resource policies share: a token as a policy sees it (its inputs as the provider's
 * check returned them; who it is, from its URN and parent, never from its inputs), the words
 * that say where to make a fix, config read leniently, and {@link tokenPolicy}, the shape of
 * every resource policy of the pack.
 */
import {
  validateResourceOfType,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
} from "@pulumi/policy";

import { PantherApiToken } from "../resources/apiToken";
import { API_TOKEN_PAIR_TYPE } from "../resources/types";

/** A token's inputs as the provider's check returns them (what resource policies see). */
export interface TokenInputs {
  readonly permissions?: readonly string[];
  readonly allowedCIDRBlocks?: readonly string[];
  readonly allowUnknownPermissions?: boolean;
  readonly adoptTokenId?: string;
  readonly rotateOnAdopt?: boolean;
  readonly allowWiderAccess?: boolean;
  readonly rotateAfterDays?: number;
  readonly pair?: { readonly periodDays?: number };
}

/** Who a token is, from its URN and parent: never from its inputs. */
export interface Token {
  /** The resource name, e.g. `ci-deployer` (`detections-ci-a` for a pair's token). */
  readonly name: string;
  /** The name of its `PantherApiTokenPair`, for a pair's token. */
  readonly pairName?: string;
  /** The stack, from the URN. */
  readonly stack: string;
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>`, split. */
function splitUrn(urn: string): { stack: string; type: string; name: string } {
  const parts = urn.split("::");
  const qualifiedType = parts[2] ?? "";
  return {
    stack: (parts[0] ?? "").replace(/^urn:pulumi:/, ""),
    type: qualifiedType.split("$").at(-1) ?? "",
    name: parts.slice(3).join("::"),
  };
}

export function tokenOf(args: ResourceValidationArgs): Token {
  const { stack } = splitUrn(args.urn);
  const parent = args.opts.parent === undefined ? undefined : splitUrn(args.opts.parent);
  return parent?.type === API_TOKEN_PAIR_TYPE
    ? { name: args.name, pairName: parent.name, stack }
    : { name: args.name, stack };
}

/** Whether config's list of token names names this token (or its pair). */
export function named(token: Token, names: readonly string[]): boolean {
  return (
    names.includes(token.name) || (token.pairName !== undefined && names.includes(token.pairName))
  );
}

/** The name to put in config for this token: its pair's for a pair's token. */
export function configName(token: Token): string {
  return token.pairName ?? token.name;
}

/** `allowedCIDRBlocks`, or `allowedCIDRBlocks of PantherApiTokenPair "x"`: where to make the fix. */
export function input(token: Token, property: string): string {
  return token.pairName === undefined
    ? property
    : `${property} of PantherApiTokenPair ${JSON.stringify(token.pairName)}`;
}

export function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
}

export function wholeNumber(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : fallback;
}

/** A list read from config: fixed, and kept in the order given. */
export function listConfig(
  config: Record<string, unknown>,
  key: string,
  fallback: readonly string[],
): string[] {
  return stringList(config[key]) ?? [...fallback];
}

/**
 * A resource policy on `PantherApiToken`s alone: `validateResourceOfType` matches them by the
 * class's static `__pulumiType`, the type token the engine records
 * (`pulumi-nodejs:dynamic/panther:ApiToken`), so the SDK skips every other resource up front.
 */
export function tokenPolicy(
  validate: (
    inputs: TokenInputs,
    token: Token,
    config: Record<string, unknown>,
    report: ReportViolation,
  ) => void,
): ResourceValidation {
  return validateResourceOfType(PantherApiToken, (props, args, report) => {
    validate(props, tokenOf(args), args.getConfig<Record<string, unknown>>(), report);
  });
}

export const tokenNamesSchema = {
  type: "array" as const,
  items: { type: "string" as const },
  uniqueItems: true,
};

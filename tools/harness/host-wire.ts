/**
 * What goes over the wire to the dynamic-provider host and comes back: the engine's sentinel
 * values, the result types of each call, the error a failed call raises, and the conversions
 * between property maps and protobuf structs.
 */
import type * as grpc from "@grpc/grpc-js";
import type * as provGrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as provPb from "@pulumi/pulumi/proto/provider_pb";
import type * as statusPb from "@pulumi/pulumi/proto/status_pb";
import type * as structPb from "google-protobuf/google/protobuf/struct_pb";

/** The engine's and SDK's value for "unknown during preview". */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Key of the signature property that marks special values (secrets, assets…) on the wire. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Signature value of a secret envelope: `{ [SIG_KEY]: SECRET_SIG, value }`. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A property bag as plain JSON values (what Struct.toJavaScript gives). */
export type PropertyMap = Record<string, unknown>;

/** The provider methods the harness calls (and counts). */
export type HostMethod = "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";

/** Calls made per method. */
export type CallCounts = Record<HostMethod, number>;

/** A property that failed validation in Check. */
export interface CheckFailure {
  /** Property name; empty when the failure concerns the resource as a whole. */
  readonly property: string;
  /** Why it failed, as the provider worded it. */
  readonly reason: string;
}

/** What Check returned. */
export interface CheckResult {
  /** Checked (normalized) inputs, including `__provider`. */
  readonly inputs: PropertyMap;
  /** Validation failures; empty when the inputs are valid. */
  readonly failures: readonly CheckFailure[];
}

/** Diff's verdict: `"unknown"` means the provider left the comparison to the engine. */
export type DiffChanges = "unknown" | "none" | "some";

/** What Diff returned. */
export interface DiffResult {
  /** Whether anything changed; `"unknown"` when the provider's diff returned `changes: undefined`. */
  readonly changes: DiffChanges;
  /** Properties whose change requires a replacement. */
  readonly replaces: readonly string[];
  /** Properties the provider promises will not change. */
  readonly stables: readonly string[];
  /** Changed properties, when the provider lists them (the dynamic host never does). */
  readonly diffs: readonly string[];
  /** Whether the provider asks to delete the old resource before creating its replacement. */
  readonly deleteBeforeReplace: boolean;
}

/** What Create returned. */
export interface CreateResult {
  /** Id of the new resource; empty only in a preview. */
  readonly id: string;
  /** Output properties (the host adds `__provider`). */
  readonly properties: PropertyMap;
}

/** What Read returned. */
export interface ReadResult {
  /** Id of the resource; empty when the resource no longer exists. */
  readonly id: string;
  /** Current output properties. */
  readonly properties: PropertyMap;
  /** Inputs the provider derived from the live resource, when it returned any. */
  readonly inputs?: PropertyMap;
}

/** What Update returned. */
export interface UpdateResult {
  /** New output properties. */
  readonly properties: PropertyMap;
}

/**
 * A resource that was created (or updated) but failed to initialize: the host packs the
 * provider's error `{ id, properties, reasons }` as `pulumirpc.ErrorResourceInitFailed`.
 */
export interface InitFailure {
  /** Id of the resource that exists despite the error. */
  readonly id: string;
  /** Properties to record in state for it. */
  readonly properties: PropertyMap;
  /** Reasons the resource is not healthy. */
  readonly reasons: readonly string[];
  /** Inputs to record, when the error carried them. */
  readonly inputs?: PropertyMap;
}

/**
 * A failed call to the provider host. `message` is the provider's error message (the gRPC
 * status details); `code` is the gRPC status code (2 = UNKNOWN for provider errors).
 */
export class HostError extends Error {
  /** Stable code to match on. */
  readonly errorCode = "PP_HOST_CALL_FAILED";
  /** gRPC status code. */
  readonly code: number;
  /** The method that failed. */
  readonly method: HostMethod;
  /** URN the call was about, when it was a resource call. */
  readonly urn: string | undefined;
  /** Present when the resource exists but failed to initialize (ErrorResourceInitFailed). */
  readonly initFailure: InitFailure | undefined;

  constructor(
    message: string,
    fields: {
      code: number;
      method: HostMethod;
      urn: string | undefined;
      initFailure: InitFailure | undefined;
      cause: unknown;
    },
  ) {
    super(message, { cause: fields.cause });
    this.name = "HostError";
    this.code = fields.code;
    this.method = fields.method;
    this.urn = fields.urn;
    this.initFailure = fields.initFailure;
  }
}

/** The gRPC and protobuf code of a scratch install's `@pulumi/pulumi` (see host-process.ts). */
export interface ScratchModules {
  readonly grpc: typeof grpc;
  readonly provGrpc: typeof provGrpc;
  readonly provPb: typeof provPb;
  readonly statusPb: typeof statusPb;
  readonly structPb: typeof structPb;
}

/** A {@link CallCounts} with every method at zero. */
export function zeroCounts(): CallCounts {
  return { configure: 0, check: 0, diff: 0, create: 0, read: 0, update: 0, delete: 0 };
}

/** Parses `urn:pulumi:<stack>::<project>::<qualified type>::<name>` into its type and name. */
export function parseUrn(urn: string): { readonly type: string; readonly name: string } {
  const parts = urn.split("::");
  const qualifiedType = parts[2];
  if (!urn.startsWith("urn:pulumi:") || parts.length < 4 || qualifiedType === undefined) {
    throw new Error(`not a Pulumi URN: ${urn}`);
  }
  const type = qualifiedType.split("$").pop() ?? qualifiedType;
  return { type, name: parts.slice(3).join("::") };
}

export function setResourceIdentity(
  req: { setUrn(v: string): unknown; setName(v: string): unknown; setType(v: string): unknown },
  urn: string,
): void {
  const { type, name } = parseUrn(urn);
  req.setUrn(urn);
  req.setName(name);
  req.setType(type);
}

export function decodeInitFailure(
  mods: ScratchModules,
  md: grpc.Metadata | undefined,
): InitFailure | undefined {
  const bins = md?.get("grpc-status-details-bin") ?? [];
  for (const bin of bins) {
    if (typeof bin === "string") {
      continue;
    }
    const status = mods.statusPb.Status.deserializeBinary(new Uint8Array(bin));
    for (const any of status.getDetailsList()) {
      if (!any.getTypeUrl().endsWith("/pulumirpc.ErrorResourceInitFailed")) {
        continue;
      }
      const detail = mods.provPb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      const failure: InitFailure = {
        id: detail.getId(),
        properties: fromStruct(detail.getProperties()),
        reasons: detail.getReasonsList(),
      };
      return detail.hasInputs() ? { ...failure, inputs: fromStruct(detail.getInputs()) } : failure;
    }
  }
  return undefined;
}

export function fromStruct(s: structPb.Struct | undefined): PropertyMap {
  return s === undefined ? {} : s.toJavaScript();
}

/**
 * Struct.fromJavaScript rejects `undefined`; the engine never sends it either (absent
 * properties are omitted), so drop undefined object members before converting.
 */
export function toStructInput(value: PropertyMap): Record<string, structPb.JavaScriptValue> {
  return JSON.parse(JSON.stringify(value)) as Record<string, structPb.JavaScriptValue>;
}

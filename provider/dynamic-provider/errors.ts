/**
 * An operation that left a token in Panther but did not finish (for example
 * the token was created but rotating it failed). The provider host turns it
 * into `ErrorResourceInitFailed`: the engine keeps the token in state with
 * this state instead of forgetting it, and the next `pulumi up` finishes the
 * job.
 */
import { PROVIDER_KEY } from "./inputs";
import { storedState, type TokenState } from "./state";

export class PartialFailure extends Error {
  /** Id of the token that exists in Panther. */
  readonly id: string;
  /** State to record, with the serialized provider (so the next run can load it). */
  readonly properties: Record<string, unknown>;
  /** What is left to do, shown by the engine. */
  readonly reasons: string[];

  constructor(options: {
    readonly message: string;
    readonly id: string;
    readonly state: TokenState;
    /** The `__provider` of the inputs the operation ran with. */
    readonly provider: unknown;
    readonly reasons: readonly string[];
    readonly cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PartialFailure";
    this.id = options.id;
    this.properties = { ...storedState(options.state), [PROVIDER_KEY]: options.provider };
    // The engine shows only the reasons of an init failure, not the message: lead with it.
    this.reasons = [options.message, ...options.reasons];
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

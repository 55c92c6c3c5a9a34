/**
 * An operation that left a token in Panther but did not finish (for example
 * the token was created but rotating it failed). The provider host turns it
 * into `ErrorResourceInitFailed`: the engine keeps the token in state with
 * this state instead of forgetting it, and the next `pulumi up` finishes the
 * job. The serialized provider (`__provider`) is added at the edge
 * (`index.ts`), which alone handles property bags.
 */
import type { TokenState } from "./state";
import { storedState } from "./storedState";

export class PartialFailure extends Error {
  /** Id of the token that exists in Panther. */
  readonly id: string;
  /** The state to record. */
  readonly state: TokenState;
  /** What the provider host sends the engine: the stored state, with `__provider` once the edge adds it. */
  properties: Record<string, unknown>;
  /** What is left to do, shown by the engine. */
  readonly reasons: string[];

  constructor(options: {
    readonly message: string;
    readonly id: string;
    readonly state: TokenState;
    readonly reasons: readonly string[];
    readonly cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PartialFailure";
    this.id = options.id;
    this.state = options.state;
    this.properties = { ...storedState(options.state) };
    // The engine shows only the reasons of an init failure, not the message: lead with it.
    this.reasons = [options.message, ...options.reasons];
  }
}

/** Whether `error` is a {@link PartialFailure} (by name: class identity is not reliable across module copies). */
export function isPartialFailure(error: unknown): error is PartialFailure {
  return error instanceof Error && error.name === "PartialFailure" && "state" in error;
}

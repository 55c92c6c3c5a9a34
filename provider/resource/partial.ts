/**
 * An operation that left a token in Panther but did not finish (for example
 * the token was created but rotating it failed). The provider host turns it
 * into `ErrorResourceInitFailed`: the engine keeps the token in state with
 * these properties instead of forgetting it, and the next `pulumi up`
 * finishes the job.
 */
export class PartialFailure extends Error {
  /** Id of the token that exists in Panther. */
  readonly id: string;
  /** State to record: outputs including `__provider`. */
  readonly properties: Record<string, unknown>;
  /** What is left to do, shown by the engine. */
  readonly reasons: string[];

  constructor(message: string, id: string, properties: Record<string, unknown>, reasons: string[]) {
    super(message);
    this.name = "PartialFailure";
    this.id = id;
    this.properties = properties;
    this.reasons = reasons;
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

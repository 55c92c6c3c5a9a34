/**
 * The dynamic provider behind `PantherApiToken`: this module's exports are
 * the provider object. Pulumi serializes it as
 * `require("pulumi-panther/dynamic-provider")`, so the module path is a
 * public contract kept across versions, and state written by any release
 * must keep working with it (`state.ts` reads it leniently).
 *
 * `configure` runs once per provider host process with the stack's config;
 * it builds the {@link Session} every other method gets. See `lifecycle.ts`
 * for what each method does and which calls it makes.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { connectPanther } from "../connect";
import { realClock } from "../client/clock";
import { isPartialFailure } from "./errors";
import { PROVIDER_KEY, type TokenInputs } from "./inputs";
import * as lifecycle from "./lifecycle";
import { stderrProgress } from "./progress";
import { Session, type ProviderDeps } from "./session";
import { isTokenState, readState, storedState, type StoredState } from "./storedState";

/** The provider, typed as the SDK sees it. */
export type TokenProvider = Required<
  Pick<
    dynamic.ResourceProvider<TokenInputs, StoredState>,
    "configure" | "check" | "diff" | "create" | "read" | "update" | "delete"
  >
>;

type Raw = Record<string, unknown>;

function raw(value: unknown): Raw {
  return (value ?? {}) as Raw;
}

/** Checked inputs as the engine hands them back (`check` produced them). */
function checked(value: unknown): TokenInputs {
  return raw(value) as unknown as TokenInputs;
}

/**
 * Runs `operation` with the inputs' serialized provider added to a
 * {@link PartialFailure}'s properties, so the next run can load it.
 */
async function keepingProvider<T>(inputs: unknown, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isPartialFailure(error)) error.properties[PROVIDER_KEY] = raw(inputs)[PROVIDER_KEY];
    throw error;
  }
}

/**
 * A provider over `deps` (the real client, clock and stderr by default;
 * tests pass their own). Before `configure`, settings come from the
 * environment alone. This is the one place that reads and writes the
 * engine's property bags: state is read typed (`readState`) and written
 * back whole (`storedState`).
 */
export function createProvider(deps: ProviderDeps): TokenProvider {
  let session = new Session(() => undefined, deps);
  const state = (value: unknown) => readState(raw(value), session.now());
  return {
    configure(req) {
      session = new Session((key) => req.config.get(key), deps);
      return Promise.resolve();
    },
    check: (_olds, news) => Promise.resolve(lifecycle.check(raw(news))),
    diff: (id, olds, news) =>
      Promise.resolve(lifecycle.diff(session, id, state(olds), checked(news))),
    create: (inputs) =>
      keepingProvider(inputs, async () => {
        const { id, outs } = await lifecycle.create(session, checked(inputs));
        return { id, outs: storedState(outs) };
      }),
    read: async (id, props) => {
      const result = isTokenState(props)
        ? await lifecycle.read(session, id, state(props))
        : await lifecycle.importToken(session, id);
      // The SDK types a read's inputs as its outputs; they are the token's inputs.
      const inputs = result.inputs as unknown as StoredState | undefined;
      return {
        id: result.id,
        props: result.props === undefined ? ({} as StoredState) : storedState(result.props),
        ...(inputs === undefined ? {} : { inputs }),
      };
    },
    update: (id, olds, news) =>
      keepingProvider(news, async () => {
        const { outs } = await lifecycle.update(session, id, state(olds), checked(news));
        return { outs: storedState(outs) };
      }),
    delete: (id, props) => lifecycle.remove(session, id, state(props)),
  } satisfies TokenProvider;
}

const provider = createProvider({
  connect: connectPanther,
  clock: realClock,
  progress: stderrProgress,
  env: process.env,
});

export const { configure, check, diff, create, read, update } = provider;
const remove = provider.delete;
export { remove as delete };

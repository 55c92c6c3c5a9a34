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
import { realClock } from "./clock";
import type { TokenInputs } from "./inputs";
import * as lifecycle from "./lifecycle";
import { stderrProgress } from "./progress";
import { connectPanther } from "../connect";
import { Session, type ProviderDeps } from "./session";
import { storedState, type StoredState } from "./state";

/** The provider, typed as the SDK sees it. */
export type TokenProvider = Required<
  Pick<
    dynamic.ResourceProvider<TokenInputs, StoredState>,
    "configure" | "check" | "diff" | "create" | "read" | "update" | "delete"
  >
>;

type Raw = Record<string, unknown>;

/**
 * A provider over `deps` (the real client, clock and stderr by default;
 * tests pass their own). Before `configure`, settings come from the
 * environment alone.
 */
export function createProvider(deps: ProviderDeps): TokenProvider {
  let session = new Session(() => undefined, deps);
  const raw = (value: unknown): Raw => (value ?? {}) as Raw;
  return {
    configure(req) {
      session = new Session((key) => req.config.get(key), deps);
      return Promise.resolve();
    },
    check: (olds, news) => Promise.resolve(lifecycle.check(raw(olds), raw(news))),
    diff: (id, olds, news) => Promise.resolve(lifecycle.diff(session, id, raw(olds), raw(news))),
    create: async (inputs) => {
      const { id, outs } = await lifecycle.create(session, raw(inputs));
      return { id, outs: storedState(outs) };
    },
    read: async (id, props) => {
      const result = await lifecycle.read(session, id, raw(props));
      // The SDK types a read's inputs as its outputs; they are the token's inputs.
      const inputs = result.inputs as unknown as StoredState | undefined;
      return {
        id: result.id,
        props: result.props === undefined ? ({} as StoredState) : storedState(result.props),
        ...(inputs === undefined ? {} : { inputs }),
      };
    },
    update: async (id, olds, news) => {
      const { outs } = await lifecycle.update(session, id, raw(olds), raw(news));
      return { outs: storedState(outs) };
    },
    delete: (id, props) => lifecycle.remove(session, id, raw(props)),
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

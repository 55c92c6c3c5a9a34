/**
 * What must hold before the provider acts on a token, and what a 404 may be
 * taken to mean:
 * - the token lives at the configured API origin (state records it): a run
 *   configured for another origin is refused before any call, unless
 *   `panther:allowOriginChange` says the instance really moved; the run that
 *   uses the flag records the new origin, so it is needed once;
 * - a 404 means "gone" only once the deployer's own token answered on the
 *   same origin (a wrong URL answers 404 for everything), and never for state
 *   without a recorded origin (written by 0.1.0): nothing proves that the
 *   token ever lived at this origin;
 * - the deployer's own token is recognised by the id Panther answers with,
 *   compared without case as Panther compares ids.
 */
import { isPantherError } from "../client/errors";
import type { ApiToken } from "../client/types";
import { CONFIG_ALLOW_ORIGIN_CHANGE } from "../config";
import type { Session } from "./session";
import { sameId } from "./session";
import type { TokenState } from "./state";

/**
 * The origin to record for token `id` after this run: the recorded one, or
 * the configured one when the state has none or the change is allowed.
 * Throws, before any call, when the state records another origin and the
 * change is not allowed.
 */
export function originFor(session: Session, state: TokenState, id: string): string {
  const configured = session.apiOrigin();
  const recorded = state.apiOrigin;
  if (recorded === undefined || recorded === configured) return configured;
  if (!session.settings().allowOriginChange) {
    throw new Error(
      `Panther token ${id} lives at ${recorded}, but this run is configured for ${configured} ` +
        `(panther:url or PANTHER_API_URL). Nothing was changed. Point panther:url at ${recorded}; if the ` +
        `Panther instance really moved, set ${CONFIG_ALLOW_ORIGIN_CHANGE} to true for one run (it then ` +
        `records ${configured} for this token).`,
    );
  }
  session.progress(
    `token ${id}: recorded at ${recorded}; ${CONFIG_ALLOW_ORIGIN_CHANGE} is true, so it is managed and recorded at ${configured} from now on`,
  );
  return configured;
}

/** Whether the configured origin differs from the one `state` records (no network; false when unknown). */
export function originDiffers(session: Session, state: TokenState): boolean {
  if (state.apiOrigin === undefined) return false;
  try {
    return session.apiOrigin() !== state.apiOrigin;
  } catch {
    // Not configured (yet): the update refuses with the reason.
    return false;
  }
}

/**
 * Proves that a 404 for token `id` means "no such token": the deployer's own
 * token must answer on the same origin, and the state must record that the
 * token lived there. Throws, saying what is wrong, when that is not proven.
 */
export async function proveGone(
  session: Session,
  state: TokenState | undefined,
  id: string,
  cause: unknown,
): Promise<void> {
  try {
    await session.deployer();
  } catch (error) {
    if (isPantherError(error, "PANTHER_NOT_FOUND")) {
      throw new Error(
        `Panther answered 404 for a token, and also for the deployer's own token (GET /api-tokens/self) at ` +
          `${session.apiOrigin()}: the URL does not reach Panther's API, so nothing is taken to be deleted. ` +
          `Check panther:url (or PANTHER_API_URL): use the API URL shown in the Panther Console under ` +
          `Settings → API Tokens, including any base path such as /v1.`,
        { cause },
      );
    }
    if (isPantherError(error, "PANTHER_UNAUTHORIZED")) {
      throw new Error(
        `Panther answered 404 for a token, and the deployer's key is not accepted at ` +
          `${session.apiOrigin()} (401), so nothing is taken to be deleted. Check that panther:url and ` +
          `panther:token belong to the Panther instance this stack's tokens live in.`,
        { cause },
      );
    }
    throw error;
  }
  if (
    state !== undefined &&
    state.apiOrigin === undefined &&
    !session.settings().allowOriginChange
  ) {
    throw new Error(
      `Panther at ${session.apiOrigin()} has no token ${id}, and this stack's state (written by an earlier ` +
        `release of pulumi-panther) does not record which Panther the token was created in, so it is not taken ` +
        `to be deleted. If panther:url points at another Panther, point it back. If this is the right one and ` +
        `the token was deleted outside the stack, set ${CONFIG_ALLOW_ORIGIN_CHANGE} to true for one run.`,
      { cause },
    );
  }
}

/** The token, or undefined when it is proven gone (see {@link proveGone}). */
export async function getOrGone(
  session: Session,
  state: TokenState | undefined,
  id: string,
): Promise<ApiToken | undefined> {
  try {
    return await session.client().getToken(id);
  } catch (error) {
    if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
    await proveGone(session, state, id, error);
    return undefined;
  }
}

/** The error for adopting or importing the deployer's own token. */
export function refuseDeployerToken(what: "adopt" | "import", id: string): Error {
  return new Error(
    `${what === "adopt" ? "adoptTokenId" : "import"}: token ${id} is the deployer's own token (the key in ` +
      `panther:token or PANTHER_API_TOKEN). ${what === "adopt" ? "Adopting rotates it" : "Managing it from this stack would rotate or delete it"}, ` +
      `which cuts off this deployment and every later one. Deploy with another token that has ` +
      `OrganizationAPITokenModify, or leave this token out of the stack.`,
  );
}

/**
 * Reads token `id` for adoption or import, refusing the deployer's own
 * token by the id the program gives and by the id Panther answers with.
 */
export async function readOtherToken(
  session: Session,
  what: "adopt" | "import",
  id: string,
): Promise<ApiToken | undefined> {
  if (sameId(id, "self")) throw refuseDeployerToken(what, id);
  const deployer = await session.deployer();
  if (sameId(id, deployer.id)) throw refuseDeployerToken(what, id);
  const token = await getOrGone(session, undefined, id);
  if (token !== undefined && sameId(token.id, deployer.id)) throw refuseDeployerToken(what, id);
  return token;
}

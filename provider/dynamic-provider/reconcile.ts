/**
 * Making create safe without an idempotency key.
 *
 * Panther's create takes no client token, so when its answer is lost
 * (timeout, reset, a 5xx from a gateway, an unreadable 200) the token may
 * exist, or may still appear: behind a gateway a request can land long after
 * its 504. Blindly creating again could leave an orphaned live credential;
 * adopting any token that looks alike could take over someone else's.
 *
 * So, after an answer is lost:
 * 1. Look the deployer's own token up (`GET /api-tokens/self`): its id is who
 *    made our token, and the answer's `Date` header gives Panther's clock.
 * 2. List tokens at growing intervals until the late-landing window
 *    (`panther:lateLandingSeconds`) ends, with a progress line each time.
 *    A listed token is ours only when it is proven (see `ownership.ts`): made
 *    by the deployer's token, after the request left (Panther's clock), never
 *    used, fields matching. Exactly one: it is tracked and rotated, since its
 *    value was lost. Several, or matching tokens whose maker cannot be read:
 *    nothing is rotated, and the error names them and how to adopt
 *    (`adoptTokenId`) or delete them.
 * 3. None within the window: the create is taken not to have happened (an
 *    unreadable 200 did happen: then the error says where to look). Create
 *    again, once, and record the lost attempt in state: a later `read`,
 *    `update` or `delete` of the token looks for a late landing of it and
 *    deletes it (it is provably ours and nobody holds its value).
 * A normal create stays one API call: all of this runs only after a lost answer.
 */
import { isPantherError, type PantherError } from "../client/errors";
import type { ApiToken, ApiTokenWithValue, TokenListing } from "../client/types";
import { messageOf } from "./errors";
import type { TokenFields } from "./normalize";
import { judgeCandidate, type CallWindow } from "./ownership";
import type { Session } from "./session";
import type { LostCreate } from "./state";

/** Creates attempted in all when the earlier one's answer was lost and nothing landed. */
export const MAX_CREATES = 2;
/** How long after a lost create a late landing is still looked for by later operations. */
export const LOST_CREATE_WATCH_MS = 60 * 60_000;
/** Waits between listings while a lost create may still land, in ms. */
export const LISTING_DELAYS_MS: readonly number[] = [2_000, 3_000, 5_000, 10_000, 20_000];

/** What a create ended with. */
export type CreateOutcome =
  | {
      readonly kind: "created";
      readonly token: ApiTokenWithValue;
      /** Earlier attempts whose answers were lost and which did not land in their window. */
      readonly lostCreates: readonly LostCreate[];
    }
  | {
      /** The create's answer was lost; this token was found and must be rotated to get a value. */
      readonly kind: "found";
      readonly token: ApiToken;
      readonly lostCreates: readonly LostCreate[];
    };

/** A lost create cannot be settled safely: a person must decide. Nothing was changed. */
export class UnsettledCreate extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "UnsettledCreate";
  }
}

function describe(tokens: readonly ApiToken[]): string {
  return tokens
    .map(
      (t) =>
        `${t.id} (created ${t.createdAt}${t.createdBy ? ` by ${JSON.stringify(t.createdBy)}` : ""})`,
    )
    .join(", ");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** What one listing shows of a lost create: tokens proven ours, and matching ones nobody can settle. */
function judgeListing(
  session: Session,
  listing: TokenListing,
  body: TokenFields,
  deployerId: string,
  sentAfter: number,
  first: boolean,
): { ours: ApiToken[]; unproven: ApiToken[] } {
  const listedBefore = session.pantherTime(session.now()).latest;
  const window: CallWindow = { sentAfter, listedBefore };
  const ours = listing.tokens.filter((t) => judgeCandidate(t, body, deployerId, window) === "ours");
  const unproven = listing.tokens.filter(
    (t) => judgeCandidate(t, body, deployerId, window) === "unproven",
  );
  if (first && listing.unreadable.length > 0) {
    session.progress(
      `${listing.unreadable.length} listed token(s) could not be read and were not considered: ` +
        listing.unreadable.map((u) => u.id ?? `#${u.index}`).join(", "),
    );
  }
  return { ours, unproven };
}

function unsettled(
  body: TokenFields,
  ours: readonly ApiToken[],
  unproven: readonly ApiToken[],
  cause: unknown,
): UnsettledCreate {
  const all = [...ours, ...unproven];
  return new UnsettledCreate(
    `Creating Panther token "${body.name}" lost its answer (${messageOf(cause)}), and ${all.length} ` +
      `token(s) with this name, permissions and CIDR blocks appeared since the request left: ` +
      `${describe(all)}. ${ours.length > 1 ? "More than one was made by this deployer's key" : "Who made them cannot be told from Panther's records"}, ` +
      `so none was taken over or rotated. If one is this stack's, set adoptTokenId to its id (it is then ` +
      `rotated, since its value was lost) and run pulumi up again; delete the others (or all of them, then ` +
      `run pulumi up again) in the Panther Console under Settings → API Tokens.`,
    cause,
  );
}

/**
 * Lists until a token proven ours appears or the window ends. Returns it, or
 * throws {@link UnsettledCreate} when matching tokens appear that cannot be
 * proven (or more than one is).
 */
async function findLanding(
  session: Session,
  body: TokenFields,
  deployerId: string,
  sentAfter: number,
  cause: unknown,
): Promise<ApiToken | undefined> {
  const windowMs = session.settings().lateLandingMs;
  const until = session.now() + windowMs;
  let listingError: Error | undefined;
  const ours = new Map<string, ApiToken>();
  const unproven = new Map<string, ApiToken>();
  for (let i = 0; ; i++) {
    let listing: TokenListing | undefined;
    try {
      listing = await session.client().listTokens();
      listingError = undefined;
    } catch (error) {
      // A failed listing is retried until the window ends: one bad answer settles nothing.
      listingError = error instanceof Error ? error : new Error(String(error));
      session.progress(`listing tokens failed (${messageOf(error)}); trying again`);
    }
    if (listing !== undefined) {
      const seen = judgeListing(session, listing, body, deployerId, sentAfter, i === 0);
      for (const t of seen.ours) ours.set(t.id, t);
      for (const t of seen.unproven) unproven.set(t.id, t);
      // One proven token and nothing doubtful: it is ours. Anything doubtful waits for the
      // window to end, so that a late landing of our own request is named too.
      const [only] = ours.values();
      if (only !== undefined && ours.size === 1 && unproven.size === 0) return only;
    }
    const left = until - session.now();
    if (left <= 0) {
      if (ours.size > 1 || unproven.size > 0) {
        throw unsettled(body, [...ours.values()], [...unproven.values()], cause);
      }
      if (listingError !== undefined) throw listingError;
      return undefined;
    }
    session.progress(
      ours.size + unproven.size === 0
        ? `token "${body.name}": not in Panther yet; listing again (${Math.ceil(left / 1000)} s left)`
        : `token "${body.name}": a matching token cannot be proven this stack's; listing until the window ends (${Math.ceil(left / 1000)} s left)`,
    );
    await session.sleep(
      Math.min(LISTING_DELAYS_MS[Math.min(i, LISTING_DELAYS_MS.length - 1)] ?? 5000, left),
    );
  }
}

/**
 * Creates a token with `body`, reconciling lost answers as described above.
 * Throws when the create definitely failed (nothing exists), or when what
 * happened cannot be settled safely (the error says what to check).
 */
export async function createReconciled(
  session: Session,
  body: TokenFields,
): Promise<CreateOutcome> {
  const lost: LostCreate[] = [];
  for (let attempt = 1; ; attempt++) {
    const sentLocal = session.now();
    let lastError: PantherError;
    try {
      const token = await session.client().createToken({
        name: body.name,
        permissions: [...body.permissions],
        allowedCIDRBlocks: [...body.allowedCIDRBlocks],
      });
      return { kind: "created", token, lostCreates: lost };
    } catch (error) {
      if (!isPantherError(error) || error.applied === "no") throw withLost(error, lost, body);
      lastError = error;
    }
    const applied = lastError.applied;
    const windowS = Math.round(session.settings().lateLandingMs / 1000);
    session.progress(
      `token "${body.name}": the create got no usable answer; looking for the token in Panther for up to ${windowS} s`,
    );
    let deployerId: string;
    try {
      deployerId = await deployerWithin(session, session.now() + session.settings().lateLandingMs);
    } catch (error) {
      throw new UnsettledCreate(
        `Creating Panther token "${body.name}" may have succeeded, but its answer was lost ` +
          `(${messageOf(lastError)}) and the deployer's own token could not be read to look for it ` +
          `(${messageOf(error)}). Look for a token named "${body.name}" created just now in the Panther Console ` +
          `(Settings → API Tokens): delete it, or adopt it with adoptTokenId, then run pulumi up again.`,
        error,
      );
    }
    const sentAfter = session.pantherTime(sentLocal).earliest;
    let found: ApiToken | undefined;
    try {
      found = await findLanding(session, body, deployerId, sentAfter, lastError);
    } catch (error) {
      if (error instanceof UnsettledCreate) throw error;
      throw new UnsettledCreate(
        `Creating Panther token "${body.name}" may have succeeded, but its answer was lost ` +
          `(${messageOf(lastError)}) and listing tokens to find it failed (${messageOf(error)}). Look for a ` +
          `token named "${body.name}" created just now in the Panther Console (Settings → API Tokens): delete ` +
          `it, or adopt it with adoptTokenId, then run pulumi up again.`,
        error,
      );
    }
    if (found !== undefined) {
      session.progress(`token "${body.name}": found ${found.id}, made by the lost create`);
      return { kind: "found", token: found, lostCreates: lost };
    }
    if (applied === "yes") {
      throw new UnsettledCreate(
        `Panther accepted the create of token "${body.name}" but its answer could not be read ` +
          `(${messageOf(lastError)}), and the token did not appear in ${windowS} s of listings. Look for it in ` +
          `the Panther Console (Settings → API Tokens): adopt it with adoptTokenId, or delete it, then run ` +
          `pulumi up again.`,
        lastError,
      );
    }
    lost.push({
      sentAt: iso(sentAfter),
      watchUntil: iso(session.pantherTime(session.now()).latest + LOST_CREATE_WATCH_MS),
    });
    if (attempt >= MAX_CREATES) throw withLost(lastError, lost, body);
    session.progress(
      `token "${body.name}": the lost create did not take effect within ${windowS} s; creating again ` +
        `(a late landing of it is looked for and deleted by later operations on this token)`,
    );
  }
}

/**
 * The deployer's own token id, asked again until `until` (local time) when
 * the answer is unreadable or lost: one bad answer must not end a
 * reconciliation that has a whole window to run.
 */
async function deployerWithin(session: Session, until: number): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return (await session.deployer()).id;
    } catch (error) {
      const left = until - session.now();
      if (left <= 0 || isPantherError(error, "PANTHER_UNAUTHORIZED", "PANTHER_FORBIDDEN"))
        throw error;
      session.progress(
        `reading the deployer's own token failed (${messageOf(error)}); trying again`,
      );
      await session.sleep(
        Math.min(LISTING_DELAYS_MS[Math.min(i, LISTING_DELAYS_MS.length - 1)] ?? 5000, left),
      );
    }
  }
}

/** `error`, saying which earlier lost creates may still land when there are any. */
function withLost(error: unknown, lost: readonly LostCreate[], body: TokenFields): unknown {
  if (lost.length === 0) return error;
  return new UnsettledCreate(
    `Creating Panther token "${body.name}" failed: ${messageOf(error)} Earlier attempt(s) sent after ` +
      `${lost.map((l) => l.sentAt).join(", ")} got no answer and may still create a token: look in the Panther ` +
      `Console (Settings → API Tokens) for tokens named "${body.name}" created since then, and delete them ` +
      `(or adopt one with adoptTokenId) before running pulumi up again.`,
    error,
  );
}

/**
 * Looks for late landings of `lostCreates` (earlier creates of token
 * `trackedId` whose answers were lost) and deletes them: each is proven
 * ours and nobody ever saw its value. Returns the lost creates still worth
 * watching. At most one token per lost create is deleted; if more match,
 * none is touched and a progress line names them.
 */
export async function settleLostCreates(
  session: Session,
  trackedId: string,
  body: TokenFields,
  lostCreates: readonly LostCreate[],
): Promise<LostCreate[]> {
  if (lostCreates.length === 0) return [];
  const deployerId = (await session.deployer()).id;
  const listing = await session.client().listTokens();
  const now = session.pantherTime(session.now());
  const earliest = Math.min(...lostCreates.map((l) => Date.parse(l.sentAt)));
  const window: CallWindow = { sentAfter: earliest, listedBefore: now.latest };
  const landed = listing.tokens.filter(
    (t) => t.id !== trackedId && judgeCandidate(t, body, deployerId, window) === "ours",
  );
  if (landed.length > lostCreates.length) {
    session.progress(
      `token "${body.name}": ${landed.length} tokens look like late landings of ${lostCreates.length} lost ` +
        `create(s) (${landed.map((t) => t.id).join(", ")}); none was deleted, delete the extra ones in the Console`,
    );
    return [...lostCreates];
  }
  for (const token of landed) {
    session.progress(
      `token "${body.name}": deleting ${token.id}, made late by an earlier create of this stack whose answer was lost`,
    );
    try {
      await session.client().deleteToken(token.id);
    } catch (error) {
      if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
    }
  }
  // Oldest lost creates are taken to be the ones that landed.
  const sorted = [...lostCreates].sort((a, b) => Date.parse(a.sentAt) - Date.parse(b.sentAt));
  return sorted.slice(landed.length).filter((l) => Date.parse(l.watchUntil) > now.earliest);
}

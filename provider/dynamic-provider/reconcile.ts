/**
 * Making create safe without an idempotency key: every create leaves its own
 * mark (`mark.ts`), so reconciling a lost answer is a lookup, not a judgement.
 *
 * Panther's create takes no client token, so when its answer is lost
 * (timeout, reset, a 5xx from a gateway, an unreadable 200) the token may
 * exist, or may still appear: behind a gateway a request can land long after
 * its 504. So every create is sent born locked, with a random mark as its
 * only CIDR block, and after a lost answer:
 * 1. List tokens at growing intervals until the late-landing window
 *    (`panther:lateLandingSeconds`) ends, with a progress line each time. A
 *    token carrying the mark is the one this request made: it is tracked,
 *    rotated (its value was lost with the answer) and brought in line.
 *    Nothing else decides: not the fields, not who made it, not a clock.
 * 2. None within the window: the create did not take effect. It is sent
 *    again, once, with a new mark, and the lost mark is recorded in state: a
 *    later `read`, `update` or `delete` of the token lists tokens for it and
 *    deletes the one that carries it (locked, and nobody ever saw its value).
 * 3. A second lost answer, or an answer that proves the create applied (an
 *    unreadable 200) without the token appearing, ends in an error naming
 *    each mark, so the token can be found in the Console if it lands later.
 * A normal create costs one extra call (the update that removes the mark);
 * everything else here runs only after a lost answer.
 */
import { isPantherError, type PantherError } from "../client/errors";
import type { ApiToken, ApiTokenWithValue, TokenListing } from "../client/types";
import { messageOf, toError } from "../client/errors/thrown";
import { carriesMark, lockedBody, newMark } from "./mark";
import type { TokenFields } from "./normalize";
import type { Session } from "./session";
import type { LostCreate } from "./state";

/** Creates attempted in all when the earlier one's answer was lost and nothing landed. */
export const MAX_CREATES = 2;
/** How long after a lost create its mark is still looked for by later operations. */
export const LOST_CREATE_WATCH_MS = 60 * 60_000;
/** Waits between listings while a lost create may still land, in ms. */
export const LISTING_DELAYS_MS: readonly number[] = [2_000, 3_000, 5_000, 10_000, 20_000];

/** The wait before listing attempt `i` (from 0), at most `left`. */
export function delayAt(delays: readonly number[], i: number, left: number): number {
  return Math.max(0, Math.min(delays[Math.min(i, delays.length - 1)] ?? 5_000, left));
}

/** What a create ended with. The token still carries `mark`: the caller removes it. */
export type CreateOutcome =
  | {
      readonly kind: "created";
      readonly token: ApiTokenWithValue;
      readonly mark: string;
      /** Earlier attempts whose answers were lost and which did not land in their window. */
      readonly lostCreates: readonly LostCreate[];
    }
  | {
      /** The create's answer was lost; the token carrying its mark was found and must be rotated for a value. */
      readonly kind: "found";
      readonly token: ApiToken;
      readonly mark: string;
      readonly lostCreates: readonly LostCreate[];
    };

/** A lost create that cannot be settled here: the error names each mark to look for. Nothing was adopted. */
export class UnsettledCreate extends Error {
  /** The marks of the creates that may still land (each a `2001:db8:…/128` block). */
  readonly marks: readonly string[];
  constructor(message: string, marks: readonly string[], cause: unknown) {
    super(message, { cause });
    this.name = "UnsettledCreate";
    this.marks = marks;
  }
}

function lookFor(name: string, marks: readonly string[]): string {
  return (
    `If ${marks.length > 1 ? "one of them lands" : "it lands"} later, it shows in the Panther Console (Settings → ` +
    `API Tokens) named "${name}" with ${marks.length > 1 ? "one of the allowed CIDR blocks" : "the allowed CIDR block"} ` +
    `${marks.join(", ")} (born locked: no request can come from that address, so nobody can use it): delete it there.`
  );
}

/** The tokens of `listing` that carry `mark` (raw records too, when Panther lists one oddly). */
function carrying(listing: TokenListing, mark: string): ApiToken[] {
  return listing.tokens.filter((t) => carriesMark(t.allowedCIDRBlocks, mark));
}

/**
 * Lists until a token carrying `mark` appears or the window ends; returns it
 * or undefined. A failed listing is retried until the window ends: one bad
 * answer settles nothing, and an error is thrown only if the last one failed.
 */
async function findByMark(
  session: Session,
  name: string,
  mark: string,
): Promise<ApiToken | undefined> {
  const until = session.now() + session.settings().lateLandingMs;
  let listingError: unknown;
  for (let i = 0; ; i++) {
    try {
      const [found] = carrying(await session.client().listTokens(), mark);
      if (found !== undefined) return found;
      listingError = undefined;
    } catch (error) {
      listingError = error;
      session.progress(`listing tokens failed (${messageOf(error)}); trying again`);
    }
    const left = until - session.now();
    if (left <= 0) {
      if (listingError !== undefined) {
        throw toError(listingError);
      }
      return undefined;
    }
    session.progress(
      `token "${name}": not in Panther yet; listing again (${Math.ceil(left / 1000)} s left)`,
    );
    await session.sleep(delayAt(LISTING_DELAYS_MS, i, left));
  }
}

/**
 * Creates a token with `body`, born locked with a fresh mark, reconciling
 * lost answers as described above. Throws when the create definitely failed
 * (nothing exists), or when what happened cannot be settled here (the error
 * names the marks to look for).
 */
export async function createReconciled(
  session: Session,
  body: TokenFields,
): Promise<CreateOutcome> {
  const lost: LostCreate[] = [];
  const windowS = Math.round(session.settings().lateLandingMs / 1000);
  for (let attempt = 1; ; attempt++) {
    const mark = newMark();
    let lastError: PantherError;
    try {
      const token = await session.client().createToken(lockedBody(body, mark));
      return { kind: "created", token, mark, lostCreates: lost };
    } catch (error) {
      if (!isPantherError(error) || error.applied === "no") throw withLost(error, lost, body);
      lastError = error;
    }
    session.progress(
      `token "${body.name}": the create got no usable answer; looking for its mark ${mark} in Panther for up to ${windowS} s`,
    );
    let found: ApiToken | undefined;
    try {
      found = await findByMark(session, body.name, mark);
    } catch (error) {
      const marks = [...marksOf(lost), mark];
      throw new UnsettledCreate(
        `Creating Panther token "${body.name}" may have succeeded, but its answer was lost ` +
          `(${messageOf(lastError)}) and listing tokens to find it failed (${messageOf(error)}). ` +
          `${lookFor(body.name, marks)} Then run pulumi up again.`,
        marks,
        error,
      );
    }
    if (found !== undefined) {
      session.progress(`token "${body.name}": found ${found.id}, carrying the lost create's mark`);
      return { kind: "found", token: found, mark, lostCreates: lost };
    }
    if (lastError.applied === "yes") {
      const marks = [...marksOf(lost), mark];
      throw new UnsettledCreate(
        `Panther accepted the create of token "${body.name}" but its answer could not be read ` +
          `(${messageOf(lastError)}), and no token carrying its mark appeared in ${windowS} s of listings. ` +
          `${lookFor(body.name, marks)} Then run pulumi up again.`,
        marks,
        lastError,
      );
    }
    lost.push({
      mark,
      watchUntil: new Date(session.now() + LOST_CREATE_WATCH_MS).toISOString(),
    });
    if (attempt >= MAX_CREATES) throw withLost(lastError, lost, body);
    session.progress(
      `token "${body.name}": the lost create did not take effect within ${windowS} s; creating again ` +
        `(if it lands later, later operations on this token find it by its mark and delete it)`,
    );
  }
}

/** `error`, naming the marks of earlier lost creates when there are any. */
function withLost(error: unknown, lost: readonly LostCreate[], body: TokenFields): unknown {
  if (lost.length === 0) return error;
  const marks = marksOf(lost);
  return new UnsettledCreate(
    `Creating Panther token "${body.name}" failed: ${messageOf(error)} ${marks.length} earlier attempt(s) got no ` +
      `answer and did not appear within the late-landing window. ${lookFor(body.name, marks)} Then run ` +
      `pulumi up again.`,
    marks,
    error,
  );
}

/** The marks of lost creates (records written before marks existed have none). */
function marksOf(lost: readonly LostCreate[]): string[] {
  return lost.flatMap((l) => (l.mark === undefined ? [] : [l.mark]));
}

/** A lost create recorded by pulumi-panther before marks existed: nothing proves which token it made. */
export function isUnmarked(lost: LostCreate): boolean {
  return lost.mark === undefined;
}

/**
 * Looks for late landings of `lostCreates` (earlier creates of token
 * `trackedId` whose answers were lost) by their marks, and deletes each
 * token that carries one: it was made by this stack's request, it is still
 * locked, and nobody ever saw its value. Returns the lost creates still
 * worth watching. Lost creates recorded without a mark (by an earlier
 * release) are reported, never acted on: which token they made cannot be
 * proven.
 */
export async function settleLostCreates(
  session: Session,
  trackedId: string,
  name: string,
  lostCreates: readonly LostCreate[],
): Promise<LostCreate[]> {
  if (lostCreates.length === 0) return [];
  const now = session.now();
  const live = lostCreates.filter((l) => Date.parse(l.watchUntil) > now);
  for (const old of lostCreates.filter(isUnmarked)) {
    session.progress(
      `token ${trackedId}: an earlier create of "${name}" lost its answer (recorded by an earlier release of ` +
        `pulumi-panther, sent after ${old.sentAt ?? "an unknown time"}), and which token it may have made cannot be ` +
        `proven. Look in the Panther Console (Settings → API Tokens) for tokens named "${name}" created then, other ` +
        `than ${trackedId}: delete them, or adopt one with adoptTokenId in another resource. Nothing was changed.`,
    );
  }
  const marked = live.filter((l) => !isUnmarked(l));
  if (marked.length === 0) return live.filter(isUnmarked);
  const listing = await session.client().listTokens();
  const settled = new Set<string>();
  for (const lost of marked) {
    const mark = lost.mark ?? "";
    for (const token of carrying(listing, mark)) {
      if (token.id === trackedId) continue;
      session.progress(
        `token "${name}": deleting ${token.id}, made late by an earlier create of this stack whose answer was lost ` +
          `(it carries that create's mark ${mark})`,
      );
      try {
        await session.client().deleteToken(token.id);
      } catch (error) {
        if (!isPantherError(error, "PANTHER_NOT_FOUND")) throw error;
      }
      settled.add(mark);
    }
  }
  return live.filter((l) => isUnmarked(l) || !settled.has(l.mark ?? ""));
}

/**
 * A pair's part in an update ({@link pairStep}), the network half of
 * `pair.ts`: slot a reads the other token's record to decide whose turn a
 * new generation is (slot b never reads anything: it follows slot a's
 * recorded decision, handed over by the engine).
 *
 *   GET /api-tokens/{peer id}, or GET /api-tokens (by name) the first time
 */
import type { ApiToken } from "../client/types";
import type { TokenInputs } from "./inputs";
import {
  followerTurn,
  leaderOf,
  leaderTurn,
  pairOf,
  seenGeneration,
  viewAt,
  type PairInput,
  type PairTurn,
  type PairView,
} from "./pair";
import type { Session } from "./session";
import type { TokenState } from "./state";
import { timeOf } from "./time";

/** Finds the pair's other token: by the id seen last time, else by its name. */
async function findPeer(
  session: Session,
  name: string,
  knownId: string | undefined,
  myId: string,
): Promise<ApiToken> {
  if (knownId !== undefined) {
    const known = await session
      .client()
      .getToken(knownId)
      .catch(() => undefined);
    if (known?.name === name) return known;
  }
  const listing = await session.client().listTokens();
  const matches = listing.tokens.filter((t) => t.name === name && t.id !== myId);
  const [only] = matches;
  if (only === undefined || matches.length > 1) {
    throw new Error(
      `The other token of this PantherApiTokenPair, named "${name}", ${matches.length === 0 ? "was not found" : `is ambiguous: ${matches.length} tokens have that name (${matches.map((t) => t.id).join(", ")})`}, ` +
        `so which of the two holds the older value cannot be told and nothing was rotated. ` +
        (matches.length === 0
          ? "Run pulumi refresh, then pulumi up."
          : "Delete or rename the tokens that are not this pair's in the Panther Console."),
    );
  }
  return only;
}

/** A stamp (else the fallback's) in ms; 0 when neither is a time, so it is older than any. */
function stamp(text: string | null | undefined, fallback: string): number {
  return timeOf(text ?? fallback) ?? 0;
}

/**
 * Slot a's decision for the generation of `pair`, from Panther's records of
 * both tokens. `dueAnyway` says slot a rotates for another reason (its
 * rotation then takes the turn).
 */
async function decideTurn(
  session: Session,
  id: string,
  olds: TokenState,
  pair: PairInput,
  dueAnyway: boolean,
): Promise<{ readonly turn: PairTurn; readonly peerId: string; readonly peerIssuedAt: string }> {
  const peer = await findPeer(session, pair.peerName, olds.pairPeerId, id);
  const peerIssuedAt = peer.rotatedAt ?? peer.createdAt;
  const recorded = olds.pairView?.peerIssuedAt;
  const turn = leaderTurn({
    dueAnyway,
    mine: stamp(olds.rotatedAt, olds.createdAt),
    peer: stamp(peerIssuedAt, peer.createdAt),
    ...(recorded === undefined
      ? {}
      : {
          last: {
            ...(olds.pairView?.turn === undefined ? {} : { turn: olds.pairView.turn }),
            peer: stamp(recorded, ""),
          },
        }),
  });
  return { turn, peerId: peer.id, peerIssuedAt };
}

/**
 * A pair's part in an update: for slot a, whose turn a new generation is
 * (decided from Panther's records); for slot b, what slot a decided. Returns
 * the rotation reason when it is this token's turn, the view to record, and
 * the other token's id once found.
 */
export async function pairStep(
  session: Session,
  id: string,
  olds: TokenState,
  news: TokenInputs,
  dueAnyway: boolean,
): Promise<{ reason?: string; view?: PairView; peerId?: string }> {
  const pair = pairOf(news);
  if (pair === undefined) return {};
  const own = seenGeneration(olds.pairView, olds.rotationTrigger, pair);
  // Without a new decision the recorded view stays as it is, in its own units.
  const kept = olds.pairView === undefined ? {} : { view: olds.pairView };
  if (pair.slot === "b") {
    const follow = followerTurn(leaderOf(news), own, pair);
    if (follow === undefined) return kept;
    if (!follow.rotate) {
      session.progress(
        `token ${id}: the pair's generation ${follow.view.seen} is the other token's turn (or nobody's), so this one keeps its value`,
      );
      return { view: follow.view };
    }
    return {
      reason: `the pair's generation rose to ${follow.view.seen} and this token holds the pair's older value`,
      view: follow.view,
    };
  }
  if (pair.generation <= own) return kept;
  const decided = await decideTurn(session, id, olds, pair, dueAnyway);
  const view = viewAt(pair, decided.turn, decided.peerIssuedAt);
  const peer = { peerId: decided.peerId };
  if (decided.turn === "a") {
    return {
      ...(dueAnyway
        ? {}
        : {
            reason: `the pair's generation rose to ${pair.generation} and this token holds the pair's older value`,
          }),
      view,
      ...peer,
    };
  }
  session.progress(
    `token ${id}: the pair's generation rose to ${pair.generation}; ` +
      (decided.turn === "b"
        ? "the other token holds the older value and rotates, so this one keeps its value"
        : "the other token's value is newer than this one's and did not come from this pair's last turn (it was " +
          "created or rotated since), so it counts as this rise's new value and neither token rotates"),
  );
  return { view, ...peer };
}

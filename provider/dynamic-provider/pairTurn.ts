/**
 * The network half of `pair.ts`: slot a reads the other token's record to
 * decide whose turn a new generation is (slot b never reads anything: it
 * follows slot a's recorded decision, handed over by the engine).
 *
 *   GET /api-tokens/{peer id}, or GET /api-tokens (by name) the first time
 */
import type { ApiToken } from "../client/types";
import { leaderTurn, type PairInput, type PairTurn } from "./pair";
import type { Session } from "./session";
import type { TokenState } from "./state";

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

function stamp(text: string | null | undefined, fallback: string): number {
  const t = Date.parse(text ?? fallback);
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Slot a's decision for the generation of `pair`, from Panther's records of
 * both tokens. `dueAnyway` says slot a rotates for another reason (its
 * rotation then takes the turn).
 */
export async function decideTurn(
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

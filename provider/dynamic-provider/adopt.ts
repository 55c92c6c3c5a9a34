/**
 * Adoption (`adoptTokenId`): bringing an existing token under the stack
 * instead of creating one. The deployer's own token is refused (by the id
 * given and by the id Panther answers with); an adoption that would widen
 * where the token may be used from is refused unless `allowWiderAccess`;
 * added permissions are said; then the fields are brought in line and,
 * unless `rotateOnAdopt: false`, the token is rotated so the stack holds a
 * value.
 *
 *   GET self, GET /api-tokens/{id}, [POST /api-tokens/{id}], [rotate]
 */
import type { Created } from "./lifecycle";
import { readOtherToken } from "./guards";
import type { TokenInputs } from "./inputs";
import { rotateInto } from "./issueValue";
import { updateVerified } from "./modify";
import { normalizeFields, sameFields, widensAccess, type TokenFields } from "./normalize";
import type { Session } from "./session";
import { stateOf, valueState } from "./state";

export async function adopt(
  session: Session,
  inputs: TokenInputs,
  body: TokenFields,
): Promise<Created> {
  const given = inputs.adoptTokenId ?? "";
  let token = await readOtherToken(session, "adopt", given);
  if (token === undefined) {
    throw new Error(
      `adoptTokenId: Panther has no token with id "${given}". Copy the id from the Panther Console ` +
        `(Settings → API Tokens) or from the API (GET /api-tokens), or remove adoptTokenId to create a new token.`,
    );
  }
  const id = token.id;
  const live = normalizeFields(token);
  if (
    widensAccess(live.allowedCIDRBlocks, body.allowedCIDRBlocks) &&
    inputs.allowWiderAccess !== true
  ) {
    throw new Error(
      `adoptTokenId: token ${id} may only be used from ${live.allowedCIDRBlocks.join(", ")}, and adopting it ` +
        `with ${body.allowedCIDRBlocks.length === 0 ? "no allowedCIDRBlocks" : `allowedCIDRBlocks ${body.allowedCIDRBlocks.join(", ")}`} ` +
        `would let it be used from addresses it is refused from today. Nothing was changed. Set ` +
        `allowedCIDRBlocks to ${JSON.stringify(live.allowedCIDRBlocks)} to keep its restriction, or set ` +
        `allowWiderAccess: true to widen it on purpose.`,
    );
  }
  const added = body.permissions.filter((p) => !live.permissions.includes(p));
  if (added.length > 0) {
    session.progress(`token ${id}: adopting it adds permissions ${added.join(", ")}`);
  }
  if (!sameFields(body, live)) token = await updateVerified(session, id, body);
  const wantsValue = inputs.rotateOnAdopt !== false;
  const adopted = stateOf(token, inputs, {
    value: "",
    valueState: wantsValue
      ? valueState("pending", "adopted; rotating it gives the stack a value", session.now())
      : valueState(
          "none",
          "adopted with rotateOnAdopt: false, so the stack holds no value",
          session.now(),
        ),
    applied: { sent: body, reported: normalizeFields(token) },
    apiOrigin: session.apiOrigin(),
  });
  if (!wantsValue) return { id, outs: adopted };
  return { id, outs: await rotateInto(session, id, adopted, inputs, "was adopted") };
}

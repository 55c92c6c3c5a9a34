/**
 * When a rotation is due without anyone changing `rotationTrigger`: a
 * `rotateAfterDays` period that has run out, or a token close to its
 * `expiresAt`. Evaluated in `diff`, so a due rotation shows in
 * `pulumi preview` as an update and happens on `pulumi up`.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** How close to `expiresAt` a token is rotated (if rotating has not been tried since). */
export const EXPIRY_WINDOW_DAYS = 7;

function timeOf(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Why a scheduled rotation is due for a token whose stored outputs are
 * `olds`, under `rotateAfterDays` from the new inputs, at `now`; or undefined.
 */
export function scheduledRotationReason(
  olds: Record<string, unknown>,
  rotateAfterDays: unknown,
  now: number,
): string | undefined {
  if (typeof rotateAfterDays === "number" && rotateAfterDays > 0) {
    const lastText = olds["rotatedAt"] ?? olds["createdAt"];
    const last = timeOf(lastText);
    if (last !== undefined && now - last >= rotateAfterDays * DAY_MS) {
      return `rotateAfterDays is ${rotateAfterDays} and the last rotation (or creation) was at ${String(lastText)}`;
    }
  }
  const expires = timeOf(olds["expiresAt"]);
  if (expires !== undefined && expires - now <= EXPIRY_WINDOW_DAYS * DAY_MS) {
    // Rotate once on entering the window; if Panther keeps the expiry, a
    // second rotation would not help and would only churn the value.
    const issued = timeOf(olds["valueIssuedAt"]);
    if (issued === undefined || issued < expires - EXPIRY_WINDOW_DAYS * DAY_MS) {
      return `the token expires at ${String(olds["expiresAt"])}`;
    }
  }
  return undefined;
}

/** Whether a token expiring at `expiresAt` is within the expiry window (or past it) at `now`. */
export function expiresSoon(expiresAt: string | undefined, now: number): boolean {
  const expires = timeOf(expiresAt);
  return expires !== undefined && expires - now <= EXPIRY_WINDOW_DAYS * DAY_MS;
}

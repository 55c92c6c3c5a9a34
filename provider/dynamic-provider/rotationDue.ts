/**
 * Is a rotation due, and why: everything that rotates a token without the
 * program asking for a new token, in one place. Evaluated in `diff` (no
 * network), so every due rotation shows in `pulumi preview` as an update,
 * with its reasons on the provider's progress lines, and happens on
 * `pulumi up`.
 */
import type { TokenInputs } from "./inputs";
import type { TokenState } from "./state";
import { timeOf } from "./time";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days before `expiresAt` from which preview and refresh warn. */
export const EXPIRY_WARNING_DAYS = 7;

/** The warning for a token within {@link EXPIRY_WARNING_DAYS} of `expiresAt` (or past it), or undefined. */
export function expiryWarning(expiresAt: string | undefined, now: number): string | undefined {
  if (!expiresWithin(expiresAt, EXPIRY_WARNING_DAYS, now)) return undefined;
  return (
    `warning: the token expires at ${String(expiresAt)}. Rotating does not move Panther's expiry: ` +
    `replace the token (a new resource name) before it stops working, or set rotateBeforeExpiryDays ` +
    `to rotate it once as it approaches.`
  );
}

/**
 * Slack when comparing Panther's `rotatedAt` with the stamp of the rotation
 * that issued the stored value: a server may stamp its answer and its record
 * a few milliseconds apart. Both are Panther's clock, so no skew applies.
 */
export const ROTATION_STAMP_SLACK_MS = 1000;

/** Whether Panther reports a rotation after the one that issued the stored value. */
export function rotatedSince(
  rotatedAt: string | null | undefined,
  issuedAt: string | undefined,
): boolean {
  const rotated = timeOf(rotatedAt);
  const issued = timeOf(issuedAt);
  return (
    rotated !== undefined && issued !== undefined && rotated > issued + ROTATION_STAMP_SLACK_MS
  );
}

/** Whether `expiresAt` is within `days` of `now` (or past). */
export function expiresWithin(expiresAt: string | undefined, days: number, now: number): boolean {
  const expires = timeOf(expiresAt);
  return expires !== undefined && expires - now <= days * DAY_MS;
}

/**
 * Every reason a rotation is due for the token whose state is `olds` under
 * the new inputs `news` at `now` (this machine's clock; scheduled periods are
 * days long, so a skew of minutes does not matter). Empty when none is.
 */
export function rotationReasons(olds: TokenState, news: TokenInputs, now: number): string[] {
  const reasons: string[] = [];
  if (olds.rotationTrigger !== news.rotationTrigger) {
    reasons.push(
      `rotationTrigger changed from ${JSON.stringify(olds.rotationTrigger ?? null)} to ${JSON.stringify(news.rotationTrigger ?? null)}`,
    );
  }
  const value = olds.valueState;
  if (value.status === "pending") reasons.push(`the stack has no working value: ${value.reason}`);
  if (value.status === "stale") reasons.push(`the stored value no longer works: ${value.reason}`);
  if (value.status === "current" && rotatedSince(olds.rotatedAt, value.issuedAt)) {
    reasons.push(
      `Panther reports a rotation at ${String(olds.rotatedAt)}, after the stored value was issued, so it no longer works`,
    );
  }
  if (
    value.status === "none" &&
    olds.adoptTokenId !== undefined &&
    olds.rotateOnAdopt === false &&
    news.rotateOnAdopt !== false
  ) {
    reasons.push("rotateOnAdopt was switched on, so the stack takes a value of its own");
  }
  const days = news.rotateAfterDays;
  if (typeof days === "number") {
    const lastText = olds.rotatedAt ?? olds.createdAt;
    const last = timeOf(lastText);
    if (last !== undefined && now - last >= days * DAY_MS) {
      reasons.push(
        `rotateAfterDays is ${days} and the last rotation (or creation) was at ${lastText}`,
      );
    }
  }
  const window = news.rotateBeforeExpiryDays;
  const expires = timeOf(olds.expiresAt);
  if (
    typeof window === "number" &&
    expires !== undefined &&
    expiresWithin(olds.expiresAt, window, now)
  ) {
    // Once per approach of the expiry: if Panther keeps the expiry through a
    // rotation, rotating again would only churn the value.
    const issued = timeOf(value.issuedAt);
    if (issued === undefined || issued < expires - window * DAY_MS) {
      reasons.push(
        `the token expires at ${String(olds.expiresAt)}, within rotateBeforeExpiryDays (${window})`,
      );
    }
  }
  return reasons;
}

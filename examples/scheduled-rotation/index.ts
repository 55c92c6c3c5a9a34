import * as pulumi from "@pulumi/pulumi";
import { PantherApiToken } from "pulumi-panther";

// A token rotated on a schedule, and on demand.
//
// - Scheduled: with `rotateAfterDays: 90`, once the last rotation (or the creation) is 90 days
//   old, `pulumi preview` shows the token as an update and `pulumi up` rotates it. Nothing
//   happens between runs: run `pulumi up` on a schedule (a nightly pipeline) so that the
//   rotation happens on time.
// - On demand: changing `rotationTrigger` rotates at once, whatever the schedule, e.g. after a
//   suspected leak: `pulumi config set rotationTrigger leak-2026-03-14 && pulumi up`.
//
// Both rotate in place: the token id stays, Panther issues a new value, and the old value stops
// working immediately. Each rotation restarts the 90 days.
const ROTATE_AFTER_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

const config = new pulumi.Config();

const detections = new PantherApiToken("detections-sync", {
  name: "detections-sync",
  permissions: ["RuleRead", "RuleModify", "PolicyRead", "PolicyModify"],
  rotateAfterDays: ROTATE_AFTER_DAYS,
  rotationTrigger: config.get("rotationTrigger") ?? "initial",
  // A new value can take 30 to 60 s to work in Panther: wait for it, so that whatever reads
  // `token` later in the same `pulumi up` gets a working value.
  waitUntilUsable: true,
});

export const tokenId = detections.id;
/** When the value was issued (by the creation, or the last rotation). */
export const valueIssuedAt = detections.valueState.issuedAt;
/** When the next scheduled rotation is due (the first `pulumi up` after it rotates the token). */
export const nextRotationDue = detections.valueState.apply((state) => {
  const last = Date.parse(state.issuedAt ?? "");
  return Number.isNaN(last) ? undefined : new Date(last + ROTATE_AFTER_DAYS * DAY_MS).toISOString();
});
/** The token value: a Pulumi secret (`pulumi stack output token --show-secrets`). */
export const token = detections.value;

/**
 * Requests a `lateLanding` fault held back: each waits on a timer to be
 * applied, and is dropped unapplied when the emulator closes.
 */

interface PendingLanding {
  readonly land: () => void;
  timer?: NodeJS.Timeout;
}

export class LateLandings {
  readonly #pending = new Set<PendingLanding>();
  #closed = false;

  /** Runs `land` after `ms`, unless cancelled first. Ignored once {@link cancelAll} has run. */
  schedule(ms: number, land: () => void): void {
    if (this.#closed) return;
    const entry: PendingLanding = { land };
    entry.timer = setTimeout(() => {
      this.#run(entry);
    }, ms);
    this.#pending.add(entry);
  }

  /** Drops every pending one unapplied, and any scheduled later. */
  cancelAll(): void {
    this.#closed = true;
    for (const entry of this.#pending) clearTimeout(entry.timer);
    this.#pending.clear();
  }

  #run(entry: PendingLanding): void {
    if (!this.#pending.delete(entry)) return;
    clearTimeout(entry.timer);
    entry.land();
  }
}

/**
 * Requests a `lateLanding` fault held back: each waits on a timer to be
 * applied, can be landed at once (`landNow`, so tests need not sleep), and
 * is dropped unapplied when the emulator closes.
 */

interface PendingLanding {
  readonly dueAt: number;
  readonly order: number;
  readonly land: () => void;
  timer?: NodeJS.Timeout;
}

export class LateLandings {
  readonly #pending = new Set<PendingLanding>();
  #nextOrder = 0;
  #closed = false;

  /** Runs `land` after `ms`, unless cancelled first. Ignored once {@link cancelAll} has run. */
  schedule(ms: number, land: () => void): void {
    if (this.#closed) return;
    const entry: PendingLanding = { dueAt: Date.now() + ms, order: this.#nextOrder++, land };
    entry.timer = setTimeout(() => {
      this.#run(entry);
    }, ms);
    this.#pending.add(entry);
  }

  /** How many wait to land. */
  count(): number {
    return this.#pending.size;
  }

  /** Lands every pending one now, earliest due first; returns how many. */
  landNow(): number {
    const due = [...this.#pending].sort((a, b) => a.dueAt - b.dueAt || a.order - b.order);
    for (const entry of due) this.#run(entry);
    return due.length;
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

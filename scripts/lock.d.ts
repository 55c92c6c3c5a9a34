/** Types of `scripts/lock.js`: see there. */

/** What a lock's owner recorded of itself. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/** One try at a lock directory. */
export type LockTry =
  | { readonly taken: true; readonly release: () => void }
  | { readonly taken: false; readonly owner: LockOwner | undefined };

export function tryLock(lockDir: string, onStale?: (owner: LockOwner | undefined) => void): LockTry;

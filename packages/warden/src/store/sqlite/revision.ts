/**
 * Rows the decision path reads on every call (agents, tools, credential status), served
 * from memory for as long as nothing has changed them, in this process or any other.
 *
 * Migration 6 keeps one counter, `state_revision.n`, that triggers bump in the same
 * transaction as any insert, update or delete of those rows, whoever writes them (the
 * server, the CLI, a stdio gateway). Reading it is one primary-key lookup; a cache entry
 * is used only while the counter still reads what it read when the entry was loaded.
 *
 * INVARIANT: the counter is read BEFORE the rows are loaded. A change committed in between
 * leaves newer rows under an older counter (dropped at the next read, harmless); the other
 * order could keep older rows under a newer counter for good.
 */
import type { Db } from './db.js';

/**
 * Reads both counters together (one statement): `revision` for the caches, and
 * `narrowing`, which every change that moves `revision` also moves except a credential
 * issued (migration 8). A decision records its allow or its held call against `narrowing`:
 * nothing a new token brings can make that answer unsafe, so another agent's token traffic
 * does not make it start again.
 *
 * They are read at most once per turn of the event loop. A statement of its own costs a
 * read transaction on the WAL (about 2–4 µs here, mostly locking the shared index), as
 * much as the rows it guards; with many decisions in flight, one read serves all those
 * that run in the same turn. A change another process commits during that turn is seen
 * from the next one on; what a decision lets through is safe all the same, because it is
 * recorded only if `narrowing`, read again under the write lock, still equals the value
 * the decision started from (decisions.ts, `decisionWriter`).
 */
export function stateRevisions(db: Db): { revision: () => number; narrowing: () => number } {
  const stmt = db.prepare<[], { n: number; narrowed: number }>('SELECT n, narrowed FROM state_revision WHERE id = 1');
  let known: { n: number; narrowed: number } | undefined;
  const forget = () => {
    known = undefined;
  };
  const read = () => {
    if (known === undefined) {
      known = stmt.get() ?? { n: -1, narrowed: -1 };
      setImmediate(forget);
    }
    return known;
  };
  return { revision: () => read().n, narrowing: () => read().narrowed };
}

/** A bounded map of loaded values, emptied whenever the state revision moves. */
export class RevisionCache<V> {
  private revision = Number.NaN;
  // Entries wrap the value so that "not found" is remembered too (an insert bumps the counter).
  private readonly entries = new Map<string, { value: V }>();

  constructor(
    private readonly current: () => number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, load: () => V): V {
    const now = this.current();
    if (now !== this.revision) {
      this.entries.clear();
      this.revision = now;
    }
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit.value;
    const value = load();
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: a flood of distinct keys (unknown tools, say) cannot grow memory.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value });
    return value;
  }
}

/**
 * Makes the log's signed checkpoints: at most one per interval while the tree grows, one
 * on demand (the first `GET /v1/audit/checkpoint`, `warden.audit.checkpoint()`), and a
 * last one at shutdown. Every checkpoint is kept, so an auditor can check any two for
 * consistency later.
 *
 * A checkpoint's size and root are read in one immediate transaction: the root is the
 * tree's at exactly that size even while another process appends.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../store/sqlite/db.js';
import type { SqliteLog } from '../store/sqlite/log.js';
import type { SqliteCheckpoints, StoredCheckpoint } from '../store/sqlite/checkpoints.js';
import { signCheckpoint } from './checkpoint.js';
import type { LogKey } from './log-key.js';
import { rootAt } from './tree.js';

export interface CheckpointerOptions {
  /** The shortest time between two timed checkpoints. */
  intervalMs: number;
  now?: () => Date;
  /** Told about a timed checkpoint that failed (the next tick tries again). */
  onError?: (err: unknown) => void;
}

export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => Date;
  private readonly make: Database.Transaction<() => StoredCheckpoint>;

  constructor(
    db: Db,
    private readonly log: SqliteLog,
    private readonly store: SqliteCheckpoints,
    private readonly key: LogKey,
    private readonly options: CheckpointerOptions,
  ) {
    if (!Number.isInteger(options.intervalMs) || options.intervalMs <= 0) {
      throw new TypeError(`intervalMs must be a positive integer, got \`${options.intervalMs}\``);
    }
    this.now = options.now ?? (() => new Date());
    this.make = db.transaction(() => this.makeNow());
  }

  /** Starts the timer. It never keeps the process alive on its own. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A new signed checkpoint if the tree has grown since the latest one, else the latest.
   *
   * @example
   * const { size, note } = checkpointer.checkpoint();
   */
  checkpoint(): StoredCheckpoint {
    return this.make.immediate();
  }

  latest(): StoredCheckpoint | undefined {
    return this.store.latest();
  }

  private makeNow(): StoredCheckpoint {
    // INVARIANT: only what is on disk is signed. Inside this immediate transaction nobody
    // can commit, so after this sync every entry counted below is durable: a checkpoint
    // can never cover entries that a power cut would take back (a fork).
    this.log.syncWal();
    const size = this.log.sizeSync();
    const latest = this.store.latest();
    if (latest !== undefined && latest.size >= size) return latest;
    const root = rootAt(size, this.log);
    const note = signCheckpoint({ origin: this.key.origin, size, root }, this.key.signer);
    return this.store.save({ size, root, note, createdAt: this.now().toISOString() });
  }

  private tick(): void {
    try {
      this.checkpoint();
    } catch (err) {
      this.options.onError?.(err);
    }
  }
}

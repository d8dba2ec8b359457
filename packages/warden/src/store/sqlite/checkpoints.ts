/**
 * Where the SQLite store keeps signed checkpoints (every one, never replaced) and the
 * log's small metadata (its random id). Checkpoints are keyed by tree size: two
 * processes that sign the same size store one row.
 */
import type { Db } from './db.js';

export interface StoredCheckpoint {
  size: number;
  root: Buffer;
  /** The signed note, as served by `GET /v1/audit/checkpoint`. */
  note: string;
  createdAt: string;
}

interface Row {
  size: number;
  root: Buffer;
  note: string;
  created_at: string;
}

const fromRow = (r: Row): StoredCheckpoint => ({ size: r.size, root: r.root, note: r.note, createdAt: r.created_at });

export class SqliteCheckpoints {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      latest: db.prepare<[], Row>('SELECT size, root, note, created_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1'),
      get: db.prepare<[number], Row>('SELECT size, root, note, created_at FROM audit_checkpoints WHERE size = ?'),
      page: db.prepare<[number, number], Row>(
        'SELECT size, root, note, created_at FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?',
      ),
      insert: db.prepare<[number, Buffer, string, string]>(
        'INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING',
      ),
      meta: db.prepare<[string], string>('SELECT value FROM audit_meta WHERE key = ?').pluck(),
      setMeta: db.prepare<[string, string]>('INSERT INTO audit_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    };
  }

  latest(): StoredCheckpoint | undefined {
    const row = this.stmts.latest.get();
    return row && fromRow(row);
  }

  get(size: number): StoredCheckpoint | undefined {
    const row = this.stmts.get.get(size);
    return row && fromRow(row);
  }

  /** Checkpoints with size > `afterSize`, smallest first. */
  page(afterSize: number, limit: number): StoredCheckpoint[] {
    return this.stmts.page.all(afterSize, limit).map(fromRow);
  }

  /** Stores `checkpoint` unless one of its size exists; returns the stored one. */
  save(checkpoint: StoredCheckpoint): StoredCheckpoint {
    this.stmts.insert.run(checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.createdAt);
    return this.get(checkpoint.size) as StoredCheckpoint;
  }

  /** The value under `key`, setting it to `make()` first if absent (first writer wins). */
  metaOrSet(key: string, make: () => string): string {
    const existing = this.stmts.meta.get(key);
    if (existing !== undefined) return existing;
    this.stmts.setMeta.run(key, make());
    return this.stmts.meta.get(key) as string;
  }
}

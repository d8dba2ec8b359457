/**
 * Opens a Warden database for reading only, as `warden audit verify`, `export` and
 * `proof` do: no migration, no key, no write. SQLite may still create its `-wal` and
 * `-shm` lock files beside the database, as any reader of a WAL database does.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { WardenError } from '../../errors.js';
import type { HashReader } from '../../audit/tree.js';
import type { Db } from './db.js';
import type { RawEntry } from './log.js';

export const ReadOnlyCodes = { DATABASE_NOT_FOUND: 'DATABASE_NOT_FOUND' } as const;

/**
 * Opens `file` read-only. Throws `DATABASE_NOT_FOUND` when there is no file or it holds
 * no audit log.
 *
 * @example
 * const db = openReadOnlyDatabase(join(dataDir, 'warden.db'));
 */
export function openReadOnlyDatabase(file: string): Db {
  if (!existsSync(file)) throw new WardenError(ReadOnlyCodes.DATABASE_NOT_FOUND, `no Warden database at \`${file}\``);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  // A server may be committing: wait for its write lock rather than fail.
  db.pragma('busy_timeout = 5000');
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'audit_entries'").get();
  if (table === undefined) {
    db.close();
    throw new WardenError(ReadOnlyCodes.DATABASE_NOT_FOUND, `\`${file}\` holds no Warden audit log`);
  }
  return db;
}

/** Stored subtree hashes of a Warden database (level 0 is the leaf hash). */
export function sqliteHashReader(db: Db): HashReader {
  const leaf = db.prepare<[number], Buffer>('SELECT leaf_hash FROM audit_entries WHERE idx = ?').pluck();
  const node = db.prepare<[number, number], Buffer>('SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?').pluck();
  return { getNode: (level, index) => (level === 0 ? leaf.get(index) : node.get(level, index)) };
}

/** Reads entries [start, end) as stored, without parsing them. */
export function rawEntryReader(db: Db): (start: number, end: number) => RawEntry[] {
  const range = db.prepare<[number, number], { idx: number; leaf_hash: Buffer; entry: string }>(
    'SELECT idx, leaf_hash, entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx',
  );
  return (start, end) => range.all(start, end).map((r) => ({ index: r.idx, leafHash: r.leaf_hash, text: r.entry }));
}

/** Number of entries (one past the highest index). */
export function storedLogSize(db: Db): number {
  return db.prepare<[], number>('SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries').pluck().get() ?? 0;
}

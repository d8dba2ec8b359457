/**
 * Opens the embedded SQLite database: WAL mode, `synchronous=NORMAL` with the audit log
 * fsyncing the WAL itself before any append resolves (so every audited change is on disk
 * before anyone is told, as with FULL), and the versioned migrations applied in order.
 */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // The database holds hashes of keys and the raw values of sensitive arguments.
  if (file !== ':memory:') chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  // NORMAL, not FULL: the audit log fsyncs the WAL itself after each group commit, off the
  // event loop, before any append resolves (see log.ts); other writes are derived data.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Another Warden process (the CLI, a stdio gateway) may hold the write lock briefly.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Applies every migration the database has not had yet, in version order, each in its own transaction. */
export function migrate(db: Db): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
  const isDone = db.prepare<[number], number>('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  let applied = 0;
  for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    const ran = db
      .transaction(() => {
        // Asked again under the write lock: another process opening the same database at
        // the same moment (the CLI beside the server) may have just applied it.
        if (isDone.get(m.version) !== undefined) return false;
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          m.version,
          m.name,
          new Date().toISOString(),
        );
        return true;
      })
      .immediate();
    if (ran) applied++;
  }
  return applied;
}

/**
 * The SQLite schema: versioned migrations applied once, in order, at open; idempotent on
 * reopen; the database in WAL mode with full synchronous commits, readable only by us.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../../src/store/sqlite/db.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';

const byVersion = [...MIGRATIONS].sort((a, b) => a.version - b.version);
const rows = (db: Db) => db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string; applied_at: string }>;
const tables = (db: Db) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);

describe('the migration list', () => {
  it('has unique positive versions and a name for each', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    for (const m of MIGRATIONS) {
      expect(Number.isInteger(m.version) && m.version > 0).toBe(true);
      expect(m.name).toMatch(/^[a-z][a-z0-9-]*$/);
    }
  });

  it('starts with the foundation and the audit log', () => {
    expect(byVersion.slice(0, 2).map((m) => [m.version, m.name])).toEqual([
      [1, 'foundation'],
      [2, 'audit-log'],
    ]);
  });
});

describe('openDatabase', () => {
  let dir: string;
  let file: string;
  const open: Db[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-migrations-'));
    file = join(dir, 'nested', 'warden.db');
  });
  afterEach(() => {
    for (const db of open.splice(0)) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const openHere = () => {
    const db = openDatabase(file);
    open.push(db);
    return db;
  };

  it('applies every migration once, in version order, and records each', () => {
    const db = openHere();
    const applied = rows(db);
    expect(applied.map((r) => [r.version, r.name])).toEqual(byVersion.map((m) => [m.version, m.name]));
    for (const r of applied) expect(new Date(r.applied_at).toISOString()).toBe(r.applied_at);
  });

  it('creates the foundation tables', () => {
    expect(tables(openHere())).toEqual(
      expect.arrayContaining(['schema_migrations', 'api_keys', 'agents', 'tools', 'audit_entries', 'audit_nodes', 'audit_checkpoints', 'audit_secrets', 'audit_meta']),
    );
  });

  it('applies nothing again on reopen', () => {
    const first = openHere();
    const before = rows(first);
    first.close();
    const again = openHere();
    expect(rows(again)).toEqual(before);
    expect(migrate(again)).toBe(0);
    expect(rows(again)).toEqual(before);
  });

  it('keeps data across reopening', () => {
    const first = openHere();
    first.prepare("INSERT INTO tools (name, categories, description, server, source, updated_at) VALUES ('t', '[]', '', '', 'admin', 'x')").run();
    first.close();
    expect(openHere().prepare('SELECT name FROM tools').all()).toEqual([{ name: 't' }]);
  });

  /** A database as the first version left it (applied in 2020), on a connection of its own. */
  function atFirstVersion(): { raw: Db; first: (typeof byVersion)[number] } {
    const [first] = byVersion;
    if (!first) throw new Error('no migrations');
    const raw = new Database(file.replace('nested/', ''));
    open.push(raw);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    raw.exec(first.sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(first.version, first.name, '2020-01-01T00:00:00.000Z');
    return { raw, first };
  }

  it('gives an agent registered before groups existed no groups, and counts a change of groups as a change of the agent', () => {
    const { raw } = atFirstVersion();
    raw.prepare("INSERT INTO agents VALUES ('old', 'Old', 'human:x', '', '[]', 'low', 'active', NULL, 'then', 'then', NULL)").run();
    migrate(raw);
    expect(raw.prepare("SELECT group_ids FROM agents WHERE id = 'old'").get()).toEqual({ group_ids: '[]' });
    const counters = () => raw.prepare('SELECT n, narrowed FROM state_revision').get() as { n: number; narrowed: number };
    const before = counters();
    raw.prepare(`UPDATE agents SET group_ids = '["ops"]' WHERE id = 'old'`).run();
    expect(counters()).toEqual({ n: before.n + 1, narrowed: before.narrowed + 1 });
  });

  it('applies only what is missing to a database left at the first version', () => {
    const { raw } = atFirstVersion();
    expect(migrate(raw)).toBe(MIGRATIONS.length - 1);
    const applied = rows(raw);
    expect(applied.map((r) => r.version)).toEqual(byVersion.map((m) => m.version));
    expect(applied[0]?.applied_at).toBe('2020-01-01T00:00:00.000Z');
  });

  it('applies nothing twice when another process migrated the database after this one looked', () => {
    const { raw, first } = atFirstVersion();
    // This connection reads what is done before the other process (below) applies the rest.
    const stale = new Proxy(raw, {
      get(target, key) {
        if (key === 'prepare') {
          return (sql: string) =>
            sql === 'SELECT version FROM schema_migrations' ? { all: () => [{ version: first.version }] } : target.prepare(sql);
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const otherProcess = new Database(file.replace('nested/', ''));
    open.push(otherProcess);
    expect(migrate(otherProcess)).toBe(MIGRATIONS.length - 1);
    expect(migrate(stale)).toBe(0);
    expect(rows(raw).map((r) => r.version)).toEqual(byVersion.map((m) => m.version));
  });

  it('uses WAL, NORMAL synchronous commits (the audit log fsyncs the WAL itself), foreign keys and a busy timeout', () => {
    const db = openHere();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('makes the database file readable by its owner only', () => {
    openHere();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
  });
});

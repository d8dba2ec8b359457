/**
 * WAL checkpoints from the checkpoint thread (wal-checkpoints.ts): the writer thread's
 * commits no longer copy the WAL back themselves, yet the WAL must be copied back and start
 * over; what the server thread writes on its own must be copied back too; and if the
 * checkpoint thread dies, SQLite's own checkpoints must come back rather than the WAL
 * growing without end.
 *
 * What has been copied back is read from a copy of the database file alone, without its
 * WAL. SQLite's own checkpoints are put out of reach (`backstopPages`), so whatever is
 * there was copied by the checkpoint thread or at its request.
 */
import { copyFileSync, existsSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLocalLog } from '../../src/audit/verify-log.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { SQLITE_AUTOCHECKPOINT, type CheckpointSettings } from '../../src/store/sqlite/wal-checkpoints.js';
import { decisionWarden, docsReader } from '../decisions/fixtures.js';
import { tempDir } from '../helpers.js';

/** One WAL frame: a 24-byte header and a 4 KiB page. */
const FRAME = 24 + 4096;
/** Far past anything these tests write: SQLite never checkpoints on its own here. */
const OUT_OF_REACH = 1_000_000;

let dir: string;
let store: SqliteStore | undefined;

function open(settings: Partial<CheckpointSettings> | false, onCheckpointFailure?: (err: unknown) => void): SqliteStore {
  dir = tempDir('warden-checkpoints-');
  const checkpoints = settings === false ? false : { every: 10, restartFrames: 64, backstopPages: OUT_OF_REACH, intervalMs: 60_000, ...settings };
  store = createSqliteStore(join(dir, 'warden.db'), { hmacKey: Buffer.alloc(32, 7), writerThread: true, checkpoints, ...(onCheckpointFailure ? { onCheckpointFailure } : {}) });
  return store;
}

/** The WAL file's size in frames (it never shrinks: it is the most the WAL has held). */
function walFrames(): number {
  const wal = join(dir, 'warden.db-wal');
  return existsSync(wal) ? Math.floor(statSync(wal).size / FRAME) : 0;
}

/** The WAL header's salt-1, which SQLite adds one to each time the WAL starts over. */
function walSalt(): number {
  const fd = openSync(join(dir, 'warden.db-wal'), 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.readUInt32BE(16);
  } finally {
    closeSync(fd);
  }
}

/** Rows of `table` in the database file itself: what checkpoints have copied back; -1 if the copy cannot be read. */
function copiedRows(table: 'discovered' | 'audit_entries'): number {
  const copy = join(dir, `copy-${Date.now()}-${Math.random()}.db`);
  copyFileSync(join(dir, 'warden.db'), copy);
  const db = new Database(copy, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } catch {
    return -1;
  } finally {
    db.close();
    rmSync(copy, { force: true });
  }
}

/** `n` writes through the writer thread, one commit each: unidentified callers. */
async function writerWrites(s: SqliteStore, n: number, from: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await s.writer!.seen({ key: `traffic:${i}`, kind: 'traffic', label: `caller-${i}`, detail: { i }, at: new Date().toISOString() });
  }
}

afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('checkpoints from the checkpoint thread', () => {
  it('copy the WAL back and start it over, with SQLite’s own checkpoints out of reach', async () => {
    const s = open({});
    await s.writer!.ready;
    await writerWrites(s, 20, 0);
    const salt = walSalt();
    await writerWrites(s, 600, 20);
    // Each further write is a chance for the WAL to start over once the writer has copied
    // what the checkpoint thread left behind.
    let n = 620;
    await expect
      .poll(async () => {
        await writerWrites(s, 1, n++);
        return walSalt() - salt;
      })
      .toBeGreaterThan(0);
    // Copied back. Polled, writing on: a copy of the file taken while the checkpoint thread
    // writes to it can be torn, and on a busy machine a checkpoint asked for can leave
    // frames behind until the next one, which only further writes ask for.
    await expect
      .poll(
        async () => {
          await writerWrites(s, 1, n++);
          return copiedRows('discovered');
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThanOrEqual(600);
  });

  it('leave the server thread a checkpoint only at the backstop', async () => {
    const s = open({ backstopPages: 5000 });
    await s.writer!.ready;
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(5000);
  });

  it('copy back on their own, on a timer, what the server thread writes', async () => {
    // The writer thread never asks (`every` is out of reach).
    const s = open({ every: OUT_OF_REACH, intervalMs: 20 });
    await s.writer!.ready;
    const before = await s.log.size();
    for (let i = 0; i < 50; i++) await s.log.append({ type: 'test.event', actor: 'system', data: { i } });
    await expect.poll(() => copiedRows('audit_entries'), { timeout: 5000 }).toBe(before + 50);
  });

  it('give way to SQLite’s own checkpoints if the checkpoint thread dies: the WAL stays bounded', async () => {
    const failures: unknown[] = [];
    const s = open({}, (err) => failures.push(err));
    await s.writer!.ready;
    await writerWrites(s, 20, 0);
    await s.writer!.checkpointer!.terminate();
    // Reported, for the server's log.
    await expect.poll(() => failures.length).toBe(1);
    expect(String(failures[0])).toMatch(/the checkpoint thread exited with code 1/);
    // The server thread's connection is back to SQLite's default, and so is the writer's:
    // 2,000 more commits of ~2 pages would otherwise leave ~4,000 frames in the WAL.
    await expect.poll(() => s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_AUTOCHECKPOINT);
    await writerWrites(s, 2000, 20);
    expect(walFrames()).toBeLessThan(SQLITE_AUTOCHECKPOINT + 100);
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM discovered').get()).toEqual({ n: 2020 });
  });

  it('report nothing when they stop with the store', async () => {
    const failures: unknown[] = [];
    const s = open({}, (err) => failures.push(err));
    await s.writer!.ready;
    await writerWrites(s, 30, 0);
    await s.close();
    store = undefined;
    expect(failures).toEqual([]);
  });

  it('are not started when turned off: SQLite checkpoints in the commits, as before', async () => {
    const s = open(false);
    await s.writer!.ready;
    expect(s.writer!.checkpointer).toBeUndefined();
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_AUTOCHECKPOINT);
  });

  it('keep a Warden whose WAL is copied back and started over again and again whole: the log verifies and the database checks', async () => {
    const t = await decisionWarden({}, { checkpoints: { every: 5, restartFrames: 32, backstopPages: OUT_OF_REACH, intervalMs: 20 } });
    try {
      dir = t.dir;
      const token = await docsReader(t);
      const start = await t.warden.store.log.size();
      const salt = walSalt();
      // Decisions through the writer thread, beside registrations by the server thread.
      for (let round = 0; round < 15; round++) {
        const decisions = Array.from({ length: 40 }, (_, i) => t.warden.decisions.decide({ token, tool: 'docs.read', target: `docs/${round}-${i}` }));
        await Promise.all([...decisions, t.register(`other-${round}`, ['docs.read'])]);
      }
      expect(await t.warden.store.log.size()).toBe(start + 15 * 41);
      // The WAL started over many times.
      expect(walSalt() - salt).toBeGreaterThanOrEqual(5);
      expect(t.warden.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(await verifyLocalLog(t.dir)).toMatchObject({ ok: true });
    } finally {
      await t.close();
    }
  });

  it('show in /metrics: how long each took, and how long the WAL was', async () => {
    const t = await decisionWarden({}, { checkpoints: { every: 5, restartFrames: 8192, backstopPages: OUT_OF_REACH, intervalMs: 60_000 } });
    try {
      dir = t.dir;
      const token = await docsReader(t);
      const metric = async (name: string) => {
        const line = (await t.request('GET', '/metrics')).body.split('\n').find((l) => l.startsWith(`${name} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      expect(await metric('warden_wal_checkpoint_seconds_count')).toBe(0);
      for (let i = 0; i < 30; i++) await t.warden.decisions.decide({ token, tool: 'docs.read', target: `docs/${i}` });
      await expect.poll(() => metric('warden_wal_checkpoint_seconds_count')).toBeGreaterThan(0);
      expect(await metric('warden_wal_frames')).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

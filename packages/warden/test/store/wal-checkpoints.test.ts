/**
 * WAL checkpoints from the checkpoint thread (wal-checkpoints.ts): the writer thread's
 * commits no longer copy the WAL back themselves, yet the WAL must stay bounded and start
 * over; what the server thread writes on its own must be copied back too; and if the
 * checkpoint thread dies, SQLite's own checkpoints must come back rather than the WAL
 * growing without end.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/db.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { backstopPages, SQLITE_AUTOCHECKPOINT, type CheckpointSettings } from '../../src/store/sqlite/wal-checkpoints.js';
import { tempDir } from '../helpers.js';

/** One WAL frame: a 24-byte header and a 4 KiB page. */
const FRAME = 24 + 4096;

let dir: string;
let store: SqliteStore | undefined;

function open(checkpoints: CheckpointSettings | false, onCheckpointFailure?: (err: unknown) => void): SqliteStore {
  dir = tempDir('warden-checkpoints-');
  store = createSqliteStore(join(dir, 'warden.db'), { hmacKey: Buffer.alloc(32, 7), writerThread: true, checkpoints, ...(onCheckpointFailure ? { onCheckpointFailure } : {}) });
  return store;
}

/** Waits for the writer thread, then empties the WAL the schema was written into, so `walFrames` measures only what follows. */
async function ready(s: SqliteStore): Promise<void> {
  await s.writer!.ready;
  s.db.pragma('wal_checkpoint(TRUNCATE)');
  expect(walFrames()).toBe(0);
}

/** The WAL file's size in frames (it never shrinks: it is the most the WAL has held). */
function walFrames(): number {
  const wal = join(dir, 'warden.db-wal');
  return existsSync(wal) ? Math.floor(statSync(wal).size / FRAME) : 0;
}

/** `n` writes through the writer thread, one commit each: unidentified callers, ~3 pages a commit. */
async function writerWrites(s: SqliteStore, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await s.writer!.seen({ key: `traffic:${i}`, kind: 'traffic', label: `caller-${i}`, detail: { i }, at: new Date().toISOString() });
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  await store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('checkpoints from the checkpoint thread', () => {
  it('keep the WAL bounded, starting it over, below where SQLite would checkpoint', async () => {
    const s = open({ every: 10, restartFrames: 64, intervalMs: 60_000 });
    await ready(s);
    await writerWrites(s, 600);
    // 600 commits of ~3 pages: without checkpoints the WAL would hold ~1,800 frames, and
    // SQLite's own would let it reach 1,000 before copying. It usually starts over near
    // `restartFrames`; a restart can miss while the checkpoint thread holds its locks, so
    // the bound here is the backstop's with room, not `restartFrames`.
    expect(walFrames()).toBeLessThan(600);
    await s.close();
    store = undefined;
    // Everything written is in the database.
    const db = openDatabase(join(dir, 'warden.db'));
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM discovered').get()).toEqual({ n: 600 });
    } finally {
      db.close();
    }
  });

  it('leave the server thread a checkpoint only at the backstop, far past SQLite’s default', async () => {
    const settings = { every: 10, restartFrames: 64, intervalMs: 60_000 };
    const s = open(settings);
    await ready(s);
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(backstopPages(settings));
  });

  it('copy back on their own, on a timer, what the server thread writes', async () => {
    // The writer thread never asks (`every` is out of reach), and the backstop is at 4,000.
    const s = open({ every: 1_000_000, restartFrames: 1000, intervalMs: 20 });
    await ready(s);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 30; i++) await s.log.append({ type: 'test.event', actor: 'system', data: { round, i } });
      await pause(150);
    }
    // 300 appends of ~4 pages each: ~1,200 frames if nothing copied them back between rounds.
    expect(walFrames()).toBeLessThan(400);
  });

  it('give way to SQLite’s own checkpoints if the checkpoint thread dies: the WAL stays bounded', async () => {
    // A backstop (8,000 pages) the writes below never reach: only SQLite's default bounds them.
    const failures: unknown[] = [];
    const s = open({ every: 10, restartFrames: 2000, intervalMs: 60_000 }, (err) => failures.push(err));
    await ready(s);
    await writerWrites(s, 20);
    await s.writer!.checkpointer!.terminate();
    // Reported, for the server's log.
    await expect.poll(() => failures.length).toBe(1);
    expect(String(failures[0])).toMatch(/the checkpoint thread exited with code 1/);
    // The server thread's connection is back to SQLite's default.
    await expect.poll(() => s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_AUTOCHECKPOINT);
    // 2,000 commits of ~3 pages: ~6,000 frames unless the writer's commits checkpoint again.
    await writerWrites(s, 2000, 20);
    expect(walFrames()).toBeLessThan(SQLITE_AUTOCHECKPOINT + 100);
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM discovered').get()).toEqual({ n: 2020 });
  });

  it('report nothing when they stop with the store', async () => {
    const failures: unknown[] = [];
    const s = open({ every: 10, restartFrames: 64, intervalMs: 60_000 }, (err) => failures.push(err));
    await ready(s);
    await writerWrites(s, 30);
    await s.close();
    store = undefined;
    expect(failures).toEqual([]);
  });

  it('are not started when turned off: SQLite checkpoints in the commits, as before', async () => {
    const s = open(false);
    await ready(s);
    expect(s.writer!.checkpointer).toBeUndefined();
    expect(s.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_AUTOCHECKPOINT);
  });
});

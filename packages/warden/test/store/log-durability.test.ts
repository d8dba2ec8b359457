/**
 * The appender's durability promise: no append resolves before the write-ahead log that
 * holds it has been fsynced, and a failed fsync fails the whole batch closed.
 */
import type * as NodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const gate = vi.hoisted(() => ({ held: [] as Array<(err: Error | null) => void>, calls: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  return {
    ...fs,
    // Holds every fsync until the test releases it.
    fsync: (fd: number, cb: (err: Error | null) => void) => {
      gate.calls++;
      gate.held.push((err) => (err ? cb(err) : fs.fsync(fd, cb)));
    },
  };
});

const { openDatabase } = await import('../../src/store/sqlite/db.js');
const { SqliteLog } = await import('../../src/store/sqlite/log.js');

describe('append waits for the WAL fsync', () => {
  let dir: string;
  let log: InstanceType<typeof SqliteLog>;
  let db: ReturnType<typeof openDatabase>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-durable-'));
    db = openDatabase(join(dir, 'w.db'));
    log = new SqliteLog(db, { hmacKey: Buffer.alloc(32, 1) });
    gate.held.length = 0;
    gate.calls = 0;
  });
  afterEach(() => {
    for (const release of gate.held.splice(0)) release(null);
    log.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not resolve a committed batch until its fsync completes', async () => {
    let resolved = 0;
    const appends = Array.from({ length: 5 }, (_, i) => log.append({ type: 't', actor: 'system', data: { i } }).then((r) => (resolved++, r)));
    await new Promise((r) => setTimeout(r, 30));
    // Committed (visible to readers), yet nobody has been told.
    expect(log.sizeSync()).toBe(5);
    expect(resolved).toBe(0);
    expect(gate.calls).toBe(1);
    for (const release of gate.held.splice(0)) release(null);
    const receipts = await Promise.all(appends);
    expect(receipts.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects the whole batch with AUDIT_UNAVAILABLE when the fsync fails', async () => {
    const appends = Array.from({ length: 3 }, (_, i) => log.append({ type: 't', actor: 'system', data: { i } }));
    await new Promise((r) => setTimeout(r, 30));
    for (const release of gate.held.splice(0)) release(new Error('EIO'));
    const outcomes = await Promise.allSettled(appends);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect((o as PromiseRejectedResult).reason.code).toBe('AUDIT_UNAVAILABLE');
    }
  });
});

/**
 * The SQLite audit appender: durable group commits, a gap-free sequence across
 * connections, the stored tree, sensitive fields, and failing closed.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { closeSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WardenError } from '../../src/errors.js';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { leafHash, rootFromLeafHashes } from '../../src/audit/merkle.js';
import { inclusionProof, rootAt } from '../../src/audit/tree.js';
import { verifyInclusion } from '../../src/audit/verify.js';
import type { AuditEvent } from '../../src/store/audit-types.js';
import { openDatabase, type Db } from '../../src/store/sqlite/db.js';
import { leafParts, SqliteLog } from '../../src/store/sqlite/log.js';
import { redactedPreview } from '../../src/audit/redact.js';
import { tempDir } from '../helpers.js';

const HMAC_KEY = Buffer.alloc(32, 7);
const T = '2026-01-05T10:00:00.000Z';
const event = (i: number, extra: Partial<AuditEvent> = {}): AuditEvent => ({
  type: 'test.event',
  actor: 'system',
  subject: `thing:${i}`,
  time: T,
  data: { i },
  ...extra,
});

function codeOf(err: unknown): string {
  return err instanceof WardenError ? err.code : `not a WardenError: ${String(err)}`;
}

describe('SqliteLog', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let log: SqliteLog;

  beforeEach(() => {
    dir = tempDir();
    file = join(dir, 'warden.db');
    db = openDatabase(file);
    db.exec('CREATE TABLE things (id INTEGER PRIMARY KEY, log_index INTEGER NOT NULL)');
    log = new SqliteLog(db, { hmacKey: HMAC_KEY });
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Counts the flushes that committed something. */
  function countCommits(): () => number {
    let commits = 0;
    const flush = log.flush.bind(log);
    log.flush = () => {
      commits += 1;
      flush();
    };
    return () => commits;
  }

  describe('durable appends and group commit', () => {
    it('gives 500 concurrent appends distinct consecutive indexes, in one group commit', async () => {
      const commits = countCommits();
      const receipts = await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(event(i))));
      expect(receipts.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(commits()).toBe(1);
      expect(await log.size()).toBe(500);
    });

    it('keeps appending in order across many commits', async () => {
      const out: number[] = [];
      for (let round = 0; round < 5; round++) {
        const receipts = await Promise.all(Array.from({ length: 7 }, (_, i) => log.append(event(round * 7 + i))));
        out.push(...receipts.map((r) => r.index));
      }
      expect(out).toEqual(Array.from({ length: 35 }, (_, i) => i));
    });

    it('returns receipts whose leafHash is the hash of the canonical entry stored at that index', async () => {
      const receipts = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(event(i))));
      const stored = await log.entries(0, 20);
      for (const [i, receipt] of receipts.entries()) {
        const entry = stored[receipt.index]?.entry;
        expect(entry).toEqual({ v: 1, index: receipt.index, time: T, type: 'test.event', actor: 'system', subject: `thing:${i}`, data: { i } });
        expect(receipt.leafHash).toBe(leafHash(canonicalBytes(entry)).toString('base64'));
        expect(stored[receipt.index]?.leafHash).toBe(receipt.leafHash);
      }
    });

    it('stores the exact canonical bytes as the entry text', async () => {
      await log.append(event(1, { data: { z: 1, a: [true, null, 'é'] } }));
      const [raw] = log.rawEntries(0, 1);
      expect(raw?.text).toBe('{"actor":"system","data":{"a":[true,null,"é"],"z":1},"index":0,"subject":"thing:1","time":"2026-01-05T10:00:00.000Z","type":"test.event","v":1}');
      expect(raw?.leafHash.equals(leafHash(Buffer.from(raw.text, 'utf8')))).toBe(true);
    });

    it('resolves only once the entry is committed: another connection already sees it', async () => {
      const other = new Database(file, { readonly: true });
      try {
        const seen = await log.append(event(1)).then(() => other.prepare('SELECT COUNT(*) AS n FROM audit_entries').get());
        expect(seen).toEqual({ n: 1 });
      } finally {
        other.close();
      }
    });

    it('runs apply with the index the entry gets, in the same transaction', async () => {
      await log.append(event(0));
      const receipt = await log.append(event(1), (index) => db.prepare('INSERT INTO things (id, log_index) VALUES (1, ?)').run(index));
      expect(receipt.index).toBe(1);
      expect(db.prepare('SELECT log_index FROM things WHERE id = 1').get()).toEqual({ log_index: 1 });
    });

    it('reports each fsync that made a batch durable, once per group commit', async () => {
      const syncs: number[] = [];
      const observed = new SqliteLog(db, { hmacKey: HMAC_KEY, onSync: (seconds) => syncs.push(seconds) });
      await Promise.all(Array.from({ length: 50 }, (_, i) => observed.append(event(i))));
      expect(syncs).toHaveLength(1);
      await observed.append(event(50));
      expect(syncs).toHaveLength(2);
      for (const s of syncs) expect(s).toBeGreaterThan(0);
      observed.close();
    });

    describe('fsyncing inline when nothing else waits (the writer thread)', () => {
      it('resolves a lone append only after its fsync, reported once, and overlaps fsyncs under load as before', async () => {
        const syncs: number[] = [];
        const inline = new SqliteLog(db, { hmacKey: HMAC_KEY, onSync: (seconds) => syncs.push(seconds), syncAloneInline: true });
        let settled = false;
        const appended = inline.append(event(0)).then((r) => {
          settled = true;
          return r;
        });
        // Committed and fsynced within the flush itself: settled without waiting for I/O.
        inline.flush();
        await Promise.resolve();
        expect(settled).toBe(true);
        const receipt = await appended;
        expect(syncs).toHaveLength(1);
        // Another connection (another process) sees it: committed, then resolved.
        const other = new Database(file, { readonly: true });
        try {
          expect(other.prepare('SELECT COUNT(*) FROM audit_entries').pluck().get()).toBe(receipt.index + 1);
        } finally {
          other.close();
        }
        await Promise.all(Array.from({ length: 50 }, (_, i) => inline.append(event(i + 1))));
        expect(syncs).toHaveLength(2);
        inline.close();
      });

      it('rejects the batch with AUDIT_UNAVAILABLE when the inline fsync fails', async () => {
        const inline = new SqliteLog(db, { hmacKey: HMAC_KEY, syncAloneInline: true });
        await inline.append(event(0));
        // Pull the WAL's descriptor from under the log: its next fsync fails (EBADF).
        const held = inline as unknown as { walFd: number | undefined };
        closeSync(held.walFd!);
        const failed = await inline.append(event(1)).catch((e: unknown) => e);
        expect(codeOf(failed)).toBe('AUDIT_UNAVAILABLE');
        // Its descriptor is already closed: the log must not close it again.
        held.walFd = undefined;
      });
    });

    it('fills in the time when the event has none', async () => {
      const at = new Date('2026-02-03T04:05:06.007Z');
      const timed = new SqliteLog(db, { hmacKey: HMAC_KEY, now: () => at });
      await timed.append({ type: 't', actor: 'system', data: {} });
      expect((await timed.entries(0, 1))[0]?.entry.time).toBe('2026-02-03T04:05:06.007Z');
    });
  });

  describe('the stored tree', () => {
    it('stores every complete subtree above the leaves so roots and proofs match the reference', async () => {
      await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(event(i))));
      const leaves = (await log.entries(0, 100)).map((e) => Buffer.from(e.leafHash, 'base64'));
      for (const size of [1, 2, 3, 7, 8, 64, 99, 100]) {
        expect(rootAt(size, log).equals(rootFromLeafHashes(leaves.slice(0, size)))).toBe(true);
      }
      const root = rootAt(100, log);
      for (const index of [0, 1, 63, 64, 99]) {
        expect(verifyInclusion(leaves[index] as Buffer, index, 100, inclusionProof(index, 100, log), root)).toBe(true);
      }
      // Level 0 lives with the entries; levels >= 1 hold floor(100/2) + floor(100/4) + … rows.
      expect(db.prepare('SELECT COUNT(*) AS n FROM audit_nodes WHERE level = 0').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM audit_nodes').get()).toEqual({ n: 50 + 25 + 12 + 6 + 3 + 1 });
    });

    it('stays gap-free and one tree when two connections (two processes) append to one file', async () => {
      const db2 = openDatabase(file);
      try {
        const log2 = new SqliteLog(db2, { hmacKey: HMAC_KEY });
        const all = [];
        for (let round = 0; round < 6; round++) {
          all.push(...(await Promise.all([log.append(event(round)), log2.append(event(100 + round)), log2.append(event(200 + round))])));
        }
        expect(all.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i));
        const leaves = (await log.entries(0, 18)).map((e) => Buffer.from(e.leafHash, 'base64'));
        expect(rootAt(18, log).equals(rootFromLeafHashes(leaves))).toBe(true);
        expect(rootAt(18, log2).equals(rootFromLeafHashes(leaves))).toBe(true);
      } finally {
        db2.close();
      }
    });
  });

  describe('sensitive fields', () => {
    const args = { to: 'alice@example.com', token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', body: 'hello' };

    it('puts an HMAC digest and a redacted preview in the leaf, never the raw value', async () => {
      await log.append(event(1, { sensitive: { args } }));
      const [raw] = log.rawEntries(0, 1);
      const entry = JSON.parse(raw?.text ?? '{}') as { sensitive: Record<string, { digest: string; preview: string }> };
      expect(entry.sensitive.args?.digest).toBe(createHmac('sha256', HMAC_KEY).update(canonicalBytes(args)).digest('base64'));
      expect(entry.sensitive.args?.preview).toContain('[redacted]');
      expect(raw?.text).not.toContain('alice@example.com');
      expect(raw?.text).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    });

    it('keeps the raw value, canonical, in audit_secrets under the entry index', async () => {
      await log.append(event(0));
      await log.append(event(1, { sensitive: { args } }));
      expect(db.prepare('SELECT idx, field, value, erased_at FROM audit_secrets').all()).toEqual([
        { idx: 1, field: 'args', value: canonicalBytes(args).toString('utf8'), erased_at: null },
      ]);
    });

    it('erases raw values without touching the leaves', async () => {
      await log.append(event(1, { sensitive: { args }, time: '2026-01-01T00:00:00.000Z' }));
      await log.append(event(2, { sensitive: { args }, time: '2026-03-01T00:00:00.000Z' }));
      const before = log.rawEntries(0, 2);
      expect(log.eraseSecrets('2026-04-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z')).toBe(1);
      expect(db.prepare('SELECT idx, value, erased_at FROM audit_secrets ORDER BY idx').all()).toEqual([
        { idx: 0, value: null, erased_at: '2026-04-01T00:00:00.000Z' },
        { idx: 1, value: canonicalBytes(args).toString('utf8'), erased_at: null },
      ]);
      expect(log.eraseSecrets('2026-04-02T00:00:00.000Z')).toBe(1);
      expect(log.rawEntries(0, 2)).toEqual(before);
    });

    it('erases the raw values of entries committed in the same batch as the erasure', async () => {
      const data = { erased: 0 };
      const [, erasure] = await Promise.all([
        log.append(event(1, { sensitive: { args }, time: '2026-01-01T00:00:00.000Z' })),
        log.append({ type: 'audit.erased', actor: 'system', time: '2026-04-01T00:00:00.000Z', data }, () => {
          data.erased = log.eraseSecrets('2026-04-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z');
        }),
      ]);
      expect(erasure.index).toBe(1);
      expect((await log.entries(1, 2))[0]?.entry.data).toEqual({ erased: 1 });
      expect(db.prepare('SELECT value FROM audit_secrets').all()).toEqual([{ value: null }]);
    });
  });

  describe('failing closed', () => {
    it('rejects appends with AUDIT_UNAVAILABLE when the database is closed under the log', async () => {
      await log.append(event(0));
      db.close();
      const results = await Promise.allSettled([log.append(event(1)), log.append(event(2))]);
      expect(results.map((r) => (r.status === 'rejected' ? codeOf(r.reason) : 'resolved'))).toEqual(['AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE']);
    });

    it('rejects every append of the batch with AUDIT_UNAVAILABLE when a write fails, and keeps none of their changes', async () => {
      await log.append(event(0));
      db.exec("CREATE TRIGGER broken BEFORE INSERT ON audit_entries WHEN NEW.idx = 2 BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
      const results = await Promise.allSettled(
        [1, 2, 3].map((i) => log.append(event(i), () => db.prepare('INSERT INTO things (id, log_index) VALUES (?, 0)').run(i))),
      );
      expect(results.map((r) => (r.status === 'rejected' ? codeOf(r.reason) : 'resolved'))).toEqual(['AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE']);
      expect(await log.size()).toBe(1);
      expect(db.prepare('SELECT COUNT(*) AS n FROM things').get()).toEqual({ n: 0 });
    });

    it('continues the sequence and the tree after a failed batch', async () => {
      await log.append(event(0));
      db.exec("CREATE TRIGGER broken BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
      await expect(log.append(event(1))).rejects.toThrow('the audit log could not be written');
      db.exec('DROP TRIGGER broken');
      const receipts = await Promise.all([log.append(event(2)), log.append(event(3))]);
      expect(receipts.map((r) => r.index)).toEqual([1, 2]);
      const leaves = (await log.entries(0, 3)).map((e) => Buffer.from(e.leafHash, 'base64'));
      expect(rootAt(3, log).equals(rootFromLeafHashes(leaves))).toBe(true);
    });

    it('fails the whole batch when a state change meets a storage failure', async () => {
      const results = await Promise.allSettled([
        log.append(event(1)),
        log.append(event(2), () => {
          throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
        }),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? codeOf(r.reason) : 'resolved'))).toEqual(['AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE']);
      expect(await log.size()).toBe(0);
    });

    it('fails only its own append when apply throws, undoing what it wrote', async () => {
      const results = await Promise.allSettled([
        log.append(event(1), () => db.prepare('INSERT INTO things (id, log_index) VALUES (1, 0)').run()),
        log.append(event(2), () => {
          db.prepare('INSERT INTO things (id, log_index) VALUES (2, 0)').run();
          throw new Error('approval already used');
        }),
        log.append(event(3), () => db.prepare('INSERT INTO things (id, log_index) VALUES (3, 0)').run()),
      ]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.index : (r.reason as Error).message))).toEqual([0, 'approval already used', 1]);
      expect(db.prepare('SELECT id FROM things ORDER BY id').all()).toEqual([{ id: 1 }, { id: 3 }]);
      expect((await log.entries(0, 2)).map((e) => e.entry.subject)).toEqual(['thing:1', 'thing:3']);
    });

    it('fails the whole batch, keeping nothing, when apply rolls back the whole transaction', async () => {
      db.exec("CREATE TRIGGER rollback_all BEFORE INSERT ON things WHEN NEW.id = 2 BEGIN SELECT RAISE(ROLLBACK, 'refused'); END");
      const results = await Promise.allSettled(
        [1, 2, 3].map((i) => log.append(event(i), () => db.prepare('INSERT INTO things (id, log_index) VALUES (?, 0)').run(i))),
      );
      expect(results.map((r) => (r.status === 'rejected' ? codeOf(r.reason) : 'resolved'))).toEqual(['AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE', 'AUDIT_UNAVAILABLE']);
      expect(db.prepare('SELECT id FROM things').all()).toEqual([]);
      expect(await log.size()).toBe(0);
      // The log goes on where it was.
      db.exec('DROP TRIGGER rollback_all');
      expect((await log.append(event(4))).index).toBe(0);
    });

    it('fails only its own append when the event is not plain JSON', async () => {
      const results = await Promise.allSettled([log.append(event(1)), log.append(event(2, { data: { at: new Date(0) } })), log.append(event(3))]);
      expect(results[1]?.status === 'rejected' && results[1].reason instanceof TypeError).toBe(true);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.index : 'rejected'))).toEqual([0, 'rejected', 1]);
    });

    it('commits what is queued on close and rejects later appends with AUDIT_UNAVAILABLE', async () => {
      const queued = log.append(event(1));
      log.close();
      await expect(queued).resolves.toEqual({ index: 0, leafHash: expect.any(String) });
      await expect(log.append(event(2))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    });
  });
});

describe('leafParts', () => {
  /** A small deterministic generator: the same events every run. */
  function* events(n: number): Generator<AuditEvent> {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const keys = ['index', 'v', 'actor', 'Z', 'é', 'a\u0000b', '😀', 'data', '10', '__proto__x', 'time', ''];
    const strings = ['', 'plain', '"quoted"', 'line\nbreak', 'ü€😀', '\u2028', '</script>', ',"index":7,'];
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 2 || r < 0.3) return strings[Math.floor(rand() * strings.length)];
      if (r < 0.45) return Math.floor(rand() * 1e6) / (rand() < 0.5 ? 1 : 7);
      if (r < 0.5) return rand() < 0.5 ? null : true;
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rand() * 5) }, () => [keys[Math.floor(rand() * keys.length)], value(depth + 1)]));
    };
    for (let i = 0; i < n; i++) {
      const data: Record<string, unknown> = Object.fromEntries(Array.from({ length: Math.floor(rand() * 6) }, () => [keys[Math.floor(rand() * keys.length)], value(1)]));
      // A key named like the entry's own, with the value the split would look for.
      if (rand() < 0.5) data.index = i;
      const e: AuditEvent = { type: `t.${i % 3}`, actor: strings[i % strings.length] as string, data };
      if (rand() < 0.5) e.subject = `thing:${i}`;
      if (rand() < 0.4) e.sensitive = { args: value(0), 'z-other': 'secret sk_live_abcdefghijklmnop' };
      yield e;
    }
  }

  it('splits exactly the canonical JSON of the whole entry at its index, for any event', () => {
    let checked = 0;
    for (const e of events(500)) {
      const { head, tail, secrets } = leafParts(e, T, HMAC_KEY);
      const sensitive =
        e.sensitive === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(e.sensitive).map(([field, v]) => [
                field,
                { digest: createHmac('sha256', HMAC_KEY).update(canonicalBytes(v)).digest('base64'), preview: redactedPreview(v) },
              ]),
            );
      for (const index of [0, 7, 123456789]) {
        const entry = { v: 1, index, time: T, type: e.type, actor: e.actor, data: e.data, ...(e.subject === undefined ? {} : { subject: e.subject }), ...(sensitive ? { sensitive } : {}) };
        expect(head + index + tail).toBe(canonicalBytes(entry).toString('utf8'));
      }
      expect(secrets).toEqual(Object.entries(e.sensitive ?? {}).map(([field, v]) => [field, canonicalBytes(v).toString('utf8')]));
      checked++;
    }
    expect(checked).toBe(500);
  });

  it('refuses an event that is not plain JSON, naming where in the entry', () => {
    expect(() => leafParts({ type: 't', actor: 'system', data: { list: [1, Number.NaN] } }, T, HMAC_KEY)).toThrow('`$.data.list[1]`');
    expect(() => leafParts({ type: 't', actor: undefined as never, data: {} }, T, HMAC_KEY)).toThrow(TypeError);
  });
});

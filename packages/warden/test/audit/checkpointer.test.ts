/**
 * Signed checkpoints and the log key, through `warden.audit`: signatures that verify
 * with the published key, consistency between successive checkpoints, the timer, and
 * the last checkpoint at shutdown.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openCheckpoint } from '../../src/audit/checkpoint.js';
import { logKeyPath } from '../../src/audit/log-key.js';
import { parseVerifierKey } from '../../src/audit/note.js';
import { rootAt } from '../../src/audit/tree.js';
import { verifyConsistency } from '../../src/audit/verify.js';
import { validateConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createWarden, type Warden } from '../../src/warden.js';
import { tempDir } from '../helpers.js';

const opened: Array<{ warden: Warden; dir: string }> = [];

async function open(overrides: Partial<ConfigInput> = {}, dir = tempDir()): Promise<Warden> {
  const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent', ...overrides }));
  opened.push({ warden, dir });
  return warden;
}

async function appendSome(warden: Warden, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => warden.store.log.append({ type: 'test.event', actor: 'system', data: { i } })));
}

afterEach(async () => {
  vi.useRealTimers();
  for (const { warden, dir } of opened.splice(0)) {
    await warden.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the log key', () => {
  it('is an Ed25519 key in its own 0600 file, named by a stable random origin', async () => {
    const dir = tempDir();
    const first = await open({}, dir);
    const vkey = first.audit.logKey();
    expect(vkey).toMatch(/^warden\.local\/[0-9a-f]{16}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(statSync(logKeyPath(first.dataDir)).mode & 0o777).toBe(0o600);
    expect(readFileSync(logKeyPath(first.dataDir), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    await first.close();
    const again = await open({}, dir);
    expect(again.audit.logKey()).toBe(vkey);
  });

  it('takes its name from WARDEN_LOG_ORIGIN when set', async () => {
    const warden = await open({ logOrigin: 'audit.example.com/warden' });
    expect(parseVerifierKey(warden.audit.logKey()).name).toBe('audit.example.com/warden');
    expect((await warden.audit.checkpoint()).note.split('\n')[0]).toBe('audit.example.com/warden');
  });

  it('refuses an origin with a scheme', async () => {
    await expect(open({ logOrigin: 'https://audit.example.com' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('refuses an origin with a space', async () => {
    await expect(open({ logOrigin: 'audit example' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('is encrypted at rest when a master key is set', async () => {
    const warden = await open({ masterKey: 'm'.repeat(40) });
    expect(readFileSync(logKeyPath(warden.dataDir), 'utf8')).toMatch(/^warden-enc-v1:/);
    const head = openCheckpoint((await warden.audit.checkpoint()).note, parseVerifierKey(warden.audit.logKey()));
    expect(head.size).toBe(await warden.store.log.size());
  });
});

describe('checkpoints', () => {
  it('signs the current size and root, verifiable with the published log key', async () => {
    const warden = await open();
    await appendSome(warden, 10);
    const stored = await warden.audit.checkpoint();
    const head = openCheckpoint(stored.note, parseVerifierKey(warden.audit.logKey()));
    const size = await warden.store.log.size();
    expect({ size: head.size, root: head.root.toString('hex') }).toEqual({ size, root: rootAt(size, warden.store.log).toString('hex') });
    expect({ size: stored.size, root: stored.root.toString('hex') }).toEqual({ size, root: head.root.toString('hex') });
  });

  it('makes no new checkpoint while the tree has not grown', async () => {
    const warden = await open();
    const first = await warden.audit.checkpoint();
    const second = await warden.audit.checkpoint();
    expect(second).toEqual(first);
    expect(warden.store.db.prepare('SELECT COUNT(*) AS n FROM audit_checkpoints').get()).toEqual({ n: 1 });
  });

  it('keeps every checkpoint, each consistent with the next', async () => {
    const warden = await open();
    const heads = [];
    for (const n of [3, 1, 8, 20]) {
      await appendSome(warden, n);
      heads.push(await warden.audit.checkpoint());
    }
    const rows = warden.store.db.prepare('SELECT size FROM audit_checkpoints ORDER BY size').all() as Array<{ size: number }>;
    expect(rows.map((r) => r.size)).toEqual(heads.map((h) => h.size));
    for (let i = 1; i < heads.length; i++) {
      const a = heads[i - 1] as (typeof heads)[number];
      const b = heads[i] as (typeof heads)[number];
      const proof = await warden.audit.consistencyProof(a.size, b.size);
      expect(verifyConsistency(a.size, b.size, proof, a.root, b.root)).toBe(true);
    }
  });

  it('makes one per interval while the tree grows, none while it does not', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const warden = await open({ checkpointIntervalMs: 1000 });
    const count = () => (warden.store.db.prepare('SELECT COUNT(*) AS n FROM audit_checkpoints').get() as { n: number }).n;
    await appendSome(warden, 2);
    expect(count()).toBe(0);
    vi.advanceTimersByTime(999);
    expect(count()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(count()).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(count()).toBe(1);
    await appendSome(warden, 1);
    vi.advanceTimersByTime(1000);
    expect(count()).toBe(2);
    expect((await warden.audit.latestCheckpoint())?.size).toBe(await warden.store.log.size());
  });

  it('signs a last checkpoint of the whole log at shutdown', async () => {
    const warden = await open({ checkpointIntervalMs: 3_600_000 });
    await appendSome(warden, 5);
    const pending = warden.store.log.append({ type: 'test.last', actor: 'system', data: {} });
    await warden.close();
    await pending;
    const db = new Database(join(warden.dataDir, 'warden.db'), { readonly: true });
    try {
      const size = (db.prepare('SELECT COUNT(*) AS n FROM audit_entries').get() as { n: number }).n;
      const latest = db.prepare('SELECT size, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1').get() as { size: number; note: string };
      expect(latest.size).toBe(size);
      expect(openCheckpoint(latest.note, parseVerifierKey(warden.audit.logKey())).size).toBe(size);
    } finally {
      db.close();
    }
  });

  it('serves the checkpoint of a given size, and nothing for an unsigned size', async () => {
    const warden = await open();
    await appendSome(warden, 4);
    const head = await warden.audit.checkpoint();
    expect(await warden.audit.checkpointAt(head.size)).toEqual(head);
    expect(await warden.audit.checkpointAt(head.size - 1)).toBeUndefined();
  });
});

describe('proofs through warden.audit', () => {
  it('refuses a tree size past the log with OUT_OF_RANGE', async () => {
    const warden = await open();
    const size = await warden.store.log.size();
    await expect(warden.audit.inclusionProof(0, size + 1)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });

  it('refuses an index at the tree size with OUT_OF_RANGE', async () => {
    const warden = await open();
    const size = await warden.store.log.size();
    await expect(warden.audit.inclusionProof(size, size)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });

  it('refuses a consistency proof to a size past the log with OUT_OF_RANGE', async () => {
    const warden = await open();
    const size = await warden.store.log.size();
    await expect(warden.audit.consistencyProof(0, size + 1)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });

  it('refuses a consistency proof from a larger to a smaller size with OUT_OF_RANGE', async () => {
    const warden = await open();
    await appendSome(warden, 3);
    await expect(warden.audit.consistencyProof(2, 1)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
  });
});

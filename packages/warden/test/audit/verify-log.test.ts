/**
 * `verifyLocalLog` and the `Frontier` it rebuilds the tree with: every chunk size gives
 * the same answer, a server may append meanwhile, and nothing is created or migrated.
 */
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frontier } from '../../src/audit/frontier.js';
import { leafHash } from '../../src/audit/merkle.js';
import { MemoryTree } from '../../src/audit/memory-tree.js';
import { verifyLocalLog } from '../../src/audit/verify-log.js';
import { validateConfig } from '../../src/config/load.js';
import { createWarden, type Warden } from '../../src/warden.js';
import { tempDir } from '../helpers.js';

describe('Frontier', () => {
  it('has the root and completes the subtrees a MemoryTree stores, for every size up to 130', () => {
    const frontier = new Frontier();
    const tree = new MemoryTree();
    expect(frontier.root().equals(tree.root())).toBe(true);
    for (let i = 0; i < 130; i++) {
      const leaf = leafHash(Buffer.from(`leaf ${i}`));
      const seen: string[] = [];
      frontier.append(leaf, (level, index, hash) => seen.push(`${level}/${index}/${hash.toString('hex')}`));
      tree.append(leaf);
      const want: string[] = [];
      for (let level = 1, index = i; index % 2 === 1; level++) {
        index = (index - 1) / 2;
        want.push(`${level}/${index}/${(tree.getNode(level, index) as Buffer).toString('hex')}`);
      }
      expect(seen).toEqual(want);
      expect(frontier.size).toBe(i + 1);
      expect(frontier.root().equals(tree.root())).toBe(true);
    }
  });
});

describe('verifyLocalLog', () => {
  let dir: string;
  let vkey: string;
  let n: number;
  beforeAll(async () => {
    dir = tempDir();
    const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent', checkpointIntervalMs: 3_600_000 }));
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 21 }, (_, i) => warden.store.log.append({ type: 'test.event', actor: 'system', data: { round, i } })));
      await warden.audit.checkpoint();
    }
    vkey = warden.audit.logKey();
    n = await warden.store.log.size();
    await warden.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 2, 3, 7, 64, 8192])('verifies the same way reading %i entries at a time', async (chunk) => {
    const result = await verifyLocalLog(dir, { logKey: vkey, chunk });
    expect(result).toMatchObject({ ok: true, entries: n, checkpoints: 5, unsigned: 0, keySource: 'provided', latest: { size: n } });
  });

  it.each([1, 3, 64])('finds a changed subtree hash reading %i entries at a time', async (chunk) => {
    const copy = tempDir();
    try {
      cpSync(dir, copy, { recursive: true });
      const db = new Database(join(copy, 'warden.db'));
      db.prepare('UPDATE audit_nodes SET hash = zeroblob(32) WHERE level = 3 AND idx = 5').run();
      db.close();
      expect(await verifyLocalLog(copy, { logKey: vkey, chunk })).toMatchObject({ ok: false, index: 47, code: 'NODE_MISMATCH' });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('reports progress up to the whole log', async () => {
    const seen: Array<[number, number]> = [];
    await verifyLocalLog(dir, { logKey: vkey, chunk: 40, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([
      [40, n],
      [80, n],
      [n, n],
    ]);
  });

  it('fails with LOG_KEY_MISSING when there is neither a key file nor --log-key', async () => {
    const empty = tempDir();
    try {
      await expect(verifyLocalLog(empty)).rejects.toMatchObject({ code: 'LOG_KEY_MISSING' });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('fails with DATABASE_NOT_FOUND and creates nothing in a directory without a database', async () => {
    const empty = tempDir();
    try {
      await expect(verifyLocalLog(empty, { logKey: vkey })).rejects.toMatchObject({ code: 'DATABASE_NOT_FOUND' });
      expect(readdirSync(empty)).toEqual([]);
      expect(existsSync(join(empty, 'warden.db'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('verifies a snapshot while a running Warden keeps appending', async () => {
    const live = tempDir();
    let warden: Warden | undefined;
    try {
      warden = await createWarden(validateConfig({ dataDir: live, logLevel: 'silent' }));
      const w = warden;
      await Promise.all(Array.from({ length: 50 }, (_, i) => w.store.log.append({ type: 'test.event', actor: 'system', data: { i } })));
      await w.audit.checkpoint();
      const appending = Promise.all(Array.from({ length: 200 }, (_, i) => w.store.log.append({ type: 'test.more', actor: 'system', data: { i } })));
      const result = await verifyLocalLog(live, { logKey: w.audit.logKey(), chunk: 10 });
      await appending;
      expect(result.ok).toBe(true);
      expect(await verifyLocalLog(live, { logKey: w.audit.logKey() })).toMatchObject({ ok: true, entries: await w.store.log.size() });
    } finally {
      await warden?.close();
      rmSync(live, { recursive: true, force: true });
    }
  });

  it('fails with SECRET_UNREADABLE for an encrypted key without the master key', async () => {
    const enc = tempDir();
    try {
      const warden = await createWarden(validateConfig({ dataDir: enc, logLevel: 'silent', masterKey: 'k'.repeat(40) }));
      await warden.close();
      await expect(verifyLocalLog(enc)).rejects.toMatchObject({ code: 'SECRET_UNREADABLE' });
      expect(await verifyLocalLog(enc, { masterKey: 'k'.repeat(40) })).toMatchObject({ ok: true, keySource: 'data-dir' });
    } finally {
      rmSync(enc, { recursive: true, force: true });
    }
  });
});

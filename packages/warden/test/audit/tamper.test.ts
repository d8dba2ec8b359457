/**
 * Tampering with a real data directory: a Warden makes real changes and closes, then the
 * SQLite file is edited directly, as an attacker holding it (or an administrator) would.
 * `warden audit verify` must fail, exit non-zero, and name the index, every time.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../src/audit/checkpoint.js';
import { loadLogKey } from '../../src/audit/log-key.js';
import { leafHash } from '../../src/audit/merkle.js';
import { MemoryTree } from '../../src/audit/memory-tree.js';
import { createNoteSigner, parseVerifierKey, verifierKey } from '../../src/audit/note.js';
import { validateConfig } from '../../src/config/load.js';
import { createWarden } from '../../src/warden.js';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run.js';

interface Fixture {
  dir: string;
  vkey: string;
  origin: string;
  /** Sizes of the three checkpoints: a < b < n (n = the whole log, signed at shutdown). */
  a: number;
  b: number;
  n: number;
  /** An odd index between a and b, with room after it. */
  k: number;
}

async function buildFixture(): Promise<Fixture> {
  const dir = tempDir('warden-tamper-');
  const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent', checkpointIntervalMs: 3_600_000 }));
  await warden.keys.create({ owner: 'human:alice', role: 'auditor' }, 'system');
  await warden.agents.register({ id: 'bot-1', name: 'Bot', owner: 'human:alice' }, 'human:alice');
  for (let i = 0; i < 6; i++) await warden.store.log.append({ type: 'test.event', actor: 'system', data: { i }, sensitive: { args: { i, note: 'x' } } });
  const a = (await warden.audit.checkpoint()).size;
  await warden.tools.put('forum.post', { categories: ['publish'] }, 'human:alice');
  await warden.agents.suspend('bot-1', 'human:alice', 'testing');
  for (let i = 0; i < 12; i++) await warden.store.log.append({ type: 'test.event', actor: 'system', data: { i } });
  const b = (await warden.audit.checkpoint()).size;
  for (let i = 0; i < 9; i++) await warden.store.log.append({ type: 'test.event', actor: 'system', data: { late: i } });
  const vkey = warden.audit.logKey();
  await warden.close();
  const n = b + 9;
  const k = a % 2 === 0 ? a + 3 : a + 2;
  return { dir, vkey, origin: parseVerifierKey(vkey).name, a, b, n, k };
}

describe('warden audit verify on a tampered data directory', () => {
  let fx: Fixture;
  let dir: string;
  beforeAll(async () => {
    fx = await buildFixture();
  });
  afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

  /** A fresh copy of the fixture, opened for tampering. */
  function tamper(edit: (db: Database.Database) => void): void {
    dir = tempDir('warden-tampered-');
    cpSync(fx.dir, dir, { recursive: true });
    const db = new Database(join(dir, 'warden.db'));
    try {
      edit(db);
    } finally {
      db.close();
    }
  }
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const verify = (...extra: string[]) => runCli(['audit', 'verify', '--data-dir', dir, '--log-key', fx.vkey, ...extra]);
  const entryText = (db: Database.Database, idx: number) =>
    (db.prepare('SELECT entry FROM audit_entries WHERE idx = ?').get(idx) as { entry: string }).entry;

  async function expectFailure(index: number, code: string, ...extra: string[]): Promise<void> {
    const run = await verify(...extra);
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
    expect(run.stderr).toMatch(new RegExp(`^warden: audit log verification failed at index ${index}: .+ \\(${code}\\)\\n$`));
  }

  it('passes the untouched copy, naming what it verified', async () => {
    tamper(() => undefined);
    const run = await verify();
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^ok: verified ${fx.n} entries and 3 checkpoints; latest checkpoint: size ${fx.n}, root [A-Za-z0-9+/]{43}=\\n$`));
  });

  it('warns when checking with the key in the data directory rather than a pinned one', async () => {
    tamper(() => undefined);
    const run = await runCli(['audit', 'verify', '--data-dir', dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('warning: checkpoints were checked with the key in the data directory; pass --log-key with the published key for an independent check\n');
  });

  it('catches one changed byte in one entry', async () => {
    tamper((db) => {
      const text = entryText(db, fx.k);
      const at = text.indexOf('"type":"') + 8;
      db.prepare('UPDATE audit_entries SET entry = ? WHERE idx = ?').run(`${text.slice(0, at)}X${text.slice(at + 1)}`, fx.k);
    });
    await expectFailure(fx.k, 'LEAF_MISMATCH');
  });

  it('catches one changed byte that breaks the JSON', async () => {
    tamper((db) => db.prepare('UPDATE audit_entries SET entry = ? WHERE idx = ?').run(`[${entryText(db, fx.k).slice(1)}`, fx.k));
    await expectFailure(fx.k, 'ENTRY_NOT_JSON');
  });

  it('catches an entry rewritten in non-canonical form', async () => {
    tamper((db) => db.prepare('UPDATE audit_entries SET entry = ? WHERE idx = ?').run(JSON.stringify(JSON.parse(entryText(db, fx.k)), null, 1), fx.k));
    await expectFailure(fx.k, 'ENTRY_NOT_CANONICAL');
  });

  it('catches a changed entry whose leaf hash was recomputed too', async () => {
    tamper((db) => {
      const changed = entryText(db, fx.k).replace('"actor":"', '"actor":"X');
      db.prepare('UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE idx = ?').run(changed, leafOf(changed), fx.k);
    });
    await expectFailure(fx.k, 'NODE_MISMATCH');
  });

  it('catches a changed entry with the whole stored tree rebuilt: the signed root disagrees', async () => {
    tamper((db) => {
      const changed = entryText(db, fx.k).replace('"actor":"', '"actor":"X');
      db.prepare('UPDATE audit_entries SET entry = ?, leaf_hash = ? WHERE idx = ?').run(changed, leafOf(changed), fx.k);
      rebuildNodes(db);
    });
    await expectFailure(fx.a, 'ROOT_MISMATCH');
  });

  it('catches a changed stored subtree hash', async () => {
    tamper((db) => db.prepare('UPDATE audit_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 1').run());
    await expectFailure(7, 'NODE_MISMATCH');
  });

  it('catches a deleted row', async () => {
    tamper((db) => db.prepare('DELETE FROM audit_entries WHERE idx = ?').run(fx.k));
    await expectFailure(fx.k, 'ENTRY_MISSING');
  });

  it('catches two swapped rows', async () => {
    tamper((db) => {
      const rows = db.prepare('SELECT idx, leaf_hash, entry FROM audit_entries WHERE idx IN (?, ?)').all(fx.k, fx.k + 5) as Array<{ idx: number; leaf_hash: Buffer; entry: string }>;
      const [x, y] = rows as [(typeof rows)[number], (typeof rows)[number]];
      const set = db.prepare('UPDATE audit_entries SET leaf_hash = ?, entry = ? WHERE idx = ?');
      set.run(y.leaf_hash, y.entry, x.idx);
      set.run(x.leaf_hash, x.entry, y.idx);
    });
    await expectFailure(fx.k, 'INDEX_MISMATCH');
  });

  it('catches a truncated log: the last entries and their tree nodes removed', async () => {
    const keep = fx.n - 3;
    tamper((db) => {
      db.prepare('DELETE FROM audit_entries WHERE idx >= ?').run(keep);
      db.prepare('DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > ?').run(keep);
    });
    await expectFailure(keep, 'CHECKPOINT_BEYOND_LOG');
  });

  it('catches a truncated log whose tree nodes were left behind', async () => {
    const keep = fx.n - 3;
    tamper((db) => db.prepare('DELETE FROM audit_entries WHERE idx >= ?').run(keep));
    await expectFailure(keep, 'EXTRA_NODE');
  });

  it('catches a log truncated with its checkpoints, given the checkpoint kept from the last run', async () => {
    const keep = fx.n - 3;
    const keptDir = tempDir('warden-kept-');
    const kept = join(keptDir, 'checkpoint.txt');
    try {
      tamper(() => undefined);
      expect((await verify('--save-checkpoint', kept)).code).toBe(0);
      rmSync(dir, { recursive: true, force: true });
      tamper((db) => {
        db.prepare('DELETE FROM audit_entries WHERE idx >= ?').run(keep);
        db.prepare('DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > ?').run(keep);
        db.prepare('DELETE FROM audit_checkpoints WHERE size > ?').run(keep);
      });
      // Without what the auditor kept, a consistent shorter log cannot be told apart.
      expect((await verify()).code).toBe(0);
      await expectFailure(keep, 'CHECKPOINT_BEYOND_LOG', '--previous-checkpoint', kept);
    } finally {
      rmSync(keptDir, { recursive: true, force: true });
    }
  });

  it('catches a checkpoint replaced by one signed with another key', async () => {
    tamper((db) => {
      const row = db.prepare('SELECT size, root FROM audit_checkpoints WHERE size = ?').get(fx.b) as { size: number; root: Buffer };
      const other = createNoteSigner(fx.origin, generateKeyPairSync('ed25519').privateKey);
      db.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = ?').run(signCheckpoint({ origin: fx.origin, size: row.size, root: row.root }, other), fx.b);
    });
    await expectFailure(fx.b - 1, 'CHECKPOINT_SIGNATURE');
  });

  it('catches a checkpoint replaced by one with an old root, even signed with the log key', async () => {
    tamper((db) => {
      const old = db.prepare('SELECT root FROM audit_checkpoints WHERE size = ?').get(fx.a) as { root: Buffer };
      const key = loadLogKey(dir, fx.origin);
      const note = signCheckpoint({ origin: fx.origin, size: fx.b, root: old.root }, key.signer);
      db.prepare('UPDATE audit_checkpoints SET note = ?, root = ? WHERE size = ?').run(note, old.root, fx.b);
    });
    await expectFailure(fx.a, 'ROOT_MISMATCH');
  });

  it('catches a checkpoint row holding an older checkpoint', async () => {
    tamper((db) => {
      const old = db.prepare('SELECT note FROM audit_checkpoints WHERE size = ?').get(fx.a) as { note: string };
      db.prepare('UPDATE audit_checkpoints SET note = ? WHERE size = ?').run(old.note, fx.b);
    });
    await expectFailure(fx.b - 1, 'CHECKPOINT_MISMATCH');
  });

  it('catches checkpoints checked against another log key', async () => {
    tamper(() => undefined);
    const { publicKey } = generateKeyPairSync('ed25519');
    const run = await runCli(['audit', 'verify', '--data-dir', dir, '--log-key', verifierKey(fx.origin, publicKey)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^warden: audit log verification failed at index ${fx.a - 1}: .+ \\(CHECKPOINT_SIGNATURE\\)\\n$`));
  });

  it('still passes after raw sensitive values are erased', async () => {
    tamper(() => undefined);
    const erase = await runCli(['audit', 'erase', '--data-dir', dir, '--all']);
    expect(erase).toEqual({ code: 0, stdout: `erased 6 raw values; recorded as audit entry ${fx.n}\n`, stderr: '' });
    const run = await verify();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`verified ${fx.n + 1} entries`);
  });

  it('writes nothing when it only verifies', async () => {
    tamper(() => undefined);
    writeFileSync(join(dir, 'marker'), '');
    const db = new Database(join(dir, 'warden.db'), { readonly: true });
    const before = db.prepare("SELECT (SELECT COUNT(*) FROM audit_entries) AS e, (SELECT COUNT(*) FROM audit_checkpoints) AS c, (SELECT COUNT(*) FROM schema_migrations) AS m").get();
    db.close();
    expect((await verify()).code).toBe(0);
    const after = new Database(join(dir, 'warden.db'), { readonly: true });
    expect(after.prepare("SELECT (SELECT COUNT(*) FROM audit_entries) AS e, (SELECT COUNT(*) FROM audit_checkpoints) AS c, (SELECT COUNT(*) FROM schema_migrations) AS m").get()).toEqual(before);
    after.close();
  });
});

function leafOf(text: string): Buffer {
  return leafHash(Buffer.from(text, 'utf8'));
}

/** Recomputes every stored subtree hash from the stored leaf hashes, as a careful attacker would. */
function rebuildNodes(db: Database.Database): void {
  const leaves = (db.prepare('SELECT leaf_hash FROM audit_entries ORDER BY idx').all() as Array<{ leaf_hash: Buffer }>).map((r) => r.leaf_hash);
  const tree = MemoryTree.from(leaves);
  db.prepare('DELETE FROM audit_nodes').run();
  const insert = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
  for (let level = 1; ; level++) {
    let wrote = false;
    for (let i = 0; ; i++) {
      const hash = tree.getNode(level, i);
      if (hash === undefined) break;
      insert.run(level, i, hash);
      wrote = true;
    }
    if (!wrote) break;
  }
}

/**
 * `verifyRemoteLog` / `warden audit verify --url`: checking a running server from the
 * outside, including a server that lies about its entries, its checkpoint or its key.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { leafHash } from '../../src/audit/merkle.js';
import { verifierKey } from '../../src/audit/note.js';
import { verifyRemoteLog } from '../../src/audit/verify-remote.js';
import { testWarden, tempDir, type TestWarden } from '../helpers.js';
import { runCli } from '../cli/run.js';

type Entry = { index: number; leafHash: string; entry: Record<string, unknown> };

describe('verifyRemoteLog', () => {
  let t: TestWarden;
  let url: string;
  beforeAll(async () => {
    // No checkpoint by the timer while the entries go in: the first one covers them all.
    t = await testWarden({ checkpointIntervalMs: 3_600_000 });
    await Promise.all(Array.from({ length: 1500 }, (_, i) => t.warden.store.log.append({ type: 'test.event', actor: 'system', data: { i } })));
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  /** A fetch that lets a test rewrite what the server answers. */
  const lying = (rewrite: (path: string, body: string) => string): typeof fetch =>
    (async (input: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(input, init);
      const path = new URL(String(input)).pathname;
      return new Response(rewrite(path, await res.text()), { status: res.status });
    }) as typeof fetch;

  const rewriteEntries = (edit: (e: Entry) => void) =>
    lying((path, body) => {
      if (path !== '/v1/audit/entries') return body;
      const page = JSON.parse(body) as { entries: Entry[] };
      page.entries.forEach(edit);
      return JSON.stringify(page);
    });

  it('verifies every entry against the signed checkpoint, paging through 1000-entry pages', async () => {
    const result = await verifyRemoteLog({ url, apiKey: t.keys.auditor, logKey: t.warden.audit.logKey() });
    const size = (await t.warden.audit.latestCheckpoint())?.size;
    expect(result).toMatchObject({ ok: true, entries: size, checkpoints: 1, keySource: 'provided' });
    expect(size).toBeGreaterThan(1500);
  });

  it('says when it trusted the key the server serves', async () => {
    expect(await verifyRemoteLog({ url, apiKey: t.keys.auditor })).toMatchObject({ ok: true, keySource: 'server' });
  });

  it('proves the log grew from a checkpoint kept from an earlier run', async () => {
    const first = await verifyRemoteLog({ url, apiKey: t.keys.auditor, logKey: t.warden.audit.logKey() });
    await t.warden.store.log.append({ type: 'test.later', actor: 'system', data: {} });
    await t.warden.audit.checkpoint();
    const second = await verifyRemoteLog({ url, apiKey: t.keys.auditor, logKey: t.warden.audit.logKey(), previousCheckpoint: first.ok ? first.checkpointNote : '' });
    expect(second).toMatchObject({ ok: true, checkpoints: 2 });
  });

  it('catches a server that changed an entry', async () => {
    const result = await verifyRemoteLog({
      url,
      apiKey: t.keys.auditor,
      logKey: t.warden.audit.logKey(),
      fetch: rewriteEntries((e) => {
        if (e.index === 777) e.entry.actor = 'human:mallory';
      }),
    });
    expect(result).toMatchObject({ ok: false, index: 777, code: 'LEAF_MISMATCH' });
  });

  it('catches a server that changed an entry and its leaf hash', async () => {
    const result = await verifyRemoteLog({
      url,
      apiKey: t.keys.auditor,
      logKey: t.warden.audit.logKey(),
      fetch: rewriteEntries((e) => {
        if (e.index !== 777) return;
        e.entry.actor = 'human:mallory';
        e.leafHash = leafHash(canonicalBytes(e.entry)).toString('base64');
      }),
    });
    expect(result).toMatchObject({ ok: false, index: 0, code: 'ROOT_MISMATCH' });
  });

  it('catches a server that skips an entry', async () => {
    const result = await verifyRemoteLog({
      url,
      apiKey: t.keys.auditor,
      logKey: t.warden.audit.logKey(),
      fetch: lying((path, body) => {
        if (path !== '/v1/audit/entries') return body;
        const page = JSON.parse(body) as { entries: Entry[] };
        return JSON.stringify({ ...page, entries: page.entries.filter((e) => e.index !== 1200) });
      }),
    });
    expect(result).toMatchObject({ ok: false, index: 1200, code: 'ENTRY_MISSING' });
  });

  it('catches a checkpoint that does not verify with the pinned key', async () => {
    const other = verifierKey(t.warden.audit.key.origin, generateKeyPairSync('ed25519').publicKey);
    const result = await verifyRemoteLog({ url, apiKey: t.keys.auditor, logKey: other });
    expect(result).toMatchObject({ ok: false, code: 'CHECKPOINT_SIGNATURE' });
  });

  it('catches a log that shrank since the kept checkpoint', async () => {
    const kept = await t.warden.audit.checkpoint();
    const result = await verifyRemoteLog({
      url,
      apiKey: t.keys.auditor,
      logKey: t.warden.audit.logKey(),
      previousCheckpoint: kept.note,
      fetch: lying((path, body) => (path === '/v1/audit/checkpoint' ? (t.warden.store.db.prepare('SELECT note FROM audit_checkpoints ORDER BY size LIMIT 1').get() as { note: string }).note : body)),
    });
    expect(result).toMatchObject({ ok: false, code: 'CHECKPOINT_BEYOND_LOG' });
  });

  it('fails with REMOTE_ERROR naming the status without an auditor key', async () => {
    await expect(verifyRemoteLog({ url, logKey: t.warden.audit.logKey() })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: '`GET /v1/audit/entries` answered 401: missing bearer api key',
    });
  });

  it('runs as `warden audit verify --url` and saves the checkpoint for next time', async () => {
    const file = join(tempDir(), 'checkpoint.txt');
    try {
      const run = await runCli(['audit', 'verify', '--url', url, '--api-key', t.keys.auditor, '--log-key', t.warden.audit.logKey(), '--save-checkpoint', file]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^ok: verified \d+ entries and 1 checkpoints; latest checkpoint: size \d+, root \S+\n$/);
      expect(readFileSync(file, 'utf8')).toBe((await t.warden.audit.latestCheckpoint())?.note);
      const again = await runCli(['audit', 'verify', '--url', url, '--api-key', t.keys.auditor, '--previous-checkpoint', file]);
      expect(again.code).toBe(0);
      expect(again.stderr).toBe('warning: checkpoints were checked with the key the server itself serves; pass --log-key with the published key for an independent check\n');
    } finally {
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
  });
});

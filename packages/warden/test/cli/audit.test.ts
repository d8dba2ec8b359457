/**
 * `warden audit export|erase|proof|verify-proof` on a real data directory, and the
 * arguments they refuse.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { leafHash } from '../../src/audit/merkle.js';
import { validateConfig } from '../../src/config/load.js';
import { createWarden } from '../../src/warden.js';
import { tempDir } from '../helpers.js';
import { runCli } from './run.js';

const SECRET = { to: 'carol@example.com', body: 'the launch code is 0000' };

describe('warden audit (CLI)', () => {
  let dir: string;
  let vkey: string;
  let n: number;
  beforeAll(async () => {
    dir = tempDir();
    const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }));
    await warden.store.log.append({ type: 'test.old', actor: 'system', time: '2026-01-01T00:00:00.000Z', data: {}, sensitive: { args: SECRET } });
    await warden.store.log.append({ type: 'test.new', actor: 'system', time: '2026-03-01T00:00:00.000Z', data: {}, sensitive: { args: SECRET } });
    await warden.tools.put('forum.post', { categories: ['publish'] }, 'human:alice');
    vkey = warden.audit.logKey();
    n = await warden.store.log.size();
    await warden.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('verify', () => {
    it('shows progress on stderr when it is a terminal, and clears the line', async () => {
      const descriptor = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
      Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
      try {
        const run = await runCli(['audit', 'verify', '--data-dir', dir, '--log-key', vkey]);
        expect(run.code).toBe(0);
        expect(run.stderr).toBe(`\rverifying: ${n} / ${n} entries (100%)\x1b[K\r\x1b[K`);
      } finally {
        if (descriptor) Object.defineProperty(process.stderr, 'isTTY', descriptor);
        else delete (process.stderr as { isTTY?: boolean }).isTTY;
      }
    });

    it('shows no progress when stderr is not a terminal', async () => {
      expect(process.stderr.isTTY).not.toBe(true);
      expect(await runCli(['audit', 'verify', '--data-dir', dir, '--log-key', vkey])).toMatchObject({ code: 0, stderr: '' });
    });
  });

  describe('export', () => {
    it('streams every entry as JSON lines whose entry is the exact leaf', async () => {
      const run = await runCli(['audit', 'export', '--data-dir', dir, '--format', 'jsonl']);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { index: number; leafHash: string; entry: unknown });
      expect(lines.map((l) => l.index)).toEqual(Array.from({ length: n }, (_, i) => i));
      for (const line of lines) expect(line.leafHash).toBe(leafHash(canonicalBytes(line.entry)).toString('base64'));
      expect(run.stdout).not.toContain('carol@example.com');
    });

    it('streams a range as CEF', async () => {
      const run = await runCli(['audit', 'export', '--data-dir', dir, '--format', 'cef', '--start', '1', '--end', '3']);
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^CEF:0\|Warden\|warden\|0\.1\.0\|test\.old\|test\.old\|3\|rt=1767225600000 suser=system externalId=1 /);
      expect(lines[1]).toMatch(/^CEF:0\|Warden\|warden\|0\.1\.0\|test\.new\|test\.new\|3\|rt=1772323200000 suser=system externalId=2 /);
    });

    it('refuses an unknown format', async () => {
      const run = await runCli(['audit', 'export', '--data-dir', dir, '--format', 'xml']);
      expect(run).toEqual({ code: 1, stdout: '', stderr: 'warden: `--format` must be one of jsonl, cef (INVALID_REQUEST)\n' });
    });

    it('refuses a start that is not a whole number', async () => {
      const run = await runCli(['audit', 'export', '--data-dir', dir, '--format', 'jsonl', '--start', '-1']);
      expect(run).toEqual({ code: 1, stdout: '', stderr: 'warden: `--start` must be a whole number, got `-1` (INVALID_REQUEST)\n' });
    });

    it('fails with DATABASE_NOT_FOUND on an empty directory', async () => {
      const empty = mkdtempSync(join(tmpdir(), 'warden-empty-'));
      try {
        const run = await runCli(['audit', 'export', '--data-dir', empty, '--format', 'jsonl']);
        expect(run).toEqual({ code: 1, stdout: '', stderr: `warden: no Warden database at \`${join(empty, 'warden.db')}\` (DATABASE_NOT_FOUND)\n` });
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });

  describe('proof and verify-proof', () => {
    it('writes a proof that verifies offline with the published key', async () => {
      const proof = await runCli(['audit', 'proof', '--data-dir', dir, '--index', '1']);
      expect(proof.code).toBe(0);
      const bundle = JSON.parse(proof.stdout) as { index: number; treeSize: number; checkpoint: string };
      expect({ index: bundle.index, treeSize: bundle.treeSize }).toEqual({ index: 1, treeSize: n });
      const file = join(tempDir(), 'proof.json');
      writeFileSync(file, proof.stdout);
      const check = await runCli(['audit', 'verify-proof', file, '--log-key', vkey]);
      expect(check).toEqual({ code: 0, stdout: `ok: entry 1 is in the log \`${vkey.split('+')[0]}\` of ${n} entries\n`, stderr: '' });
      rmSync(join(file, '..'), { recursive: true, force: true });
    });

    it('rejects a proof whose entry was altered', async () => {
      const proof = JSON.parse((await runCli(['audit', 'proof', '--data-dir', dir, '--index', '1'])).stdout) as { entry: { actor: string } };
      proof.entry.actor = 'human:mallory';
      const file = join(tempDir(), 'proof.json');
      writeFileSync(file, JSON.stringify(proof));
      const check = await runCli(['audit', 'verify-proof', file, '--log-key', vkey]);
      expect(check).toEqual({ code: 1, stdout: '', stderr: 'warden: the proof does not verify: the entry does not hash to `leafHash` (INVALID_PROOF)\n' });
      rmSync(join(file, '..'), { recursive: true, force: true });
    });

    it('refuses an index at or past the checkpoint size', async () => {
      const run = await runCli(['audit', 'proof', '--data-dir', dir, '--index', String(n)]);
      expect(run).toEqual({ code: 1, stdout: '', stderr: `warden: \`--index\` must be below the checkpoint size \`${n}\` (INVALID_REQUEST)\n` });
    });

    it('refuses a tree size that no checkpoint has', async () => {
      const run = await runCli(['audit', 'proof', '--data-dir', dir, '--index', '0', '--tree-size', '2']);
      expect(run).toEqual({ code: 1, stdout: '', stderr: 'warden: no checkpoint of size `2` (NOT_FOUND)\n' });
    });
  });

  describe('erase', () => {
    it('removes raw values of older entries only, records it, and the log still verifies', async () => {
      const copy = tempDir();
      try {
        cpSync(dir, copy, { recursive: true });
        const run = await runCli(['audit', 'erase', '--data-dir', copy, '--before', '2026-02-01']);
        expect(run).toEqual({ code: 0, stdout: `erased 1 raw values; recorded as audit entry ${n}\n`, stderr: '' });
        const db = new Database(join(copy, 'warden.db'), { readonly: true });
        const secrets = db.prepare('SELECT idx, value IS NULL AS erased, erased_at IS NOT NULL AS stamped FROM audit_secrets ORDER BY idx').all();
        const entry = JSON.parse((db.prepare('SELECT entry FROM audit_entries WHERE idx = ?').get(n) as { entry: string }).entry) as Record<string, unknown>;
        db.close();
        expect(secrets).toEqual([
          { idx: 1, erased: 1, stamped: 1 },
          { idx: 2, erased: 0, stamped: 0 },
        ]);
        expect(entry).toMatchObject({ type: 'audit.erased', actor: expect.stringMatching(/^cli:/), subject: 'audit:secrets', data: { before: '2026-02-01T00:00:00.000Z', erased: 1 } });
        expect((await runCli(['audit', 'verify', '--data-dir', copy, '--log-key', vkey])).code).toBe(0);
      } finally {
        rmSync(copy, { recursive: true, force: true });
      }
    });

    it('refuses to run without --before or --all', async () => {
      expect(await runCli(['audit', 'erase', '--data-dir', dir])).toEqual({ code: 1, stdout: '', stderr: 'warden: pass `--before <date>` or `--all` (INVALID_REQUEST)\n' });
    });

    it('refuses --before together with --all', async () => {
      expect((await runCli(['audit', 'erase', '--data-dir', dir, '--all', '--before', '2026-01-01'])).code).toBe(1);
    });

    it('refuses a date it cannot read', async () => {
      const run = await runCli(['audit', 'erase', '--data-dir', dir, '--before', 'last tuesday']);
      expect(run).toEqual({ code: 1, stdout: '', stderr: 'warden: `before` must be a date such as `2026-01-31` or an ISO time, got `last tuesday` (INVALID_REQUEST)\n' });
    });
  });
});

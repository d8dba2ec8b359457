/**
 * The durability promise under a crash: a real `warden serve` process takes concurrent
 * audited changes (`PUT /v1/tools/:name`) and is killed with SIGKILL mid-flight. Every
 * change that was acknowledged must be in the database with its audit entry, the log
 * must verify (read-only, straight after the crash), and the server must start again.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLocalLog } from '../../src/audit/verify-log.js';
import { tempDir } from '../helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../../..');
const ENTRY = resolve(HERE, '../../src/cli/entry.ts');
const ADMIN_KEY = `wk_${'c'.repeat(43)}`;

type Server = ChildProcessByStdio<null, Readable, Readable>;

/** Starts `warden serve` on a free port and resolves with its URL. */
function serve(dir: string): Promise<{ child: Server; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'serve', '--data-dir', dir, '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, WARDEN_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY, WARDEN_LOG_LEVEL: 'silent', WARDEN_CHECKPOINT_INTERVAL_MS: '200' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolveStart({ child, url: m[1].replace('localhost', '127.0.0.1') });
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.on('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening: ${err}`)));
  });
}

function exited(child: Server): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.on('exit', () => done());
  });
}

describe('a crash while many clients append', () => {
  const dir = tempDir('warden-crash-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged change and its entry, and the log verifies', { timeout: 90_000 }, async () => {
    const { child, url } = await serve(dir);
    const acked: string[] = [];
    let killed = false;
    const client = async (c: number) => {
      for (let i = 0; !killed; i++) {
        const name = `crash.c${c}.t${i}`;
        try {
          const res = await fetch(`${url}/v1/tools/${name}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify({ categories: ['read'] }),
          });
          if (res.status === 200) acked.push(name);
          else await res.text();
        } catch {
          return; // the server is gone: this one was never acknowledged
        }
      }
    };
    const clients = Array.from({ length: 24 }, (_, c) => client(c));
    while (acked.length < 400) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    child.kill('SIGKILL');
    await Promise.all(clients);
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');

    // Straight after the crash, read-only.
    const result = await verifyLocalLog(dir);
    expect(result.ok).toBe(true);
    const db = new Database(join(dir, 'warden.db'), { readonly: true });
    const tools = new Set((db.prepare('SELECT name FROM tools').all() as Array<{ name: string }>).map((r) => r.name));
    const logged = new Set(
      (db.prepare("SELECT json_extract(entry, '$.subject') AS s FROM audit_entries WHERE json_extract(entry, '$.type') = 'tool.categorised'").all() as Array<{ s: string }>).map((r) => r.s),
    );
    db.close();
    expect(acked.filter((name) => !tools.has(name))).toEqual([]);
    expect(acked.filter((name) => !logged.has(`tool:${name}`))).toEqual([]);
    // Nothing is in the catalog without its entry either.
    expect([...tools].filter((name) => !logged.has(`tool:${name}`))).toEqual([]);

    // The server starts again on the same directory and signs what was left unsigned.
    const again = await serve(dir);
    const res = await fetch(`${again.url}/v1/audit/checkpoint`);
    expect(res.status).toBe(200);
    await res.text();
    again.child.kill('SIGTERM');
    await exited(again.child);
    expect(await verifyLocalLog(dir)).toMatchObject({ ok: true, unsigned: 0 });
  });
});

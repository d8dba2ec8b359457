/**
 * `warden serve` as its own process: it prints where it listens, prints the first admin
 * key once (and never again, and never in its logs), answers over HTTP, and exits 0 on
 * SIGTERM and SIGINT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, spawnWarden, type SpawnedWarden } from './run.js';

const SERVING = /Warden is serving on (http:\/\/\S+) \(data: (.+)\)\n/;
const KEY = /wk_[A-Za-z0-9_-]+/g;

describe('warden serve', () => {
  let dir: string;
  let dataDir: string;
  const running: SpawnedWarden[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-serve-'));
    dataDir = join(dir, 'data');
  });
  afterEach(async () => {
    // A failed test must not leave a server behind.
    for (const w of running.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) {
        w.child.kill('SIGKILL');
        await w.exited;
      }
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (extra: Record<string, string> = {}) => {
    const w = spawnWarden(['serve'], { cwd: dir, env: cleanEnv({ WARDEN_PORT: '0', WARDEN_DATA_DIR: dataDir, ...extra }) });
    running.push(w);
    return w;
  };

  it('serves, prints the first admin key once, keeps it out of its logs, and exits 0 on SIGTERM', async () => {
    const w = start();
    const [, url, shownDir] = await w.waitFor(SERVING);
    expect(shownDir).toBe(dataDir);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await w.waitFor(/expires [^)]+\)\n/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const keys = w.stdout().match(KEY) ?? [];
    expect(keys).toHaveLength(1);
    const key = keys[0] ?? '';
    expect(w.stdout()).toContain(`\n  ${key}\n`);
    expect(w.stdout()).toContain('(owner human:admin, role admin, expires ');

    // The printed key is an admin key; using it, even in a URL, must not put it in the logs.
    const agents = await fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
    expect(agents.status).toBe(200);
    expect((await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect((await fetch(`${url}/v1/agents?key=${key}`)).status).toBe(401);
    expect((await fetch(`${url}/v1/agents`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect(w.stdout().match(KEY)).toEqual([key]);
    expect(w.stderr()).not.toContain('wk_');

    w.child.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.stdout()).toContain('"msg":"shutting down"');
    expect(w.stdout().match(KEY)).toEqual([key]);
  });

  it('prints no key on the next start over the same data, and exits 0 on SIGINT', async () => {
    const w = start();
    const [, url] = await w.waitFor(SERVING);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(w.stdout()).not.toContain('wk_');
    expect(w.stdout()).not.toContain('admin key was created');
    w.child.kill('SIGINT');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.stdout()).not.toContain('wk_');
  });

  it('registers WARDEN_BOOTSTRAP_ADMIN_KEY instead of printing one', async () => {
    const bootstrap = `wk_${'k'.repeat(43)}`;
    const w = start({ WARDEN_DATA_DIR: join(dir, 'bootstrapped'), WARDEN_BOOTSTRAP_ADMIN_KEY: bootstrap });
    const [, url] = await w.waitFor(SERVING);
    expect(w.stdout()).not.toContain('wk_');
    const res = await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${bootstrap}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).keys).toMatchObject([{ owner: 'human:admin', role: 'admin', revokedAt: null }]);
    expect(w.stdout()).not.toContain(bootstrap);
    w.child.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 0, signal: null });
  });

  it('does not start on a bad WARDEN_PORT, and says which variable', async () => {
    const w = start({ WARDEN_PORT: 'abc' });
    expect(await w.exited).toEqual({ code: 1, signal: null });
    expect(w.stderr()).toBe('warden: invalid configuration: `WARDEN_PORT` must be a whole number, got `abc` (INVALID_CONFIG)\n');
    expect(w.stdout()).not.toMatch(SERVING);
  });

  it('exits, instead of hanging on its writer thread, when the start fails after the store opened', async () => {
    // Valid to the configuration schema, refused later by the audit log (a checkpoint origin has no spaces).
    const w = start({ WARDEN_LOG_ORIGIN: 'bad origin' });
    expect(await w.exited).toEqual({ code: 1, signal: null });
    expect(w.stderr()).toMatch(/^warden: .*origin/);
    expect(w.stdout()).not.toMatch(SERVING);
  });
});

/** `warden token grant` and `warden keys rotate-signing`, run in-process on a temporary data directory. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { main } from '../../src/cli/main.js';
import { createWarden, type Warden } from '../../src/warden.js';
import { tempDir } from '../helpers.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('warden token grant / keys rotate-signing', () => {
  let dir: string;
  let server: Warden;

  beforeAll(async () => {
    dir = tempDir();
    // The "server": open for the whole test, as `warden serve` would be.
    server = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }));
    await server.agents.register({ id: 'forum-helper', name: 'Forum helper', owner: 'human:alice', scope: ['forum.*'] }, 'system');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grants a token the running server accepts', async () => {
    const { code, out } = await run(['token', 'grant', '--data-dir', dir, '--agent', 'forum-helper', '--intent', 'answer thread 9', '--scope', 'forum.read', 'forum.post', '--ttl', '120', '--max-depth', '1', '--as', 'human:alice']);
    expect(code).toBe(0);
    const printed = JSON.parse(out);
    expect(Object.keys(printed).sort()).toEqual(['expiresAt', 'jti', 'token']);
    const cred = await server.identity.verify(printed.token);
    expect(cred).toMatchObject({ sub: 'human:alice', actors: ['agent:forum-helper'], scope: ['forum.read', 'forum.post'], maxDepth: 1, task: { intent: 'answer thread 9' } });
    expect(cred.exp - cred.iat).toBe(120);
    const entries = (await server.store.log.entries(0, await server.store.log.size())).map((e) => e.entry);
    expect(entries.find((e) => e.type === 'credential.issued' && e.data.jti === printed.jti)?.actor).toMatch(/^cli:/);
  });

  it('refuses a scope the agent is not registered for', async () => {
    const { code, err } = await run(['token', 'grant', '--data-dir', dir, '--agent', 'forum-helper', '--intent', 'x', '--scope', 'repo.write', '--as', 'human:alice']);
    expect(code).toBe(1);
    expect(err).toContain('(SCOPE_NOT_ALLOWED)');
  });

  it('refuses a ttl that is not a number', async () => {
    const { code, err } = await run(['token', 'grant', '--data-dir', dir, '--agent', 'forum-helper', '--intent', 'x', '--scope', 'forum.read', '--ttl', 'soon']);
    expect(code).toBe(1);
    expect(err).toContain('(INVALID_REQUEST)');
  });

  it('refuses a grantor that is not a human', async () => {
    const { code, err } = await run(['token', 'grant', '--data-dir', dir, '--agent', 'forum-helper', '--intent', 'x', '--scope', 'forum.read', '--as', 'agent:forum-helper']);
    expect(code).toBe(1);
    expect(err).toContain('(INVALID_REQUEST)');
  });

  it('rotates the signing key; the running server signs with the new one next', async () => {
    const before = (await server.identity.signingKeys.active()).kid;
    const { code, out } = await run(['keys', 'rotate-signing', '--data-dir', dir]);
    expect(code).toBe(0);
    const rotated = JSON.parse(out);
    expect(rotated).toMatchObject({ kid: expect.any(String), retired: before, retiredPublishedUntil: expect.any(String) });
    expect((await server.identity.signingKeys.active()).kid).toBe(rotated.kid);
    expect((await server.identity.signingKeys.jwks()).keys.map((k) => k.kid)).toEqual([rotated.kid, before]);
  });
});

/** Signing keys: persisted secretly, published as a JWK Set, rotated without breaking live tokens. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { createWarden } from '../../src/warden.js';
import { decodePart, grantToken, identityWarden, registerAgent, type IdentityTest } from './fixtures.js';

let t: IdentityTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function signingFiles(dir: string): string[] {
  return readdirSync(join(dir, 'keys')).filter((f) => f.startsWith('signing-'));
}

describe('signing keys', () => {
  it('publishes the active key as an Ed25519 JWK Set', async () => {
    t = await identityWarden();
    const res = await t.request('GET', '/.well-known/jwks.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const { keys } = res.json();
    expect(keys).toHaveLength(1);
    const { kid } = await t.warden.identity.signingKeys.active();
    expect(keys[0]).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), kid, alg: 'EdDSA', use: 'sig' });
    expect(keys[0].d).toBeUndefined();
  });

  it('keeps the private key in a 0600 file under keys/ and reuses it after a restart', async () => {
    t = await identityWarden();
    const files = signingFiles(t.dir);
    expect(files).toHaveLength(1);
    const file = join(t.dir, 'keys', files[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ kty: 'OKP', crv: 'Ed25519', d: expect.any(String) });
    const { kid } = await t.warden.identity.signingKeys.active();
    const again = await createWarden(validateConfig({ dataDir: t.dir, logLevel: 'silent' }));
    try {
      expect((await again.identity.signingKeys.active()).kid).toBe(kid);
      expect(signingFiles(t.dir)).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('encrypts the private key when WARDEN_MASTER_KEY is set', async () => {
    t = await identityWarden({ masterKey: 'm'.repeat(40) });
    const file = join(t.dir, 'keys', signingFiles(t.dir)[0] as string);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('warden-enc-v1:')).toBe(true);
    expect(text).not.toContain('"d"');
    await registerAgent(t, 'a', ['forum.*']);
    const token = await grantToken(t, 'a', ['forum.read']);
    expect((await t.warden.identity.verify(token)).scope).toEqual(['forum.read']);
  });

  it('rotates: new tokens use the new key, old tokens still verify, both keys are published', async () => {
    t = await identityWarden();
    await registerAgent(t, 'a', ['forum.*']);
    const old = await t.warden.identity.signingKeys.active();
    const before = await grantToken(t, 'a', ['forum.read']);
    const rotated = await t.warden.identity.signingKeys.rotate('human:admin-user');
    expect(rotated.retired).toBe(old.kid);
    expect(rotated.kid).not.toBe(old.kid);
    expect(rotated.retiredPublishedUntil).toBe(new Date(t.clock.now().getTime() + (3600 + 30) * 1000).toISOString());
    const after = await grantToken(t, 'a', ['forum.read']);
    expect(decodePart(after, 0).kid).toBe(rotated.kid);
    expect((await t.warden.identity.verify(before)).kid).toBe(old.kid);
    expect((await t.warden.identity.verify(after)).kid).toBe(rotated.kid);
    const kids = (await t.request('GET', '/.well-known/jwks.json')).json().keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual([rotated.kid, old.kid]);
    // Nothing signs with the retired key again, so its private half is gone.
    expect(existsSync(join(t.dir, 'keys', `signing-${old.kid}.jwk`))).toBe(false);
    expect(existsSync(join(t.dir, 'keys', `signing-${rotated.kid}.jwk`))).toBe(true);
  });

  it('stops publishing a retired key once its last token has expired', async () => {
    t = await identityWarden();
    await registerAgent(t, 'a', ['forum.*']);
    const old = await t.warden.identity.signingKeys.active();
    const before = await grantToken(t, 'a', ['forum.read'], { ttlSeconds: 3600 });
    const rotated = await t.warden.identity.signingKeys.rotate('human:admin-user');
    t.clock.advance(3600 + 30 - 1);
    expect((await t.request('GET', '/.well-known/jwks.json')).json().keys.map((k: { kid: string }) => k.kid)).toEqual([rotated.kid, old.kid]);
    t.clock.advance(2);
    expect((await t.request('GET', '/.well-known/jwks.json')).json().keys.map((k: { kid: string }) => k.kid)).toEqual([rotated.kid]);
    await expect(t.warden.identity.verify(before)).rejects.toMatchObject({ code: 'TOKEN_KEY_UNKNOWN' });
  });

  it('records every rotation in the audit log', async () => {
    t = await identityWarden();
    const first = await t.warden.identity.signingKeys.active();
    const rotated = await t.warden.identity.signingKeys.rotate('human:admin-user');
    const entries = (await t.warden.store.log.entries(0, await t.warden.store.log.size())).map((e) => e.entry);
    expect(entries.find((e) => e.type === 'signing_key.created')?.data).toEqual({ kid: first.kid });
    expect(entries.find((e) => e.type === 'signing_key.rotated')).toMatchObject({
      actor: 'human:admin-user',
      data: { kid: rotated.kid, retired: first.kid, retiredPublishedUntil: rotated.retiredPublishedUntil },
    });
  });

  it('refuses a rotation that raced another one (the loser changes nothing)', async () => {
    t = await identityWarden();
    const other = await createWarden(validateConfig({ dataDir: t.dir, logLevel: 'silent' }));
    try {
      const results = await Promise.allSettled([t.warden.identity.signingKeys.rotate('a'), other.identity.signingKeys.rotate('b')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'SIGNING_KEY_CONFLICT' });
      expect((await t.warden.store.signingKeys.list()).filter((k) => k.retiredAt === null)).toHaveLength(1);
      expect(signingFiles(t.dir)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

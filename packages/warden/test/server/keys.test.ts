/**
 * Human API keys: `POST /v1/keys`, `GET /v1/keys`, `DELETE /v1/keys/:id`, expiry and
 * revocation taking effect on the next request, and `ApiKeys.bootstrap` (the first admin
 * key). Roles for these routes are in auth.test.ts.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { createWarden, type Warden } from '../../src/warden.js';
import { tempDir, testWarden, type TestWarden } from '../helpers.js';
import { rmSync } from 'node:fs';
import { ADMIN_ACTOR, DAY, entriesSince, expectError, expectUnchanged, fixedClock, snapshot, T0, type Clock } from './state.js';

const KEY = /^wk_[A-Za-z0-9_-]{43}$/;
const KEY_ID = /^key_[A-Za-z0-9_-]{12}$/;

describe('POST /v1/keys', () => {
  let t: TestWarden;
  let clock: Clock;
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
  });
  afterEach(() => t.close());

  it('creates a key, shown this once, expiring in 90 days by default', async () => {
    const res = await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'approver' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: expect.stringMatching(KEY_ID),
      key: expect.stringMatching(KEY),
      owner: 'human:carol',
      role: 'approver',
      expiresAt: new Date(T0 + 90 * DAY).toISOString(),
    });
  });

  it.each([1, 30, 365])('honours ttlDays %i', async (ttlDays) => {
    const res = await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'viewer', ttlDays } });
    expect(res.statusCode).toBe(201);
    expect(res.json().expiresAt).toBe(new Date(T0 + ttlDays * DAY).toISOString());
  });

  it('makes a key that works at once, with exactly its role', async () => {
    const { key } = (await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'viewer' } })).json();
    expect((await t.request('GET', '/v1/agents', { key })).statusCode).toBe(200);
    expectError(await t.request('POST', '/v1/agents', { key, body: { id: 'a', name: 'A', owner: 'human:carol' } }), 403, 'FORBIDDEN');
  });

  it('stores only the SHA-256 of the key', async () => {
    const { key, id } = (await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'admin' } })).json();
    const rows = t.warden.store.db.prepare('SELECT * FROM api_keys').all();
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(t.warden.store.db.prepare('SELECT hash FROM api_keys WHERE id = ?').get(id)).toEqual({ hash: createHash('sha256').update(key).digest('hex') });
  });

  it('records `key.created` by the admin, without the key or its hash', async () => {
    const from = await t.warden.store.log.size();
    const created = (await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'auditor', ttlDays: 7 } })).json();
    const entries = await entriesSince(t, from);
    expect(entries).toEqual([
      {
        v: 1,
        index: from,
        time: clock.iso(),
        type: 'key.created',
        actor: ADMIN_ACTOR,
        subject: 'human:carol',
        data: { id: created.id, owner: 'human:carol', role: 'auditor', expiresAt: new Date(T0 + 7 * DAY).toISOString() },
      },
    ]);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(createHash('sha256').update(created.key).digest('hex'));
  });

  it.each([
    { name: 'ttlDays 0', body: { ttlDays: 0 }, field: 'ttlDays' },
    { name: 'ttlDays 366', body: { ttlDays: 366 }, field: 'ttlDays' },
    { name: 'a negative ttlDays', body: { ttlDays: -1 }, field: 'ttlDays' },
    { name: 'a fractional ttlDays', body: { ttlDays: 1.5 }, field: 'ttlDays' },
    { name: 'ttlDays as a string', body: { ttlDays: '30' }, field: 'ttlDays' },
    { name: 'ttlDays null (no expiry)', body: { ttlDays: null }, field: 'ttlDays' },
    { name: 'an owner without `human:`', body: { owner: 'carol' }, field: 'owner' },
    { name: 'an agent owner', body: { owner: 'agent:bot' }, field: 'owner' },
    { name: 'an unknown role', body: { role: 'root' }, field: 'role' },
    { name: 'an uppercase role', body: { role: 'ADMIN' }, field: 'role' },
    { name: 'no role', body: { role: undefined }, field: 'role' },
    { name: 'no owner', body: { owner: undefined }, field: 'owner' },
    { name: 'a chosen key', body: { key: `wk_${'a'.repeat(43)}` }, field: 'key' },
    { name: 'a chosen expiry', body: { expiresAt: '2099-01-01T00:00:00.000Z' }, field: 'expiresAt' },
    { name: 'a chosen id', body: { id: 'key_mine' }, field: 'id' },
  ])('rejects $name naming `$field` and changes nothing', async ({ body, field }) => {
    const before = await snapshot(t);
    const res = await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'viewer', ...body } });
    expectError(res, 400, 'INVALID_REQUEST', field);
    await expectUnchanged(t, before);
  });
});

describe('GET /v1/keys', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden({}, { now: fixedClock().now });
  });
  afterAll(() => t.close());

  it('lists every key with its metadata and never the key or its hash', async () => {
    const res = await t.request('GET', '/v1/keys', { key: t.keys.admin });
    expect(res.statusCode).toBe(200);
    const { keys } = res.json() as { keys: Array<Record<string, unknown>> };
    expect(keys.map((k) => [k.owner, k.role]).sort()).toEqual([
      ['human:admin-user', 'admin'],
      ['human:approver-user', 'approver'],
      ['human:auditor-user', 'auditor'],
      ['human:viewer-user', 'viewer'],
    ]);
    for (const k of keys) {
      expect(Object.keys(k).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'owner', 'revokedAt', 'role']);
      expect(k.revokedAt).toBeNull();
    }
    expect(res.body).not.toContain('wk_');
    for (const secret of Object.values(t.keys)) expect(res.body).not.toContain(createHash('sha256').update(secret).digest('hex'));
  });
});

describe('DELETE /v1/keys/:id', () => {
  let t: TestWarden;
  let clock: Clock;
  let victim: { id: string; key: string };
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
    victim = (await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:carol', role: 'admin' } })).json();
    clock.advance(1000);
  });
  afterEach(() => t.close());

  it('revokes with 204 and no body, effective on the next request', async () => {
    expect((await t.request('GET', '/v1/agents', { key: victim.key })).statusCode).toBe(200);
    const res = await t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const after = await t.request('GET', '/v1/agents', { key: victim.key });
    expectError(after, 401, 'KEY_REVOKED');
    expect(after.json().error.message).toBe('api key has been revoked');
  });

  it('shows the revocation time in the list', async () => {
    await t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin });
    const listed = (await t.request('GET', '/v1/keys', { key: t.keys.admin })).json().keys.find((k: { id: string }) => k.id === victim.id);
    expect(listed.revokedAt).toBe(clock.iso());
  });

  it('records `key.revoked` by the admin, about the key’s owner', async () => {
    const from = await t.warden.store.log.size();
    await t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin });
    expect(await entriesSince(t, from)).toEqual([
      { v: 1, index: from, time: clock.iso(), type: 'key.revoked', actor: ADMIN_ACTOR, subject: 'human:carol', data: { id: victim.id } },
    ]);
  });

  it('answers 204 again to a second revocation and records nothing more', async () => {
    await t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin });
    const before = await snapshot(t);
    const res = await t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin });
    expect(res.statusCode).toBe(204);
    await expectUnchanged(t, before);
  });

  it('records one `key.revoked` for two concurrent revocations', async () => {
    const from = await t.warden.store.log.size();
    const results = await Promise.all([
      t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin }),
      t.request('DELETE', `/v1/keys/${victim.id}`, { key: t.keys.admin }),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([204, 204]);
    expect((await entriesSince(t, from)).map((e) => e.type)).toEqual(['key.revoked']);
  });

  it('lets an admin revoke its own key, which then stops working', async () => {
    const own = (await t.warden.store.keys.list()).find((k) => k.owner === 'human:admin-user');
    expect((await t.request('DELETE', `/v1/keys/${own?.id}`, { key: t.keys.admin })).statusCode).toBe(204);
    expectError(await t.request('GET', '/v1/keys', { key: t.keys.admin }), 401, 'KEY_REVOKED');
  });

  it('answers 404 KEY_NOT_FOUND for an unknown key id and changes nothing', async () => {
    const before = await snapshot(t);
    const res = await t.request('DELETE', '/v1/keys/key_doesnotexist', { key: t.keys.admin });
    expectError(res, 404, 'KEY_NOT_FOUND');
    expect(res.json().error.message).toBe('no key `key_doesnotexist`');
    await expectUnchanged(t, before);
  });

  it.each(['nope', 'key_', `key_${'a'.repeat(65)}`, 'key_a.b', 'KEY_abc'])('answers 400 INVALID_REQUEST naming `id` for the key id `%s`', async (id) => {
    const before = await snapshot(t);
    expectError(await t.request('DELETE', `/v1/keys/${id}`, { key: t.keys.admin }), 400, 'INVALID_REQUEST', 'id');
    await expectUnchanged(t, before);
  });

  it('does not accept the key itself in place of its id', async () => {
    const before = await snapshot(t);
    expectError(await t.request('DELETE', `/v1/keys/${victim.key}`, { key: t.keys.admin }), 400, 'INVALID_REQUEST', 'id');
    await expectUnchanged(t, before);
  });
});

describe('key expiry', () => {
  let t: TestWarden;
  let clock: Clock;
  let short: { id: string; key: string };
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
    short = (await t.request('POST', '/v1/keys', { key: t.keys.admin, body: { owner: 'human:dave', role: 'admin', ttlDays: 1 } })).json();
  });
  afterEach(() => t.close());

  it('accepts a key one millisecond before it expires', async () => {
    clock.advance(DAY - 1);
    expect((await t.request('GET', '/v1/agents', { key: short.key })).statusCode).toBe(200);
  });

  it('answers 401 KEY_EXPIRED from the moment it expires', async () => {
    clock.advance(DAY);
    const res = await t.request('GET', '/v1/agents', { key: short.key });
    expectError(res, 401, 'KEY_EXPIRED');
    expect(res.json().error.message).toBe('api key has expired');
  });

  it('lets an expired admin key change nothing', async () => {
    clock.advance(2 * DAY);
    const before = await snapshot(t);
    expectError(await t.request('POST', '/v1/keys', { key: short.key, body: { owner: 'human:dave', role: 'admin' } }), 401, 'KEY_EXPIRED');
    await expectUnchanged(t, before);
  });

  it('says KEY_REVOKED for a key that is both revoked and expired', async () => {
    await t.request('DELETE', `/v1/keys/${short.id}`, { key: t.keys.admin });
    clock.advance(2 * DAY);
    expectError(await t.request('GET', '/v1/agents', { key: short.key }), 401, 'KEY_REVOKED');
  });
});

describe('ApiKeys.bootstrap', () => {
  let dir: string;
  let warden: Warden;
  const BOOTSTRAP = `wk_${'B'.repeat(40)}`;
  beforeEach(async () => {
    dir = tempDir();
    warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }), { now: fixedClock().now });
  });
  afterEach(async () => {
    await warden.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates one admin key, for 30 days, when none exists', async () => {
    const created = await warden.keys.bootstrap(undefined);
    expect(created).toEqual({ id: expect.stringMatching(KEY_ID), key: expect.stringMatching(KEY), owner: 'human:admin', role: 'admin', expiresAt: new Date(T0 + 30 * DAY).toISOString() });
    expect(await warden.keys.authenticate(created?.key ?? '')).toEqual({ keyId: created?.id, principal: 'human:admin', role: 'admin' });
    const entries = (await warden.store.log.entries(0, await warden.store.log.size())).map((e) => e.entry);
    const entry = entries.find((e) => e.type === 'key.created');
    expect(entry).toMatchObject({ type: 'key.created', actor: 'system', subject: 'human:admin', data: { id: created?.id } });
    expect(JSON.stringify(entry)).not.toContain(created?.key);
  });

  it('creates nothing the second time', async () => {
    await warden.keys.bootstrap(undefined);
    const size = await warden.store.log.size();
    expect(await warden.keys.bootstrap(undefined)).toBeUndefined();
    expect(await warden.store.keys.count()).toBe(1);
    expect(await warden.store.log.size()).toBe(size);
  });

  it('creates nothing when some key already exists', async () => {
    await warden.keys.create({ owner: 'human:erin', role: 'viewer' }, 'system');
    expect(await warden.keys.bootstrap(undefined)).toBeUndefined();
    expect(await warden.store.keys.count()).toBe(1);
  });

  it('registers a given bootstrap key once, as admin, and returns nothing to print', async () => {
    expect(await warden.keys.bootstrap(BOOTSTRAP)).toBeUndefined();
    expect(await warden.keys.authenticate(BOOTSTRAP)).toMatchObject({ principal: 'human:admin', role: 'admin' });
    const size = await warden.store.log.size();
    expect(await warden.keys.bootstrap(BOOTSTRAP)).toBeUndefined();
    expect(await warden.store.keys.count()).toBe(1);
    expect(await warden.store.log.size()).toBe(size);
    expect(JSON.stringify(await warden.store.log.entries(0, size))).not.toContain(BOOTSTRAP);
  });

  it('registers a given bootstrap key even when other keys exist', async () => {
    await warden.keys.create({ owner: 'human:erin', role: 'viewer' }, 'system');
    expect(await warden.keys.bootstrap(BOOTSTRAP)).toBeUndefined();
    expect(await warden.keys.authenticate(BOOTSTRAP)).toMatchObject({ role: 'admin' });
  });

  it('does not bring a revoked bootstrap key back on the next start', async () => {
    await warden.keys.bootstrap(BOOTSTRAP);
    const [rec] = await warden.keys.list();
    await warden.keys.revoke(rec?.id ?? '', 'human:admin');
    expect(await warden.keys.bootstrap(BOOTSTRAP)).toBeUndefined();
    await expect(warden.keys.authenticate(BOOTSTRAP)).rejects.toMatchObject({ code: 'KEY_REVOKED' });
  });
});

/**
 * Authentication and roles, route by route, from the attacker's side: no key, a key that
 * is unknown, malformed, expired or revoked → 401 with its code; a role that may not →
 * 403 FORBIDDEN; and none of those changes anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/store/types.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { DAY, expectError, expectUnchanged, fixedClock, snapshot } from './state.js';

interface Route {
  method: string;
  /** `:victim` is replaced by the id of a key made for the test. */
  url: string;
  need: Role;
  body?: unknown;
}

const ROUTES: Route[] = [
  { method: 'POST', url: '/v1/agents', need: 'admin', body: { id: 'intruder', name: 'Intruder', owner: 'human:mallory' } },
  { method: 'GET', url: '/v1/agents', need: 'viewer' },
  { method: 'GET', url: '/v1/agents/known', need: 'viewer' },
  { method: 'PATCH', url: '/v1/agents/known', need: 'admin', body: { owner: 'human:mallory' } },
  { method: 'POST', url: '/v1/agents/known/suspend', need: 'admin', body: {} },
  { method: 'POST', url: '/v1/agents/paused/resume', need: 'admin', body: {} },
  { method: 'GET', url: '/v1/tools', need: 'viewer' },
  { method: 'PUT', url: '/v1/tools/forum.post', need: 'admin', body: { categories: ['read'] } },
  { method: 'POST', url: '/v1/keys', need: 'admin', body: { owner: 'human:mallory', role: 'admin' } },
  { method: 'GET', url: '/v1/keys', need: 'admin' },
  { method: 'DELETE', url: '/v1/keys/:victim', need: 'admin' },
];

const ROLES: Role[] = ['admin', 'approver', 'auditor', 'viewer'];

const label = (r: Route) => `${r.method} ${r.url}`;

describe('authentication and roles', () => {
  let t: TestWarden;
  const clock = fixedClock();
  let victimId = '';
  let expiredKey = '';
  let revokedKey = '';

  beforeAll(async () => {
    t = await testWarden({}, { now: clock.now });
    const admin = t.keys.admin;
    await t.request('POST', '/v1/agents', { key: admin, body: { id: 'known', name: 'Known', owner: 'human:alice' } });
    await t.request('POST', '/v1/agents', { key: admin, body: { id: 'paused', name: 'Paused', owner: 'human:alice' } });
    await t.request('POST', '/v1/agents/paused/suspend', { key: admin });
    await t.request('PUT', '/v1/tools/forum.post', { key: admin, body: { categories: ['publish'] } });
    victimId = (await t.request('POST', '/v1/keys', { key: admin, body: { owner: 'human:victim', role: 'viewer' } })).json().id;
    expiredKey = (await t.request('POST', '/v1/keys', { key: admin, body: { owner: 'human:old', role: 'admin', ttlDays: 1 } })).json().key;
    const revoked = (await t.request('POST', '/v1/keys', { key: admin, body: { owner: 'human:gone', role: 'admin' } })).json();
    revokedKey = revoked.key;
    await t.request('DELETE', `/v1/keys/${revoked.id}`, { key: admin });
    // Past the one-day key's expiry; the fixture's 90-day keys are still good.
    clock.advance(2 * DAY);
  });
  afterAll(() => t.close());

  const send = (route: Route, init: { key?: string; headers?: Record<string, string> }) =>
    t.request(route.method, route.url.replace(':victim', victimId), { ...init, ...(route.body === undefined ? {} : { body: route.body }) });

  const CREDENTIALS: Array<{ name: string; code: string; init: () => { key?: string; headers?: Record<string, string> } }> = [
    { name: 'no Authorization header', code: 'UNAUTHENTICATED', init: () => ({}) },
    { name: 'an unknown wk_ key', code: 'UNAUTHENTICATED', init: () => ({ key: `wk_${'A'.repeat(43)}` }) },
    { name: 'a known key with a character appended', code: 'UNAUTHENTICATED', init: () => ({ key: `${t.keys.admin}x` }) },
    { name: 'a known key cut short', code: 'UNAUTHENTICATED', init: () => ({ key: t.keys.admin.slice(0, -1) }) },
    { name: 'a key without its wk_ prefix', code: 'UNAUTHENTICATED', init: () => ({ key: t.keys.admin.slice(3) }) },
    { name: 'an agent JWT in place of a key', code: 'UNAUTHENTICATED', init: () => ({ key: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZ2VudDp4In0.c2ln' }) },
    { name: 'the Basic scheme', code: 'UNAUTHENTICATED', init: () => ({ headers: { authorization: `Basic ${t.keys.admin}` } }) },
    { name: 'the key without a scheme', code: 'UNAUTHENTICATED', init: () => ({ headers: { authorization: t.keys.admin } }) },
    { name: 'an empty bearer', code: 'UNAUTHENTICATED', init: () => ({ headers: { authorization: 'Bearer ' } }) },
    { name: 'two keys in one header', code: 'UNAUTHENTICATED', init: () => ({ headers: { authorization: `Bearer ${t.keys.viewer} ${t.keys.admin}` } }) },
    { name: 'the key in an X-Api-Key header', code: 'UNAUTHENTICATED', init: () => ({ headers: { 'x-api-key': t.keys.admin } }) },
    { name: 'an expired key', code: 'KEY_EXPIRED', init: () => ({ key: expiredKey }) },
    { name: 'a revoked key', code: 'KEY_REVOKED', init: () => ({ key: revokedKey }) },
  ];

  for (const route of ROUTES) {
    describe(label(route), () => {
      for (const cred of CREDENTIALS) {
        it(`answers 401 ${cred.code} to ${cred.name} and changes nothing`, async () => {
          const before = await snapshot(t);
          expectError(await send(route, cred.init()), 401, cred.code);
          await expectUnchanged(t, before);
        });
      }

      for (const role of ROLES) {
        const allowed = route.need === 'viewer' || role === 'admin';
        if (allowed) {
          if (route.method !== 'GET') continue; // mutations by admins are tested per resource
          it(`answers 200 to the ${role} role`, async () => {
            expect((await send(route, { key: t.keys[role] })).statusCode).toBe(200);
          });
        } else {
          it(`answers 403 FORBIDDEN to the ${role} role and changes nothing`, async () => {
            const before = await snapshot(t);
            const res = await send(route, { key: t.keys[role] });
            expectError(res, 403, 'FORBIDDEN');
            expect(res.json().error.message).toBe(`role \`${role}\` may not do this; it needs \`admin\``);
            await expectUnchanged(t, before);
          });
        }
      }
    });
  }

  it('accepts the scheme name in any case', async () => {
    expect((await t.request('GET', '/v1/agents', { headers: { authorization: `bearer ${t.keys.viewer}` } })).statusCode).toBe(200);
  });

  it('ignores a key passed as `?key=`', async () => {
    expectError(await t.request('GET', `/v1/agents?key=${t.keys.admin}`), 401, 'UNAUTHENTICATED');
  });

  it('checks the key before the body: a bad body from nobody is 401, not 400', async () => {
    expectError(await t.request('POST', '/v1/agents', { body: { id: 'BAD' } }), 401, 'UNAUTHENTICATED');
  });

  it('checks the role before the body: a bad body from a viewer is 403, not 400', async () => {
    expectError(await t.request('POST', '/v1/agents', { key: t.keys.viewer, body: { id: 'BAD' } }), 403, 'FORBIDDEN');
  });

  it('does not tell a viewer whether an agent exists before refusing a change', async () => {
    expectError(await t.request('PATCH', '/v1/agents/ghost', { key: t.keys.viewer, body: { name: 'x' } }), 403, 'FORBIDDEN');
    expectError(await t.request('POST', '/v1/agents/ghost/suspend', { key: t.keys.viewer }), 403, 'FORBIDDEN');
  });

  it('does not tell an unauthenticated caller whether an agent exists', async () => {
    expectError(await t.request('GET', '/v1/agents/ghost'), 401, 'UNAUTHENTICATED');
    expectError(await t.request('GET', '/v1/agents/known'), 401, 'UNAUTHENTICATED');
  });

  it('never echoes a presented key in the error', async () => {
    for (const key of [`wk_${'Z'.repeat(43)}`, expiredKey, revokedKey]) {
      const res = await t.request('GET', '/v1/agents', { key });
      expect(res.body).not.toContain(key);
    }
  });
});

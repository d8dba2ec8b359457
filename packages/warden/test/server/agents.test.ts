/**
 * The agent inventory over HTTP: register (with a generated or a supplied key), list, read,
 * update, suspend and resume; every change audited, every rejection changing nothing.
 * Authentication and roles for these routes are in auth.test.ts.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';
import { ADMIN_ACTOR, entriesSince, expectError, expectUnchanged, fixedClock, snapshot, T0, type Clock } from './state.js';

const VALID = { id: 'forum-helper', name: 'Forum helper', owner: 'human:alice' };
const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

function ed25519PublicJwk(): { kty: string; crv: string; x: string } {
  const { publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string };
}

describe('POST /v1/agents', () => {
  let t: TestWarden;
  let clock: Clock;
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
  });
  afterEach(() => t.close());

  it('registers an agent with defaults and returns it with a generated private key', async () => {
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    const at = new Date(T0).toISOString();
    expect(body).toEqual({
      id: 'forum-helper',
      name: 'Forum helper',
      owner: 'human:alice',
      description: '',
      scope: [],
      groups: [],
      riskTier: 'medium',
      status: 'active',
      publicKey: { kty: 'OKP', crv: 'Ed25519', x: expect.stringMatching(B64URL_32), kid: 'agent:forum-helper' },
      createdAt: at,
      updatedAt: at,
      lastSeenAt: null,
      privateKey: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: body.publicKey.x,
        d: expect.stringMatching(B64URL_32),
        kid: 'agent:forum-helper',
        alg: 'EdDSA',
      },
    });
  });

  it('returns a private key that signs for the stored public key', async () => {
    const body = (await t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID })).json();
    const stored = (await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer })).json();
    const message = Buffer.from('assertion');
    const signature = sign(null, message, createPrivateKey({ key: body.privateKey, format: 'jwk' }));
    expect(verify(null, message, createPublicKey({ key: stored.publicKey, format: 'jwk' }), signature)).toBe(true);
  });

  it('never shows or keeps the private key after the create response', async () => {
    const created = (await t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID })).json();
    const d = created.privateKey.d as string;
    const one = await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.admin });
    const list = await t.request('GET', '/v1/agents', { key: t.keys.admin });
    expect(one.json().privateKey).toBeUndefined();
    expect(list.json().agents[0].privateKey).toBeUndefined();
    for (const text of [one.body, list.body]) expect(text).not.toContain(d);
    const rows = t.warden.store.db.prepare('SELECT * FROM agents').all();
    expect(JSON.stringify(rows)).not.toContain(d);
    expect(JSON.stringify(await entriesSince(t, 0))).not.toContain(d);
  });

  it('stores a supplied Ed25519 public key as given and returns no private key', async () => {
    const publicKey = ed25519PublicJwk();
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, publicKey } });
    expect(res.statusCode).toBe(201);
    expect(res.json().privateKey).toBeUndefined();
    expect(res.json().publicKey).toEqual(publicKey);
    expect((await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer })).json().publicKey).toEqual(publicKey);
    const [entry] = await entriesSince(t, (await t.warden.store.log.size()) - 1);
    expect(entry?.data.keyGenerated).toBe(false);
  });

  it('stores every optional field', async () => {
    const input = { ...VALID, description: 'answers forum questions', scope: ['forum.read', 'forum.*'], riskTier: 'high' };
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: input });
    expect(res.statusCode).toBe(201);
    const { privateKey: _p, ...agent } = res.json();
    expect(agent).toMatchObject({ description: 'answers forum questions', scope: ['forum.read', 'forum.*'], riskTier: 'high', status: 'active' });
    // The inventory view adds the credentials the agent holds now: none yet.
    expect((await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer })).json()).toEqual({ ...agent, credentials: { active: 0, longestRemainingSeconds: 0, live: [] } });
  });

  it('records one `agent.registered` entry by the admin, about the agent', async () => {
    const from = await t.warden.store.log.size();
    const body = (await t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID })).json();
    const entries = await entriesSince(t, from);
    expect(entries).toHaveLength(1);
    const { privateKey: _p, ...agent } = body;
    expect(entries[0]).toMatchObject({
      type: 'agent.registered',
      actor: ADMIN_ACTOR,
      subject: 'agent:forum-helper',
      time: new Date(T0).toISOString(),
      data: { agent, keyGenerated: true },
    });
  });

  it('rejects a duplicate id with 409 AGENT_EXISTS and changes nothing', async () => {
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID });
    const before = await snapshot(t);
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, name: 'Impostor', owner: 'human:mallory' } });
    expectError(res, 409, 'AGENT_EXISTS');
    expect(res.json().error.message).toBe('an agent `forum-helper` already exists');
    await expectUnchanged(t, before);
  });

  it('lets exactly one of two concurrent registrations of one id win', async () => {
    const before = await snapshot(t);
    const [a, b] = await Promise.all([
      t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID }),
      t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, name: 'Other' } }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect((a.statusCode === 409 ? a : b).json().error.code).toBe('AGENT_EXISTS');
    expect(await t.warden.store.log.size()).toBe(before.logSize + 1);
    expect(await t.warden.store.agents.list()).toHaveLength(1);
  });
});

describe('POST /v1/agents input validation', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
  });
  afterAll(() => t.close());

  async function expectRejected(body: unknown, field: string) {
    const before = await snapshot(t);
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body });
    expectError(res, 400, 'INVALID_REQUEST', field);
    await expectUnchanged(t, before);
  }

  it.each([
    { name: 'uppercase letters', id: 'Forum-helper' },
    { name: '64 characters', id: 'a'.repeat(64) },
    { name: 'a leading dash', id: '-forum' },
    { name: 'an empty string', id: '' },
    { name: 'a space', id: 'forum helper' },
    { name: 'an underscore', id: 'forum_helper' },
    { name: 'a dot', id: 'forum.helper' },
    { name: 'a slash', id: 'forum/helper' },
    { name: 'a trailing newline', id: 'forum\n' },
    { name: 'a non-ascii letter', id: 'förum' },
    { name: 'a number', id: 42 },
    { name: 'null', id: null },
    { name: 'an array', id: ['forum'] },
    { name: 'no id at all', id: undefined },
  ])('rejects an id with $name', async ({ id }) => {
    await expectRejected({ ...VALID, id }, 'id');
  });

  it.each(['a', '0', 'a'.repeat(63), 'forum-', '9-lives', 'a--b'])('accepts the slug `%s`', async (id) => {
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, id } });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toBe(id);
  });

  it.each([
    { name: 'without a prefix', owner: 'alice' },
    { name: 'an agent', owner: 'agent:alice' },
    { name: 'an empty id', owner: 'human:' },
    { name: 'an uppercase prefix', owner: 'Human:alice' },
    { name: 'a space after the prefix', owner: 'human: alice' },
    { name: 'a trailing newline', owner: 'human:alice\n' },
    { name: 'a leading dash', owner: 'human:-alice' },
    { name: 'a glob', owner: 'human:*' },
    { name: 'an id of 129 characters', owner: `human:${'a'.repeat(129)}` },
    { name: 'the system actor', owner: 'system' },
    { name: 'a cli actor', owner: 'cli:root' },
    { name: 'a number', owner: 7 },
    { name: 'nothing', owner: undefined },
  ])('rejects an owner that is $name', async ({ owner }) => {
    await expectRejected({ ...VALID, owner }, 'owner');
  });

  it.each(['human:alice', 'human:alice@example.com', 'human:a', `human:${'a'.repeat(128)}`])('accepts the owner `%s`', async (owner) => {
    const id = `o-${owner.length}-${owner.includes('@') ? 'mail' : 'plain'}`;
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, id, owner } });
    expect(res.statusCode).toBe(201);
    expect(res.json().owner).toBe(owner);
  });

  const x = ed25519PublicJwk().x;
  it.each([
    { name: 'an RSA key', publicKey: { kty: 'RSA', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl', e: 'AQAB' }, field: 'publicKey.kty' },
    { name: 'a P-256 key', publicKey: { kty: 'EC', crv: 'P-256', x, y: x }, field: 'publicKey.kty' },
    { name: 'an X25519 key', publicKey: { kty: 'OKP', crv: 'X25519', x }, field: 'publicKey.crv' },
    { name: 'an Ed448 key', publicKey: { kty: 'OKP', crv: 'Ed448', x: 'A'.repeat(76) }, field: 'publicKey.crv' },
    { name: 'a symmetric key', publicKey: { kty: 'oct', k: x }, field: 'publicKey.kty' },
    { name: 'a private Ed25519 key', publicKey: { kty: 'OKP', crv: 'Ed25519', x, d: x }, field: 'publicKey.d' },
    { name: 'a short x', publicKey: { kty: 'OKP', crv: 'Ed25519', x: x.slice(0, 42) }, field: 'publicKey.x' },
    { name: 'a standard-base64 x', publicKey: { kty: 'OKP', crv: 'Ed25519', x: `${x.slice(0, 41)}+/` }, field: 'publicKey.x' },
    { name: 'no x', publicKey: { kty: 'OKP', crv: 'Ed25519' }, field: 'publicKey.x' },
    { name: 'an RS256 alg', publicKey: { kty: 'OKP', crv: 'Ed25519', x, alg: 'RS256' }, field: 'publicKey.alg' },
    { name: 'an encryption use', publicKey: { kty: 'OKP', crv: 'Ed25519', x, use: 'enc' }, field: 'publicKey.use' },
    { name: 'a string', publicKey: `ed25519:${x}`, field: 'publicKey' },
    { name: 'null', publicKey: null, field: 'publicKey' },
  ])('rejects a publicKey that is $name', async ({ publicKey, field }) => {
    await expectRejected({ ...VALID, publicKey }, field);
  });

  it.each([
    { name: 'an empty name', patch: { name: '' }, field: 'name' },
    { name: 'a name of 201 characters', patch: { name: 'n'.repeat(201) }, field: 'name' },
    { name: 'a numeric name', patch: { name: 5 }, field: 'name' },
    { name: 'a missing name', patch: { name: undefined }, field: 'name' },
    { name: 'a description of 2001 characters', patch: { description: 'd'.repeat(2001) }, field: 'description' },
    { name: 'a scope that is a string', patch: { scope: 'forum.*' }, field: 'scope' },
    { name: 'a scope entry with a space', patch: { scope: ['forum read'] }, field: 'scope.0' },
    { name: 'an empty scope entry', patch: { scope: ['forum.read', ''] }, field: 'scope.1' },
    { name: 'a numeric scope entry', patch: { scope: [1] }, field: 'scope.0' },
    { name: 'a scope of 201 entries', patch: { scope: Array.from({ length: 201 }, (_, i) => `tool${i}`) }, field: 'scope' },
    { name: 'an unknown risk tier', patch: { riskTier: 'extreme' }, field: 'riskTier' },
    { name: 'an uppercase risk tier', patch: { riskTier: 'HIGH' }, field: 'riskTier' },
    { name: 'a status', patch: { status: 'suspended' }, field: 'status' },
    { name: 'a privateKey', patch: { privateKey: { kty: 'OKP' } }, field: 'privateKey' },
    { name: 'a createdAt', patch: { createdAt: '2020-01-01T00:00:00.000Z' }, field: 'createdAt' },
    { name: 'a lastSeenAt', patch: { lastSeenAt: '2020-01-01T00:00:00.000Z' }, field: 'lastSeenAt' },
  ])('rejects $name', async ({ patch, field }) => {
    await expectRejected({ ...VALID, ...patch }, field);
  });

  it('names the first of several unknown fields, not a path made of them', async () => {
    await expectRejected({ ...VALID, foo: 1, bar: 2 }, 'foo');
  });
});

describe('GET /v1/agents and /v1/agents/:id', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden({}, { now: fixedClock().now });
  });
  afterAll(() => t.close());

  it('lists nothing on a fresh install', async () => {
    const res = await t.request('GET', '/v1/agents', { key: t.keys.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ agents: [] });
  });

  it('lists every agent, ordered by id, without private keys', async () => {
    const made = [];
    for (const id of ['zeta', 'alpha', 'mid']) {
      const { privateKey: _p, ...agent } = (await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, id } })).json();
      made.push(agent);
    }
    const res = await t.request('GET', '/v1/agents', { key: t.keys.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ agents: [...made].sort((a, b) => a.id.localeCompare(b.id)).map((a) => ({ ...a, credentials: { active: 0, longestRemainingSeconds: 0, live: [] } })) });
  });

  it('reads one agent', async () => {
    const res = await t.request('GET', '/v1/agents/alpha', { key: t.keys.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'alpha', name: 'Forum helper', owner: 'human:alice', status: 'active', lastSeenAt: null });
  });

  it('answers 404 AGENT_NOT_FOUND for an unknown agent', async () => {
    const res = await t.request('GET', '/v1/agents/ghost', { key: t.keys.viewer });
    expectError(res, 404, 'AGENT_NOT_FOUND');
    expect(res.json().error.message).toBe('no agent `ghost`');
  });

  it.each(['Alpha', 'a'.repeat(64), '-alpha', 'al_pha', 'al%20pha', 'al%0Apha'])('answers 400 INVALID_REQUEST naming `id` for the path id `%s`', async (id) => {
    expectError(await t.request('GET', `/v1/agents/${id}`, { key: t.keys.viewer }), 400, 'INVALID_REQUEST', 'id');
  });

  it('does not change anything by reading', async () => {
    const before = await snapshot(t);
    await t.request('GET', '/v1/agents', { key: t.keys.viewer });
    await t.request('GET', '/v1/agents/alpha', { key: t.keys.viewer });
    await expectUnchanged(t, before);
  });
});

describe('PATCH /v1/agents/:id', () => {
  let t: TestWarden;
  let clock: Clock;
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { ...VALID, scope: ['forum.read'] } });
    clock.advance(60_000);
  });
  afterEach(() => t.close());

  it('updates the given fields, keeps the rest and moves updatedAt', async () => {
    const { credentials: _held, ...before } = (await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer })).json();
    const res = await t.request('PATCH', '/v1/agents/forum-helper', {
      key: t.keys.admin,
      body: { name: 'Forum bot', scope: ['forum.read', 'forum.post'], riskTier: 'low', description: 'replies' },
    });
    expect(res.statusCode).toBe(200);
    const expected = { ...before, name: 'Forum bot', scope: ['forum.read', 'forum.post'], riskTier: 'low', description: 'replies', updatedAt: clock.iso() };
    expect(res.json()).toEqual(expected);
    expect((await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer })).json()).toEqual({ ...expected, credentials: { active: 0, longestRemainingSeconds: 0, live: [] } });
  });

  it('records the changes, from and to, in one `agent.updated` entry', async () => {
    const from = await t.warden.store.log.size();
    await t.request('PATCH', '/v1/agents/forum-helper', { key: t.keys.admin, body: { name: 'Forum bot', scope: ['forum.*'], owner: 'human:bob' } });
    expect(await entriesSince(t, from)).toEqual([
      {
        v: 1,
        index: from,
        time: clock.iso(),
        type: 'agent.updated',
        actor: ADMIN_ACTOR,
        subject: 'agent:forum-helper',
        data: {
          changes: {
            name: { from: 'Forum helper', to: 'Forum bot' },
            owner: { from: 'human:alice', to: 'human:bob' },
            scope: { from: ['forum.read'], to: ['forum.*'] },
          },
        },
      },
    ]);
  });

  it('replaces the public key with a supplied one', async () => {
    const publicKey = ed25519PublicJwk();
    const res = await t.request('PATCH', '/v1/agents/forum-helper', { key: t.keys.admin, body: { publicKey } });
    expect(res.statusCode).toBe(200);
    expect(res.json().publicKey).toEqual(publicKey);
    expect(res.json().privateKey).toBeUndefined();
  });

  it('leaves a suspended agent suspended', async () => {
    await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    const res = await t.request('PATCH', '/v1/agents/forum-helper', { key: t.keys.admin, body: { name: 'Renamed' } });
    expect(res.json().status).toBe('suspended');
    expect((await t.warden.store.agents.get('forum-helper'))?.status).toBe('suspended');
  });

  it('answers 404 AGENT_NOT_FOUND for an unknown agent and changes nothing', async () => {
    const before = await snapshot(t);
    expectError(await t.request('PATCH', '/v1/agents/ghost', { key: t.keys.admin, body: { name: 'x' } }), 404, 'AGENT_NOT_FOUND');
    await expectUnchanged(t, before);
  });

  it('rejects an empty patch with 400 INVALID_REQUEST', async () => {
    const before = await snapshot(t);
    const res = await t.request('PATCH', '/v1/agents/forum-helper', { key: t.keys.admin, body: {} });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.json().error.message).toBe('invalid body: nothing to update');
    await expectUnchanged(t, before);
  });

  it.each([
    { name: 'the id', body: { id: 'other' }, field: 'id' },
    { name: 'the status', body: { status: 'active' }, field: 'status' },
    { name: 'createdAt', body: { createdAt: '2020-01-01T00:00:00.000Z' }, field: 'createdAt' },
    { name: 'updatedAt', body: { updatedAt: '2020-01-01T00:00:00.000Z' }, field: 'updatedAt' },
    { name: 'lastSeenAt', body: { lastSeenAt: null }, field: 'lastSeenAt' },
    { name: 'a private key', body: { privateKey: {} }, field: 'privateKey' },
    { name: 'a private JWK as public key', body: { publicKey: { ...ed25519PublicJwk(), d: 'x'.repeat(43) } }, field: 'publicKey.d' },
    { name: 'an owner that is not human', body: { owner: 'agent:forum-helper' }, field: 'owner' },
    { name: 'an empty name', body: { name: '' }, field: 'name' },
    { name: 'an unknown risk tier', body: { riskTier: 'none' }, field: 'riskTier' },
    { name: 'a bad scope entry', body: { scope: ['ok', 'not ok'] }, field: 'scope.1' },
  ])('rejects a patch of $name naming `$field` and changes nothing', async ({ body, field }) => {
    const before = await snapshot(t);
    expectError(await t.request('PATCH', '/v1/agents/forum-helper', { key: t.keys.admin, body }), 400, 'INVALID_REQUEST', field);
    await expectUnchanged(t, before);
  });
});

describe('POST /v1/agents/:id/suspend and /resume', () => {
  let t: TestWarden;
  let clock: Clock;
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: VALID });
    clock.advance(1000);
  });
  afterEach(() => t.close());

  it('suspends an active agent and returns it', async () => {
    const res = await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin, body: { reason: 'leaking data' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'forum-helper', status: 'suspended', updatedAt: clock.iso() });
    expect((await t.warden.store.agents.get('forum-helper'))?.status).toBe('suspended');
  });

  it('records `agent.suspended` with the reason', async () => {
    const from = await t.warden.store.log.size();
    await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin, body: { reason: 'leaking data' } });
    expect(await entriesSince(t, from)).toEqual([
      { v: 1, index: from, time: clock.iso(), type: 'agent.suspended', actor: ADMIN_ACTOR, subject: 'agent:forum-helper', data: { status: 'suspended', reason: 'leaking data' } },
    ]);
  });

  it('suspends without a body and records no reason', async () => {
    const from = await t.warden.store.log.size();
    const res = await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    expect(res.statusCode).toBe(200);
    expect((await entriesSince(t, from))[0]?.data).toEqual({ status: 'suspended' });
  });

  it('runs the suspension cascade once, with the actor', async () => {
    const calls: Array<[string, string]> = [];
    t.warden.agents.onSuspend(async (id, actor) => {
      calls.push([id, actor]);
    });
    await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    expect(calls).toEqual([['forum-helper', ADMIN_ACTOR]]);
  });

  it('answers 409 AGENT_ALREADY_SUSPENDED to a second suspend and changes nothing', async () => {
    await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    const before = await snapshot(t);
    const res = await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    expectError(res, 409, 'AGENT_ALREADY_SUSPENDED');
    expect(res.json().error.message).toBe('agent `forum-helper` is already suspended');
    await expectUnchanged(t, before);
  });

  it('lets exactly one of two concurrent suspends succeed, with one entry and one cascade', async () => {
    let cascades = 0;
    t.warden.agents.onSuspend(async () => {
      cascades++;
    });
    const from = await t.warden.store.log.size();
    const results = await Promise.all([
      t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin, body: { reason: 'one' } }),
      t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin, body: { reason: 'two' } }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect((await entriesSince(t, from)).map((e) => e.type)).toEqual(['agent.suspended']);
    expect(cascades).toBe(1);
  });

  it.each([
    ['suspend first', ['suspend', 'patch']],
    ['patch first', ['patch', 'suspend']],
  ] as const)('keeps the agent suspended when a PATCH races the suspend (%s)', async (_name, order) => {
    const send = (what: 'suspend' | 'patch') =>
      what === 'suspend'
        ? t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin, body: { reason: 'kill switch' } })
        : t.request('PATCH', '/v1/agents/forum-helper', { key: t.keys.admin, body: { name: 'Renamed' } });
    const results = await Promise.all(order.map(send));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    const agent = await t.warden.store.agents.get('forum-helper');
    expect(agent).toMatchObject({ status: 'suspended', name: 'Renamed' });
  });

  it('resumes a suspended agent and records `agent.resumed`', async () => {
    await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    clock.advance(1000);
    const from = await t.warden.store.log.size();
    const res = await t.request('POST', '/v1/agents/forum-helper/resume', { key: t.keys.admin, body: { reason: 'fixed' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'forum-helper', status: 'active', updatedAt: clock.iso() });
    expect(await entriesSince(t, from)).toEqual([
      { v: 1, index: from, time: clock.iso(), type: 'agent.resumed', actor: ADMIN_ACTOR, subject: 'agent:forum-helper', data: { status: 'active', reason: 'fixed' } },
    ]);
  });

  it('answers 409 AGENT_NOT_SUSPENDED to resuming an active agent and changes nothing', async () => {
    const before = await snapshot(t);
    const res = await t.request('POST', '/v1/agents/forum-helper/resume', { key: t.keys.admin });
    expectError(res, 409, 'AGENT_NOT_SUSPENDED');
    expect(res.json().error.message).toBe('agent `forum-helper` is not suspended');
    await expectUnchanged(t, before);
  });

  it.each(['suspend', 'resume'])('answers 404 AGENT_NOT_FOUND to %s of an unknown agent and changes nothing', async (verb) => {
    const before = await snapshot(t);
    expectError(await t.request('POST', `/v1/agents/ghost/${verb}`, { key: t.keys.admin }), 404, 'AGENT_NOT_FOUND');
    await expectUnchanged(t, before);
  });

  it.each([
    { verb: 'suspend', body: { reason: 'r'.repeat(1001) }, field: 'reason' },
    { verb: 'suspend', body: { reason: 42 }, field: 'reason' },
    { verb: 'suspend', body: { reason: 'x', force: true }, field: 'force' },
    { verb: 'resume', body: { reason: 'r'.repeat(1001) }, field: 'reason' },
    { verb: 'resume', body: { status: 'active' }, field: 'status' },
  ])('rejects a $verb body naming `$field` and changes nothing', async ({ verb, body, field }) => {
    if (verb === 'resume') await t.request('POST', '/v1/agents/forum-helper/suspend', { key: t.keys.admin });
    const before = await snapshot(t);
    expectError(await t.request('POST', `/v1/agents/forum-helper/${verb}`, { key: t.keys.admin, body }), 400, 'INVALID_REQUEST', field);
    await expectUnchanged(t, before);
  });
});

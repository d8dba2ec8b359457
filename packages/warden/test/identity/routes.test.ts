/** The JSON routes: grants, live credentials, revocation by jti, the hygiene report; bad input on each. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testWarden } from '../helpers.js';
import { assertionFor, grantToken, identityWarden, registerAgent, type IdentityTest } from './fixtures.js';

describe('POST /v1/grants', () => {
  let t: IdentityTest;
  beforeAll(async () => {
    t = await identityWarden();
    await registerAgent(t, 'forum-helper', ['forum.*', 'docs.read']);
  });
  afterAll(() => t.close());

  it('lets an admin grant too, with `agent:` in the id, a ttl and a max depth', async () => {
    const res = await t.request('POST', '/v1/grants', {
      key: t.keys.admin,
      body: { agent: 'agent:forum-helper', intent: 'triage', scope: ['forum.read.*', 'docs.read'], ttlSeconds: 60, maxDepth: 0 },
    });
    expect(res.statusCode).toBe(201);
    const cred = await t.warden.identity.verify(res.json().token);
    expect(cred).toMatchObject({ sub: 'human:admin-user', actors: ['agent:forum-helper'], scope: ['forum.read.*', 'docs.read'], maxDepth: 0, depth: 0 });
    expect(cred.exp - cred.iat).toBe(60);
    expect(cred.task.id).toMatch(/^task_/);
  });

  it('defaults to the configured 15 minutes', async () => {
    const token = await grantToken(t, 'forum-helper', ['forum.read']);
    const cred = await t.warden.identity.verify(token);
    expect(cred.exp - cred.iat).toBe(900);
  });

  const bad: Array<[string, unknown, string]> = [
    ['no body', undefined, 'agent'],
    ['a bad agent id', { agent: 'Not An Id', intent: 'x', scope: ['forum.read'] }, 'agent'],
    ['an empty intent', { agent: 'forum-helper', intent: ' ', scope: ['forum.read'] }, 'intent'],
    ['an empty scope', { agent: 'forum-helper', intent: 'x', scope: [] }, 'scope'],
    ['a malformed scope pattern', { agent: 'forum-helper', intent: 'x', scope: ['forum read'] }, 'scope.0'],
    ['a zero ttl', { agent: 'forum-helper', intent: 'x', scope: ['forum.read'], ttlSeconds: 0 }, 'ttlSeconds'],
    ['a ttl as text', { agent: 'forum-helper', intent: 'x', scope: ['forum.read'], ttlSeconds: '60' }, 'ttlSeconds'],
    ['a max depth over 5', { agent: 'forum-helper', intent: 'x', scope: ['forum.read'], maxDepth: 6 }, 'maxDepth'],
    ['an unknown field', { agent: 'forum-helper', intent: 'x', scope: ['forum.read'], sub: 'human:ceo' }, 'sub'],
  ];
  for (const [name, body, field] of bad) {
    it(`answers ${name} with 400 INVALID_REQUEST naming \`${field}\``, async () => {
      const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, ...(body === undefined ? {} : { body }) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_REQUEST', details: { field } });
    });
  }

  it('answers an unknown agent with 404', async () => {
    const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: 'nobody', intent: 'x', scope: ['forum.read'] } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('AGENT_NOT_FOUND');
  });

  it('answers a suspended agent with 409', async () => {
    await registerAgent(t, 'sleeper', ['forum.*']);
    await t.warden.agents.suspend('sleeper', 'human:admin-user');
    const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: 'sleeper', intent: 'x', scope: ['forum.read'] } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('AGENT_SUSPENDED');
  });

  it('answers no key with 401', async () => {
    const res = await t.request('POST', '/v1/grants', { body: { agent: 'forum-helper', intent: 'x', scope: ['forum.read'] } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });
});

describe('/v1/credentials', () => {
  let t: IdentityTest;
  beforeAll(async () => {
    t = await identityWarden();
    await registerAgent(t, 'a', ['forum.*']);
    await registerAgent(t, 'b', ['forum.*']);
  });
  afterAll(() => t.close());

  it('lists live credentials, by agent', async () => {
    const ta = await grantToken(t, 'a', ['forum.read'], { ttlSeconds: 300 });
    const all = await t.request('GET', '/v1/credentials', { key: t.keys.viewer });
    expect(all.statusCode).toBe(200);
    const [cred] = all.json().credentials;
    expect(all.json().credentials).toHaveLength(1);
    expect(cred).toEqual({
      jti: expect.any(String),
      kind: 'grant',
      agent: 'a',
      subject: 'human:approver-user',
      actors: ['agent:a'],
      scope: ['forum.read'],
      task: { id: expect.stringMatching(/^task_/), intent: 'answer forum questions' },
      parent: null,
      depth: 0,
      maxDepth: 2,
      issuedAt: t.clock.now().toISOString(),
      expiresAt: new Date(t.clock.now().getTime() + 300_000).toISOString(),
      expiresInSeconds: 300,
    });
    expect(JSON.stringify(all.json())).not.toContain(ta);
    expect((await t.request('GET', '/v1/credentials?agent=b', { key: t.keys.viewer })).json()).toEqual({ credentials: [] });
    expect((await t.request('GET', '/v1/credentials?agent=agent:a', { key: t.keys.viewer })).json().credentials).toHaveLength(1);
  });

  it('revokes by jti (admin), cascading, and says what it revoked', async () => {
    const parent = await grantToken(t, 'a', ['forum.read']);
    const { jti } = await t.warden.identity.verify(parent);
    const assertion = await assertionFor(t, await registerAgent(t, 'c', ['forum.*']));
    const child = await t.warden.identity.tokenExchange.exchange({ subjectToken: parent, actorAssertion: assertion });
    const res = await t.request('POST', `/v1/credentials/${jti}/revoke`, { key: t.keys.admin, body: { reason: 'task done' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ jti, revoked: [jti, child.jti] });
    const again = await t.request('POST', `/v1/credentials/${jti}/revoke`, { key: t.keys.admin });
    expect(again.json()).toEqual({ jti, revoked: [] });
    const live = (await t.request('GET', '/v1/credentials', { key: t.keys.viewer })).json().credentials.map((c: { jti: string }) => c.jti);
    expect(live).not.toContain(jti);
    expect(live).not.toContain(child.jti);
  });

  const bad: Array<[string, string, string, unknown, string, number, string]> = [
    ['a bad agent filter', 'GET', '/v1/credentials?agent=NOT!', undefined, 'viewer', 400, 'INVALID_REQUEST'],
    ['an unknown query parameter', 'GET', '/v1/credentials?owner=x', undefined, 'viewer', 400, 'INVALID_REQUEST'],
    ['a zero hygiene window', 'GET', '/v1/credentials/hygiene?withinDays=0', undefined, 'auditor', 400, 'INVALID_REQUEST'],
    ['a malformed jti', 'POST', '/v1/credentials/x!/revoke', {}, 'admin', 400, 'INVALID_REQUEST'],
    ['an unknown jti', 'POST', '/v1/credentials/AAAAAAAAAAAAAAAAAAAAAA/revoke', {}, 'admin', 404, 'CREDENTIAL_NOT_FOUND'],
    ['an unknown body field', 'POST', '/v1/credentials/AAAAAAAAAAAAAAAAAAAAAA/revoke', { cascade: false }, 'admin', 400, 'INVALID_REQUEST'],
    ['a revocation by a viewer', 'POST', '/v1/credentials/AAAAAAAAAAAAAAAAAAAAAA/revoke', {}, 'viewer', 403, 'FORBIDDEN'],
    ['the hygiene report for a viewer', 'GET', '/v1/credentials/hygiene', undefined, 'viewer', 403, 'FORBIDDEN'],
  ];
  for (const [name, method, url, body, role, status, code] of bad) {
    it(`answers ${name} with ${status} ${code}`, async () => {
      const res = await t.request(method, url, { key: t.keys[role as 'admin'], ...(body === undefined ? {} : { body }) });
      expect(res.statusCode).toBe(status);
      expect(res.json().error.code).toBe(code);
    });
  }
});

describe('GET /v1/credentials/hygiene', () => {
  it('reports the numbers a security team asks for first', async () => {
    const t = await identityWarden();
    try {
      await registerAgent(t, 'a', ['forum.*']);
      await registerAgent(t, 'b', ['forum.*'], 'human:alice');
      // An agent imported without a key (as discovery may register one).
      const at = t.clock.now().toISOString();
      await t.warden.store.agents.insert(
        { id: 'keyless', name: 'keyless', owner: '', description: '', scope: [], groups: [], riskTier: 'low', status: 'active', publicKey: null, createdAt: at, updatedAt: at, lastSeenAt: null },
        { type: 'agent.registered', actor: 'system', data: {} },
      );
      const soon = await t.warden.keys.create({ owner: 'human:bob', role: 'approver', ttlDays: 3 }, 'system');
      await grantToken(t, 'a', ['forum.read'], { ttlSeconds: 600 });
      await grantToken(t, 'a', ['forum.read'], { ttlSeconds: 300 });
      const longest = await grantToken(t, 'b', ['forum.read'], { ttlSeconds: 900 });
      const revoked = await grantToken(t, 'b', ['forum.read'], { ttlSeconds: 1200 });
      await t.warden.identity.revocation.revoke((await t.warden.identity.verify(revoked)).jti, 'human:admin-user');
      t.clock.advance(100);

      const res = await t.request('GET', '/v1/credentials/hygiene', { key: t.keys.auditor });
      expect(res.statusCode).toBe(200);
      const report = res.json();
      const { kid } = await t.warden.identity.signingKeys.active();
      expect(report).toEqual({
        generatedAt: t.clock.now().toISOString(),
        credentials: {
          live: 3,
          longestRemaining: { jti: (await t.warden.identity.verify(longest)).jti, agent: 'b', seconds: 800, expiresAt: expect.any(String) },
          perAgent: [
            { agent: 'a', live: 2 },
            { agent: 'b', live: 1 },
          ],
          defaultTtlSeconds: 900,
          maxTtlSeconds: 3600,
        },
        agents: { total: 3, withoutOwner: ['keyless'], ownerWithoutActiveKey: ['b'], withoutKey: ['keyless'], suspended: [] },
        humanKeys: {
          active: 5,
          nearExpiry: [{ id: soon.id, owner: 'human:bob', role: 'approver', expiresAt: soon.expiresAt, daysLeft: 2 }],
          withinDays: 14,
        },
        signingKeys: { active: { kid, createdAt: expect.any(String), ageDays: 0 }, published: 1 },
      });
      const wider = await t.request('GET', '/v1/credentials/hygiene?withinDays=100', { key: t.keys.admin });
      expect(wider.json().humanKeys.nearExpiry).toHaveLength(5);
    } finally {
      await t.close();
    }
  });
});

describe('GET /.well-known/oauth-authorization-server', () => {
  it('describes the token endpoint, keys and grant types (RFC 8414)', async () => {
    const t = await testWarden();
    try {
      const res = await t.request('GET', '/.well-known/oauth-authorization-server');
      expect(res.statusCode).toBe(200);
      const meta = res.json();
      expect(meta.issuer).toBe(t.warden.identity.issuer);
      expect(meta.token_endpoint).toBe(t.warden.identity.tokenEndpoint);
      expect(meta.jwks_uri).toBe(`${meta.issuer}/.well-known/jwks.json`);
      expect(meta.grant_types_supported).toEqual(['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange']);
      expect(meta.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    } finally {
      await t.close();
    }
  });
});

/**
 * The whole story: a human grants agent A a task; A delegates a narrower part to sub-agent
 * B by token exchange; B's token proves the chain human → A → B; revoking A's token makes
 * B's inactive at once. Then the same with a second Warden process on the same data
 * directory revoking and suspending while the first keeps its cache warm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { createWarden, type Warden } from '../../src/warden.js';
import { assertionFor, clientCredentialsParams, decodePart, exchangeParams, identityWarden, postForm, registerAgent, type IdentityTest, type TestAgent } from './fixtures.js';

describe('human → A → B, end to end', () => {
  let t: IdentityTest;
  let a: TestAgent;
  let b: TestAgent;

  beforeAll(async () => {
    t = await identityWarden();
    a = await registerAgent(t, 'forum-helper', ['forum.*']);
    b = await registerAgent(t, 'summarizer', ['forum.read', 'docs.*']);
  });
  afterAll(() => t.close());

  it('grants, exchanges, verifies the chain, and revokes in cascade', async () => {
    const granted = await t.request('POST', '/v1/grants', {
      key: t.keys.approver,
      body: { agent: 'forum-helper', intent: 'answer the question in thread 42', scope: ['forum.read', 'forum.post'], ttlSeconds: 600 },
    });
    expect(granted.statusCode).toBe(201);
    expect(granted.headers['cache-control']).toBe('no-store');
    const { token: tokenA, jti: jtiA, expiresAt } = granted.json();
    expect(Object.keys(granted.json()).sort()).toEqual(['expiresAt', 'jti', 'token']);
    expect(expiresAt).toBe(new Date(t.clock.now().getTime() + 600_000).toISOString());

    // The token's claims are exactly DESIGN's.
    expect(decodePart(tokenA, 0)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: (await t.warden.identity.signingKeys.active()).kid });
    const claimsA = decodePart(tokenA, 1);
    expect(Object.keys(claimsA).sort()).toEqual(['act', 'aud', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub', 'task']);
    expect(claimsA).toMatchObject({
      iss: 'http://127.0.0.1:7700',
      aud: 'warden',
      sub: 'human:approver-user',
      act: { sub: 'agent:forum-helper' },
      scope: 'forum.read forum.post',
      task: { intent: 'answer the question in thread 42' },
      jti: jtiA,
    });
    expect((claimsA.exp as number) - (claimsA.iat as number)).toBe(600);

    // A delegates reading to B (form-encoded, RFC 8693).
    const exchanged = await postForm(t, '/oauth/token', exchangeParams(tokenA, await assertionFor(t, b), { scope: 'forum.read' }));
    expect(exchanged.statusCode).toBe(200);
    expect(exchanged.headers['cache-control']).toBe('no-store');
    const body = exchanged.json();
    expect(body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      scope: 'forum.read',
    });
    // No later than the parent: the default 15 minutes is cut to A's remaining 10.
    expect(body.expires_in).toBe(600);
    const tokenB = body.access_token as string;
    const claimsB = decodePart(tokenB, 1);
    expect(claimsB).toMatchObject({
      sub: 'human:approver-user',
      act: { sub: 'agent:summarizer', act: { sub: 'agent:forum-helper' } },
      scope: 'forum.read',
      parent: jtiA,
      task: claimsA.task,
      exp: claimsA.exp,
    });

    const cred = await t.warden.identity.verify(tokenB);
    expect(cred.chain).toEqual(['human:approver-user', 'agent:forum-helper', 'agent:summarizer']);
    expect(cred.actors).toEqual(['agent:summarizer', 'agent:forum-helper']);
    expect(cred).toMatchObject({ sub: 'human:approver-user', origin: 'human:approver-user', scope: ['forum.read'], depth: 1, maxDepth: 2, parent: jtiA, ancestors: [jtiA] });
    expect(t.warden.identity.inScope(cred.scope, 'forum.read')).toBe(true);
    expect(t.warden.identity.inScope(cred.scope, 'forum.post')).toBe(false);

    const active = await postForm(t, '/oauth/introspect', { token: tokenB }, t.keys.admin);
    expect(active.json()).toMatchObject({ active: true, sub: 'human:approver-user', client_id: 'agent:summarizer', scope: 'forum.read', depth: 1 });

    // Both are live credentials, by agent.
    const live = await t.request('GET', '/v1/credentials?agent=summarizer', { key: t.keys.viewer });
    expect(live.json().credentials.map((c: { jti: string }) => c.jti)).toEqual([cred.jti]);

    // Revoke A's token (RFC 7009, by its holder): B's goes inactive at once.
    const revoked = await postForm(t, '/oauth/revoke', { token: tokenA }, tokenA);
    expect(revoked.statusCode).toBe(200);
    expect((await postForm(t, '/oauth/introspect', { token: tokenB }, t.keys.admin)).json()).toEqual({ active: false });
    await expect(t.warden.identity.verify(tokenB)).rejects.toMatchObject({ code: 'ANCESTOR_REVOKED' });
    await expect(t.warden.identity.verify(tokenA)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    expect((await t.request('GET', '/v1/credentials', { key: t.keys.viewer })).json().credentials).toEqual([]);
  });

  it('an agent acting on its own gets `sub=agent:…` and can delegate the same way', async () => {
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a), { scope: 'forum.read', intent: 'nightly digest' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ token_type: 'Bearer', scope: 'forum.read', expires_in: 900 });
    expect(res.json().issued_token_type).toBeUndefined();
    const own = res.json().access_token as string;
    const claims = decodePart(own, 1);
    expect(claims.sub).toBe('agent:forum-helper');
    expect(claims.act).toBeUndefined();
    expect(claims.task).toMatchObject({ intent: 'nightly digest' });
    const cred = await t.warden.identity.verify(own);
    expect(cred.actors).toEqual(['agent:forum-helper']);
    expect(cred.chain).toEqual(['agent:forum-helper']);

    const child = await t.warden.identity.tokenExchange.exchange({ subjectToken: own, actorAssertion: await assertionFor(t, b) });
    expect(decodePart(child.token, 1).act).toEqual({ sub: 'agent:summarizer' });
    const childCred = await t.warden.identity.verify(child.token);
    expect(childCred.chain).toEqual(['agent:forum-helper', 'agent:summarizer']);
    expect(childCred.depth).toBe(1);
  });
});

describe('two processes on one data directory', () => {
  let t: IdentityTest;
  let other: Warden;
  let b: TestAgent;

  beforeAll(async () => {
    t = await identityWarden();
    await registerAgent(t, 'alpha', ['forum.*']);
    b = await registerAgent(t, 'beta', ['forum.*']);
    // A second Warden on the same data directory: what `warden` CLI commands open.
    other = await createWarden(validateConfig({ dataDir: t.dir, logLevel: 'silent' }), { now: t.clock.now });
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('shares the signing key and verifies what the other issued', async () => {
    expect((await other.identity.signingKeys.active()).kid).toBe((await t.warden.identity.signingKeys.active()).kid);
    const fromCli = await other.identity.grants.grant({ agent: 'alpha', intent: 'x', scope: ['forum.read'] }, 'human:ops', 'cli:ops');
    expect((await t.warden.identity.verify(fromCli.token)).sub).toBe('human:ops');
  });

  it('a revocation by the other process applies on the very next use of a cached token', async () => {
    const granted = await t.warden.identity.grants.grant({ agent: 'alpha', intent: 'x', scope: ['forum.read'] }, 'human:ops');
    const child = await t.warden.identity.tokenExchange.exchange({ subjectToken: granted.token, actorAssertion: await assertionFor(t, b) });
    await t.warden.identity.verify(child.token);
    await t.warden.identity.verify(child.token);
    expect(t.warden.identity.verifier.cachedCount).toBeGreaterThan(0);
    await other.identity.revocation.revoke(granted.jti, 'cli:ops');
    await expect(t.warden.identity.verify(child.token)).rejects.toMatchObject({ code: 'ANCESTOR_REVOKED' });
  });

  it('a suspension by the other process applies on the very next use of a cached token', async () => {
    const granted = await t.warden.identity.grants.grant({ agent: 'beta', intent: 'x', scope: ['forum.read'] }, 'human:ops');
    await t.warden.identity.verify(granted.token);
    await other.agents.suspend('beta', 'cli:ops');
    await expect(t.warden.identity.verify(granted.token)).rejects.toMatchObject({ code: 'ACTOR_SUSPENDED' });
    // …and it stays revoked after the agent is resumed: suspension revoked the token.
    await other.agents.resume('beta', 'cli:ops');
    await expect(t.warden.identity.verify(granted.token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('a rotation by the other process is followed by the next issuance here', async () => {
    const before = await t.warden.identity.grants.grant({ agent: 'alpha', intent: 'x', scope: ['forum.read'] }, 'human:ops');
    const rotated = await other.identity.signingKeys.rotate('cli:ops');
    const after = await t.warden.identity.grants.grant({ agent: 'alpha', intent: 'x', scope: ['forum.read'] }, 'human:ops');
    expect(decodePart(after.token, 0).kid).toBe(rotated.kid);
    expect(decodePart(before.token, 0).kid).toBe(rotated.retired);
    expect((await t.warden.identity.verify(before.token)).jti).toBe(before.jti);
    expect((await t.warden.identity.verify(after.token)).jti).toBe(after.jti);
  });
});

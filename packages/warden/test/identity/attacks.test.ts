/**
 * Attacks on credentials, each from the attacker's side and each its own case: every one
 * must fail with its own specific code.
 */
import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertionFor,
  clientCredentialsParams,
  decodePart,
  encodePart,
  exchangeParams,
  exchangeToken,
  grantToken,
  identityWarden,
  postForm,
  registerAgent,
  signAsWarden,
  type IdentityTest,
  type TestAgent,
} from './fixtures.js';

let t: IdentityTest;
let n = 0;

/** Fresh agents per case, so no case leans on another's state. */
async function agents(...scopes: string[][]): Promise<TestAgent[]> {
  const out: TestAgent[] = [];
  for (const scope of scopes) out.push(await registerAgent(t, `agent-${++n}`, scope));
  return out;
}

async function grantedToken(scope = ['forum.read', 'forum.post'], extra: Record<string, unknown> = {}): Promise<{ token: string; agent: TestAgent }> {
  const [agent] = (await agents(['forum.*'])) as [TestAgent];
  return { token: await grantToken(t, agent.id, scope, extra), agent };
}

function expectCode(promise: Promise<unknown>, code: string) {
  return expect(promise).rejects.toMatchObject({ code });
}

beforeAll(async () => {
  t = await identityWarden();
});
afterAll(() => t.close());

describe('forged and altered tokens', () => {
  it('refuses `alg: none`', async () => {
    const { token } = await grantedToken();
    const header = { ...decodePart(token, 0), alg: 'none' };
    const forged = `${encodePart(header)}.${token.split('.')[1]}.`;
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_ALG_NOT_ALLOWED');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const { token } = await grantedToken();
    const { kid } = await t.warden.identity.signingKeys.active();
    const jwks = (await t.request('GET', '/.well-known/jwks.json')).json();
    const jwk = jwks.keys.find((k: { kid: string }) => k.kid === kid);
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const header = encodePart({ alg: 'HS256', typ: 'at+jwt', kid });
    const payload = encodePart({ ...decodePart(token, 1), scope: '*' });
    const mac = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url');
    await expectCode(t.warden.identity.verify(`${header}.${payload}.${mac}`), 'TOKEN_ALG_NOT_ALLOWED');
  });

  it('refuses a wrong `typ`', async () => {
    const { token } = await grantedToken();
    const forged = await signAsWarden(t, decodePart(token, 1), { typ: 'JWT' });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_TYP_INVALID');
  });

  it('refuses a tampered payload', async () => {
    const { token } = await grantedToken(['forum.read']);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${encodePart({ ...decodePart(token, 1), scope: 'forum.read repo.admin' })}.${s}`;
    await expectCode(t.warden.identity.verify(tampered), 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses a tampered payload even when the genuine token with that jti is cached', async () => {
    const { token } = await grantedToken(['forum.read']);
    await t.warden.identity.verify(token);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${encodePart({ ...decodePart(token, 1), scope: '*' })}.${s}`;
    await expectCode(t.warden.identity.verify(tampered), 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses a token signed by another issuer\'s key that names its own kid', async () => {
    const { token } = await grantedToken();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const kid = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as never);
    const forged = await new SignJWT(decodePart(token, 1)).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid }).sign(privateKey);
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_KEY_UNKNOWN');
  });

  it('refuses a token signed by another issuer\'s key that borrows Warden\'s kid', async () => {
    const { token } = await grantedToken();
    const { kid } = await t.warden.identity.signingKeys.active();
    const forged = await new SignJWT(decodePart(token, 1))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid })
      .sign(generateKeyPairSync('ed25519').privateKey);
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_SIGNATURE_INVALID');
  });

  it('refuses another issuer', async () => {
    const { token } = await grantedToken();
    const forged = await signAsWarden(t, { ...decodePart(token, 1), iss: 'https://evil.example' });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_ISSUER_INVALID');
  });

  it('refuses a wrong audience', async () => {
    const { token } = await grantedToken();
    const forged = await signAsWarden(t, { ...decodePart(token, 1), aud: 'some-other-service' });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_AUDIENCE_INVALID');
  });

  it('refuses a token without `exp`', async () => {
    const { token } = await grantedToken();
    const { exp: _exp, ...claims } = decodePart(token, 1);
    await expectCode(t.warden.identity.verify(await signAsWarden(t, claims)), 'TOKEN_MALFORMED');
  });

  it('refuses a well-signed token this warden never issued', async () => {
    const { token } = await grantedToken();
    const forged = await signAsWarden(t, { ...decodePart(token, 1), jti: 'never-issued-jti-0001' });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_UNKNOWN');
  });

  it('refuses a real token re-signed with Warden\'s own key but a wider scope (a leaked key cannot widen a token)', async () => {
    const { token } = await grantedToken(['forum.read']);
    const forged = await signAsWarden(t, { ...decodePart(token, 1), scope: 'forum.read forum.post' });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_UNKNOWN');
  });

  it('refuses a real token re-signed with Warden\'s own key but a later expiry', async () => {
    const { token } = await grantedToken(['forum.read'], { ttlSeconds: 60 });
    const claims = decodePart(token, 1);
    const forged = await signAsWarden(t, { ...claims, exp: (claims.exp as number) + 600 });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_UNKNOWN');
  });

  it('refuses garbage', async () => {
    await expectCode(t.warden.identity.verify('not.a.jwt'), 'TOKEN_MALFORMED');
    await expectCode(t.warden.identity.verify(''), 'TOKEN_MALFORMED');
  });
});

describe('time', () => {
  it('refuses an expired token', async () => {
    const { token } = await grantedToken(['forum.read'], { ttlSeconds: 60 });
    t.clock.advance(60 + t.warden.config.clockLeewaySeconds + 1);
    await expectCode(t.warden.identity.verify(token), 'TOKEN_EXPIRED');
  });

  it('refuses an expired token that was cached while valid', async () => {
    const { token } = await grantedToken(['forum.read'], { ttlSeconds: 60 });
    await t.warden.identity.verify(token);
    t.clock.advance(60 + t.warden.config.clockLeewaySeconds + 1);
    await expectCode(t.warden.identity.verify(token), 'TOKEN_EXPIRED');
  });

  it('refuses a token that is not valid yet (`nbf` ahead)', async () => {
    const { token } = await grantedToken();
    const forged = await signAsWarden(t, { ...decodePart(token, 1), nbf: Math.floor(t.clock.now().getTime() / 1000) + 3600 });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_NOT_YET_VALID');
  });

  it('refuses a token issued in the future (`iat` ahead)', async () => {
    const { token } = await grantedToken();
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const forged = await signAsWarden(t, { ...decodePart(token, 1), iat: now + 600, exp: now + 900 });
    await expectCode(t.warden.identity.verify(forged), 'TOKEN_NOT_YET_VALID');
  });
});

describe('revocation and the chain', () => {
  it('refuses a revoked token', async () => {
    const { token } = await grantedToken();
    const cred = await t.warden.identity.verify(token);
    const res = await t.request('POST', `/v1/credentials/${cred.jti}/revoke`, { key: t.keys.admin, body: {} });
    expect(res.statusCode).toBe(200);
    await expectCode(t.warden.identity.verify(token), 'TOKEN_REVOKED');
  });

  it('refuses a token whose ancestor was revoked', async () => {
    const { token: parent } = await grantedToken(['forum.read']);
    const [b] = (await agents(['forum.*'])) as [TestAgent];
    const child = await exchangeToken(t, parent, b, 'forum.read');
    await t.warden.identity.verify(child);
    const { jti } = await t.warden.identity.verify(parent);
    await t.warden.identity.revocation.revoke(jti, 'human:admin-user');
    await expectCode(t.warden.identity.verify(child), 'ANCESTOR_REVOKED');
  });

  it('refuses a token whose actor is suspended', async () => {
    const { token, agent } = await grantedToken();
    await t.warden.identity.verify(token);
    const res = await t.request('POST', `/v1/agents/${agent.id}/suspend`, { key: t.keys.admin, body: { reason: 'incident' } });
    expect(res.statusCode).toBe(200);
    await expectCode(t.warden.identity.verify(token), 'ACTOR_SUSPENDED');
  });

  it('refuses a sub-agent\'s token when a prior actor in its chain is suspended', async () => {
    const { token: parent, agent: a } = await grantedToken(['forum.read']);
    const [b] = (await agents(['forum.*'])) as [TestAgent];
    const child = await exchangeToken(t, parent, b);
    await t.warden.agents.suspend(a.id, 'human:admin-user');
    await expectCode(t.warden.identity.verify(child), 'ACTOR_SUSPENDED');
  });

  it('refuses a token naming an unregistered actor', async () => {
    const iat = Math.floor(t.clock.now().getTime() / 1000);
    const { token } = await t.warden.identity.tokens.issue({
      kind: 'grant',
      sub: 'human:admin-user',
      act: { sub: 'agent:ghost' },
      actors: ['agent:ghost'],
      scope: ['forum.read'],
      task: { id: 'task_x', intent: 'haunt' },
      depth: 0,
      maxDepth: 2,
      iat,
      exp: iat + 300,
      issuedBy: 'system',
    });
    await expectCode(t.warden.identity.verify(token), 'ACTOR_UNKNOWN');
  });
});

describe('delegation (token exchange)', () => {
  it('refuses scope escalation', async () => {
    const { token } = await grantedToken(['forum.read']);
    const [b] = (await agents(['forum.*'])) as [TestAgent];
    const res = await postForm(t, '/oauth/token', exchangeParams(token, await assertionFor(t, b), { scope: 'forum.read forum.post' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope', warden_code: 'SCOPE_ESCALATION' });
  });

  it('refuses a pattern wider than the parent\'s scope', async () => {
    const { token } = await grantedToken(['forum.read']);
    const [b] = (await agents(['*'])) as [TestAgent];
    await expectCode(t.warden.identity.tokenExchange.exchange({ subjectToken: token, actorAssertion: await assertionFor(t, b), scope: ['forum.*'] }), 'SCOPE_ESCALATION');
  });

  it('refuses an `exp` beyond the parent\'s', async () => {
    const { token } = await grantedToken(['forum.read'], { ttlSeconds: 120 });
    const [b] = (await agents(['forum.*'])) as [TestAgent];
    const res = await postForm(t, '/oauth/token', exchangeParams(token, await assertionFor(t, b), { expires_in: '600' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'EXPIRY_BEYOND_PARENT' });
  });

  it('refuses depth over the limit', async () => {
    const { token } = await grantedToken(['forum.read'], { maxDepth: 1 });
    const [b, c] = (await agents(['forum.*'], ['forum.*'])) as [TestAgent, TestAgent];
    const viaB = await exchangeToken(t, token, b);
    const res = await postForm(t, '/oauth/token', exchangeParams(viaB, await assertionFor(t, c)));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'DELEGATION_TOO_DEEP' });
  });

  it('refuses an agent twice in the chain', async () => {
    const { token, agent: a } = await grantedToken(['forum.read']);
    const [b] = (await agents(['forum.*'])) as [TestAgent];
    const viaB = await exchangeToken(t, token, b);
    const res = await postForm(t, '/oauth/token', exchangeParams(viaB, await assertionFor(t, a)));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'DELEGATION_CYCLE' });
  });

  it('refuses a revoked subject token', async () => {
    const { token } = await grantedToken(['forum.read']);
    const [b] = (await agents(['forum.*'])) as [TestAgent];
    const { jti } = await t.warden.identity.verify(token);
    await t.warden.identity.revocation.revoke(jti, 'human:admin-user');
    const res = await postForm(t, '/oauth/token', exchangeParams(token, await assertionFor(t, b)));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'TOKEN_REVOKED' });
  });

  it('refuses a sub-agent that is not registered for the scope', async () => {
    const { token } = await grantedToken(['forum.read', 'forum.post']);
    const [b] = (await agents(['forum.read'])) as [TestAgent];
    await expectCode(t.warden.identity.tokenExchange.exchange({ subjectToken: token, actorAssertion: await assertionFor(t, b) }), 'SCOPE_NOT_ALLOWED');
  });
});

describe('client assertions', () => {
  it('refuses a replayed assertion', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const assertion = await assertionFor(t, a);
    const first = await postForm(t, '/oauth/token', clientCredentialsParams(assertion));
    expect(first.statusCode).toBe(200);
    const again = await postForm(t, '/oauth/token', clientCredentialsParams(assertion));
    expect(again.statusCode).toBe(401);
    expect(again.json()).toMatchObject({ error: 'invalid_client', warden_code: 'ASSERTION_REPLAYED' });
  });

  it('refuses an assertion replayed concurrently (only one of two wins)', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const assertion = await assertionFor(t, a);
    const results = await Promise.allSettled([
      t.warden.identity.clientCredentials.issue({ assertion }),
      t.warden.identity.clientCredentials.issue({ assertion }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'ASSERTION_REPLAYED' });
  });

  it('refuses an assertion signed with another agent\'s key', async () => {
    const [a, b] = (await agents(['forum.*'], ['forum.*'])) as [TestAgent, TestAgent];
    const forged = await assertionFor(t, b, { key: a.privateKey });
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(forged));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client', warden_code: 'ASSERTION_SIGNATURE_INVALID' });
  });

  it('refuses an assertion whose `exp` is hours away', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a, { expIn: 3 * 3600 })));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client', warden_code: 'ASSERTION_LIFETIME_TOO_LONG' });
  });

  it('refuses an expired assertion', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const assertion = await assertionFor(t, a, { expIn: 30 });
    t.clock.advance(30 + t.warden.config.clockLeewaySeconds + 1);
    await expectCode(t.warden.identity.clientCredentials.issue({ assertion }), 'ASSERTION_EXPIRED');
  });

  it('refuses an assertion for another audience', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    await expectCode(t.warden.identity.clientCredentials.issue({ assertion: await assertionFor(t, a, { aud: 'https://elsewhere.example/token' }) }), 'ASSERTION_INVALID');
  });

  it('refuses an assertion whose `sub` differs from its `iss`', async () => {
    const [a, b] = (await agents(['forum.*'], ['forum.*'])) as [TestAgent, TestAgent];
    await expectCode(t.warden.identity.clientCredentials.issue({ assertion: await assertionFor(t, a, { sub: b.principal }) }), 'ASSERTION_INVALID');
  });

  it('refuses an assertion from an unregistered agent', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    await expectCode(t.warden.identity.clientCredentials.issue({ assertion: await assertionFor(t, a, { iss: 'agent:nobody', sub: 'agent:nobody' }) }), 'ACTOR_UNKNOWN');
  });

  it('refuses an assertion from a suspended agent', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    await t.warden.agents.suspend(a.id, 'human:admin-user');
    await expectCode(t.warden.identity.clientCredentials.issue({ assertion: await assertionFor(t, a) }), 'ACTOR_SUSPENDED');
  });

  it('refuses a client-credentials scope beyond the agent\'s registration', async () => {
    const [a] = (await agents(['forum.read'])) as [TestAgent];
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a), { scope: 'forum.read repo.write' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope', warden_code: 'SCOPE_NOT_ALLOWED' });
  });
});

describe('grants', () => {
  it('refuses a grant by a viewer key', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const res = await t.request('POST', '/v1/grants', { key: t.keys.viewer, body: { agent: a.id, intent: 'x', scope: ['forum.read'] } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('refuses a grant by an auditor key', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const res = await t.request('POST', '/v1/grants', { key: t.keys.auditor, body: { agent: a.id, intent: 'x', scope: ['forum.read'] } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('refuses a grant with an agent token instead of a human key', async () => {
    const { token } = await grantedToken();
    const res = await t.request('POST', '/v1/grants', { key: token, body: { agent: 'x', intent: 'x', scope: ['forum.read'] } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a grant beyond the agent\'s registered scope', async () => {
    const [a] = (await agents(['forum.read'])) as [TestAgent];
    const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: a.id, intent: 'x', scope: ['forum.*'] } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('SCOPE_NOT_ALLOWED');
  });

  it('refuses a lifetime beyond the hard maximum', async () => {
    const [a] = (await agents(['forum.*'])) as [TestAgent];
    const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: a.id, intent: 'x', scope: ['forum.read'], ttlSeconds: 3601 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('TTL_TOO_LONG');
  });
});

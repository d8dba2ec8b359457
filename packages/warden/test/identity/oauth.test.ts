/** The OAuth endpoints: form and JSON bodies, RFC 6749 error shapes, RFC 7009 revocation, RFC 7662 introspection. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE } from '../../src/identity/assertion.js';
import {
  assertionFor,
  clientCredentialsParams,
  exchangeParams,
  exchangeToken,
  grantToken,
  identityWarden,
  postForm,
  registerAgent,
  type IdentityTest,
  type TestAgent,
} from './fixtures.js';

let t: IdentityTest;
let a: TestAgent;
let b: TestAgent;
let c: TestAgent;

beforeAll(async () => {
  t = await identityWarden();
  a = await registerAgent(t, 'alpha', ['forum.*']);
  b = await registerAgent(t, 'beta', ['forum.*']);
  c = await registerAgent(t, 'gamma', ['forum.*']);
});
afterAll(() => t.close());

describe('POST /oauth/token', () => {
  it('accepts a form-encoded client-credentials request', async () => {
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a), { scope: 'forum.read', expires_in: '120', client_id: 'agent:alpha' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.json()).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 120, scope: 'forum.read' });
  });

  it('accepts the same request as JSON', async () => {
    const res = await t.request('POST', '/oauth/token', { body: clientCredentialsParams(await assertionFor(t, a), { scope: 'forum.read' }) });
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('forum.read');
  });

  it('accepts an assertion whose audience is the issuer itself', async () => {
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a, { aud: t.warden.identity.issuer })));
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('forum.*');
  });

  it('ignores parameters it does not know (RFC 6749 §3.2)', async () => {
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a), { foo: 'bar' }));
    expect(res.statusCode).toBe(200);
  });

  it('accepts a form-encoded token exchange', async () => {
    const parent = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, b), { audience: 'warden', requested_token_type: 'urn:ietf:params:oauth:token-type:access_token' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().issued_token_type).toBe('urn:ietf:params:oauth:token-type:access_token');
  });

  const bad: Array<[string, Record<string, string>, number, string, string]> = [
    ['no grant_type', {}, 400, 'invalid_request', 'INVALID_REQUEST'],
    ['an unsupported grant type', { grant_type: 'password' }, 400, 'unsupported_grant_type', 'UNSUPPORTED_GRANT_TYPE'],
    ['client credentials without an assertion', { grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE }, 400, 'invalid_request', 'INVALID_REQUEST'],
    ['a wrong assertion type', { grant_type: 'client_credentials', client_assertion_type: 'basic', client_assertion: 'x' }, 400, 'invalid_request', 'INVALID_REQUEST'],
    ['an assertion that is not a jwt', clientCredentialsParams('not-a-jwt'), 401, 'invalid_client', 'ASSERTION_INVALID'],
    ['an exchange without an actor token', { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'x', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }, 400, 'invalid_request', 'INVALID_REQUEST'],
    ['an exchange with a garbage subject token', exchangeParams('garbage', 'garbage'), 400, 'invalid_request', 'TOKEN_MALFORMED'],
  ];
  for (const [name, params, status, error, code] of bad) {
    it(`answers ${name} with ${status} ${error}`, async () => {
      const res = await postForm(t, '/oauth/token', params);
      expect(res.statusCode).toBe(status);
      expect(res.json()).toEqual({ error, error_description: expect.any(String), warden_code: code });
    });
  }

  it('refuses a parameter sent twice', async () => {
    const res = await t.request('POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'INVALID_REQUEST' });
  });

  it('refuses a malformed scope', async () => {
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a), { scope: 'forum.read bad!scope' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope', warden_code: 'SCOPE_INVALID' });
  });

  it('refuses a lifetime beyond the maximum', async () => {
    const res = await postForm(t, '/oauth/token', clientCredentialsParams(await assertionFor(t, a), { expires_in: '7200' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'TTL_TOO_LONG' });
  });

  it('refuses an exchange for another audience', async () => {
    const parent = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, b), { audience: 'https://other.example' }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_target', warden_code: 'INVALID_TARGET' });
  });

  it('refuses invalid json in the RFC shape', async () => {
    const res = await t.request('POST', '/oauth/token', { payload: '{nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'INVALID_JSON' });
  });

  it('refuses another content type in the RFC shape', async () => {
    const res = await t.request('POST', '/oauth/token', { headers: { 'content-type': 'application/xml' }, payload: '<grant_type/>' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

describe('POST /oauth/revoke (RFC 7009)', () => {
  it('lets an admin revoke any token, form-encoded', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/revoke', { token, token_type_hint: 'access_token' }, t.keys.admin);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    await expect(t.warden.identity.verify(token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('lets the delegating agent revoke the token it exchanged, as JSON', async () => {
    const parent = await grantToken(t, 'alpha', ['forum.read']);
    const child = await exchangeToken(t, parent, b);
    const res = await t.request('POST', '/oauth/revoke', { key: parent, body: { token: child } });
    expect(res.statusCode).toBe(200);
    await expect(t.warden.identity.verify(child)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    expect((await t.warden.identity.verify(parent)).jti).toBeTypeOf('string');
  });

  it('answers 200 for a token it does not know', async () => {
    const res = await postForm(t, '/oauth/revoke', { token: 'eyJhbGciOiJFZERTQSJ9.e30.AAAA' }, t.keys.admin);
    expect(res.statusCode).toBe(200);
  });

  it('refuses a caller without credentials', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/revoke', { token });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client', warden_code: 'UNAUTHENTICATED' });
    expect((await t.warden.identity.verify(token)).scope).toEqual(['forum.read']);
  });

  it('refuses a non-admin human key', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/revoke', { token }, t.keys.approver);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'unauthorized_client', warden_code: 'FORBIDDEN' });
  });

  it('refuses an agent revoking another agent\'s unrelated token', async () => {
    const victim = await grantToken(t, 'alpha', ['forum.read']);
    const attacker = await grantToken(t, 'gamma', ['forum.read']);
    const res = await postForm(t, '/oauth/revoke', { token: victim }, attacker);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'unauthorized_client', warden_code: 'FORBIDDEN' });
    expect((await t.warden.identity.verify(victim)).scope).toEqual(['forum.read']);
  });

  it('refuses a caller whose own token does not verify', async () => {
    const victim = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/revoke', { token: victim }, 'not.a.token');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client', warden_code: 'UNAUTHENTICATED' });
  });

  it('refuses a request without a token', async () => {
    const res = await postForm(t, '/oauth/revoke', {}, t.keys.admin);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', warden_code: 'INVALID_REQUEST' });
  });
});

describe('POST /oauth/introspect (RFC 7662)', () => {
  it('answers active with the claims for a good token (admin, form-encoded)', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read']);
    const res = await postForm(t, '/oauth/introspect', { token }, t.keys.admin);
    expect(res.statusCode).toBe(200);
    const cred = await t.warden.identity.verify(token);
    expect(res.json()).toEqual({
      active: true,
      iss: 'http://127.0.0.1:7700',
      aud: 'warden',
      sub: 'human:approver-user',
      act: { sub: 'agent:alpha' },
      scope: 'forum.read',
      client_id: 'agent:alpha',
      token_type: 'Bearer',
      iat: cred.iat,
      exp: cred.exp,
      jti: cred.jti,
      task: cred.task,
      depth: 0,
      max_depth: 2,
    });
  });

  it('lets a holder introspect its own token', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read']);
    const res = await t.request('POST', '/oauth/introspect', { key: token, body: { token } });
    expect(res.json().active).toBe(true);
  });

  it('answers active:false to an agent asking about another agent\'s token', async () => {
    const victim = await grantToken(t, 'alpha', ['forum.read']);
    const other = await grantToken(t, 'gamma', ['forum.read']);
    const res = await postForm(t, '/oauth/introspect', { token: victim }, other);
    expect(res.json()).toEqual({ active: false });
  });

  it('answers active:false for an expired token', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read'], { ttlSeconds: 10 });
    t.clock.advance(10 + 31);
    expect((await postForm(t, '/oauth/introspect', { token }, t.keys.admin)).json()).toEqual({ active: false });
  });

  it('answers active:false for a revoked token', async () => {
    const token = await grantToken(t, 'alpha', ['forum.read']);
    await postForm(t, '/oauth/revoke', { token }, token);
    expect((await postForm(t, '/oauth/introspect', { token }, t.keys.admin)).json()).toEqual({ active: false });
    // Its holder, presenting the same revoked token, learns the same.
    expect((await postForm(t, '/oauth/introspect', { token }, token)).json()).toEqual({ active: false });
  });

  it('answers active:false when a prior actor is suspended', async () => {
    const d = await registerAgent(t, 'delta', ['forum.*']);
    const parent = await grantToken(t, 'delta', ['forum.read']);
    const child = await exchangeToken(t, parent, c);
    await t.warden.agents.suspend(d.id, 'human:admin-user');
    expect((await postForm(t, '/oauth/introspect', { token: child }, t.keys.admin)).json()).toEqual({ active: false });
  });

  it('answers active:false for garbage', async () => {
    expect((await postForm(t, '/oauth/introspect', { token: 'garbage' }, t.keys.admin)).json()).toEqual({ active: false });
  });

  it('refuses a caller without credentials', async () => {
    const res = await postForm(t, '/oauth/introspect', { token: 'x' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });
});

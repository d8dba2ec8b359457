// Narrowing an agent in the registry takes effect on its very next action, even for a
// token issued before: the registry is the ceiling, a token only ever narrows it further.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { codes, decisionWarden, type DecisionTest } from './fixtures.js';

describe('registry scope narrowed after issuance', () => {
  let t: DecisionTest;
  let token: string;
  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.delete', ['delete']);
    token = await t.grant('helper', ['forum.read', 'forum.delete']);
  });
  afterAll(() => t.close());

  it('allows the call while the registry still covers it', async () => {
    expect((await t.decide(token, { tool: 'forum.delete', target: 'forum/1' })).json().decision).toBe('allow');
  });

  it('denies it as out of scope once the registry no longer does, with the token unchanged', async () => {
    const patch = await t.request('PATCH', '/v1/agents/helper', { key: t.keys.admin, body: { scope: ['forum.read'] } });
    expect(patch.statusCode).toBe(200);
    const d = (await t.decide(token, { tool: 'forum.delete', target: 'forum/1' })).json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toContain('SCOPE_DENIED');
    expect(d.reasons.find((r: { code: string }) => r.code === 'SCOPE_DENIED').message).toContain('registered scope');
    expect((await t.decide(token, { tool: 'forum.read', target: 'forum/1' })).json().decision).toBe('allow');
  });

  it('records what the agent said it was doing beside the task', async () => {
    const d = (await t.decide(token, { tool: 'forum.read', intent: 'checking the thread before replying' })).json();
    const [entry] = await t.warden.store.log.entries(d.receipt.index, d.receipt.index + 1);
    expect(entry?.entry.data).toMatchObject({ statedIntent: 'checking the thread before replying' });
  });
});

describe("a delegator's registry scope narrowed after it delegated", () => {
  let t: DecisionTest;
  let childToken: string;

  /** Registers `id` with a key pair of Warden's making; its private key, to sign assertions. */
  async function registerWithKey(id: string, scope: string[]) {
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id, name: id, owner: 'human:platform-team', scope } });
    expect(res.statusCode).toBe(201);
    return createPrivateKey({ key: res.json().privateKey, format: 'jwk' });
  }

  beforeAll(async () => {
    t = await decisionWarden();
    await registerWithKey('lead', ['forum.*']);
    const helperKey = await registerWithKey('sub', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.delete', ['delete']);
    const parent = await t.grant('lead', ['forum.read', 'forum.delete']);
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: `a-${now}` })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('agent:sub')
      .setSubject('agent:sub')
      .setAudience(t.warden.identity.tokenEndpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(helperKey);
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: parent,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      actor_token: assertion,
      actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope: 'forum.read forum.delete',
    });
    const res = await t.request('POST', '/oauth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form.toString() });
    expect(res.statusCode).toBe(200);
    childToken = res.json().access_token;
  });
  afterAll(() => t.close());

  it("denies the sub-agent a tool its delegator's registry no longer covers", async () => {
    expect((await t.decide(childToken, { tool: 'forum.delete', target: 'forum/1' })).json().decision).toBe('allow');
    expect((await t.request('PATCH', '/v1/agents/lead', { key: t.keys.admin, body: { scope: ['forum.read'] } })).statusCode).toBe(200);
    const d = (await t.decide(childToken, { tool: 'forum.delete', target: 'forum/1' })).json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toContain('SCOPE_DENIED');
    expect(d.reasons.find((r: { code: string }) => r.code === 'SCOPE_DENIED').message).toContain('agent:lead');
    expect((await t.decide(childToken, { tool: 'forum.read', target: 'forum/1' })).json().decision).toBe('allow');
  });
});

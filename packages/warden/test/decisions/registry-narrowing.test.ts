// Narrowing an agent in the registry takes effect on its very next action, even for a
// token issued before: the registry is the ceiling, a token only ever narrows it further.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertionFor, exchangeParams, grantToken, identityWarden, postForm, registerAgent, type IdentityTest } from '../identity/fixtures.js';
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
  let t: IdentityTest;
  let childToken: string;
  const decide = (body: unknown) => t.request('POST', '/v1/decisions', { key: childToken, body });

  beforeAll(async () => {
    t = await identityWarden();
    await registerAgent(t, 'lead', ['forum.*']);
    const sub = await registerAgent(t, 'sub', ['forum.*']);
    for (const [name, categories] of [['forum.read', ['read']], ['forum.edit', ['write']]] as const) {
      expect((await t.request('PUT', `/v1/tools/${name}`, { key: t.keys.admin, body: { categories } })).statusCode).toBe(200);
    }
    const parent = await grantToken(t, 'lead', ['forum.read', 'forum.edit']);
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, sub), { scope: 'forum.read forum.edit' }));
    expect(res.statusCode).toBe(200);
    childToken = res.json().access_token;
  });
  afterAll(() => t.close());

  it("denies the sub-agent a tool its delegator's registry no longer covers", async () => {
    expect((await decide({ tool: 'forum.edit', target: 'forum/1' })).json().decision).toBe('allow');
    expect((await t.request('PATCH', '/v1/agents/lead', { key: t.keys.admin, body: { scope: ['forum.read'] } })).statusCode).toBe(200);
    const d = (await decide({ tool: 'forum.edit', target: 'forum/1' })).json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toContain('SCOPE_DENIED');
    expect(d.reasons.find((r: { code: string }) => r.code === 'SCOPE_DENIED').message).toContain('agent:lead');
    expect((await decide({ tool: 'forum.read', target: 'forum/1' })).json().decision).toBe('allow');
  });
});

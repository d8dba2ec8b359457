// The inventory answers the first question of the incident review: which credentials does
// each agent hold right now, for what task, and until when?
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';

describe('inventory view of credentials', () => {
  let t: TestWarden;
  let jti: string;
  beforeAll(async () => {
    t = await testWarden();
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'forum-helper', name: 'F', owner: 'human:o', scope: ['forum.*'] } });
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'idle-bot', name: 'I', owner: 'human:o', scope: ['forum.read'] } });
    const grant = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: 'forum-helper', intent: 'answer question 1', scope: ['forum.read'], ttlSeconds: 600 } });
    expect(grant.statusCode).toBe(201);
    jti = grant.json().jti;
  });
  afterAll(() => t.close());

  it('lists the live credential with its task and expiry on the agent', async () => {
    const res = await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer });
    const { credentials } = res.json();
    expect(credentials.active).toBe(1);
    expect(credentials.longestRemainingSeconds).toBeGreaterThan(590);
    expect(credentials.longestRemainingSeconds).toBeLessThanOrEqual(600);
    expect(credentials.live).toEqual([
      { jti, subject: 'human:approver-user', scope: ['forum.read'], task: expect.objectContaining({ intent: 'answer question 1' }), expiresAt: expect.any(String) },
    ]);
  });

  it('shows none on an agent that holds none, and none once revoked', async () => {
    const list = (await t.request('GET', '/v1/agents', { key: t.keys.viewer })).json().agents;
    expect(list.find((a: { id: string }) => a.id === 'idle-bot').credentials.active).toBe(0);
    const revoke = await t.request('POST', `/v1/credentials/${jti}/revoke`, { key: t.keys.admin, body: {} });
    expect(revoke.statusCode).toBe(200);
    const after = (await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer })).json();
    expect(after.credentials.active).toBe(0);
  });
});

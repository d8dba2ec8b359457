/**
 * The kill switch mid-task: an agent holding a granted token, with calls held for a human
 * and one caller waiting, is suspended over the API. Its next decision is refused as an
 * identity failure, every pending approval is cancelled on the record, and the waiting
 * call ends in deny.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../server/state.js';
import { codes, decisionWarden, eventually, type DecisionTest } from './fixtures.js';

describe('an agent suspended mid-task', () => {
  let t: DecisionTest;
  let token: string;
  let heldId: string;
  let waiting: ReturnType<DecisionTest['decide']>;
  let waitingApprovalId: string;
  let approvedId: string;
  let logBefore: number;

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.register('bystander', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.read', 'forum.post']);
    const bystanderToken = await t.grant('bystander', ['forum.post']);
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');

    heldId = (await t.decide(token, { tool: 'forum.post', args: { body: 'held' } })).json().approval.id;
    const approved = (await t.decide(token, { tool: 'forum.post', args: { body: 'approved' } })).json().approval.id as string;
    expect((await t.request('POST', `/v1/approvals/${approved}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    approvedId = approved;
    // Another agent's held call, which the suspension must leave alone.
    expect((await t.decide(bystanderToken, { tool: 'forum.post', args: { body: 'bystander' } })).json().decision).toBe('pending');

    waiting = t.decide(token, { tool: 'forum.post', args: { body: 'waiting' } }, 30);
    waitingApprovalId = await eventually(async () => {
      const list = await t.warden.approvals.list({ status: 'pending', agent: 'helper', limit: 10 });
      return list.find((a) => a.argsPreview.includes('waiting'))?.id;
    });

    logBefore = await t.warden.store.log.size();
    const res = await t.request('POST', '/v1/agents/helper/suspend', { key: t.keys.admin, body: { reason: 'posting on its own' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('suspended');
  });
  afterAll(() => t.close());

  it('refuses the next decision with the identity code, 401', async () => {
    const res = await t.decide(token, { tool: 'forum.read' });
    expectError(res, 401, 'ACTOR_SUSPENDED');
    expect(res.json().error.message).toContain('helper');
  });

  it('refuses the approved call too: an approval does not outlive the kill switch', async () => {
    expectError(await t.decide(token, { tool: 'forum.post', args: { body: 'approved' } }), 401, 'ACTOR_SUSPENDED');
    // Voided by the suspension (spent without letting anything through), not used by this call.
    const rec = await t.warden.store.approvals.get(approvedId);
    expect(rec?.status).toBe('approved');
    expect(rec?.usedAt).not.toBeNull();
    const decisions = await t.warden.store.decisions.search({ agent: 'helper', limit: 1000 });
    expect(decisions.filter((d) => d.approvalId === approvedId && d.decision === 'allow')).toEqual([]);
  });

  it('records no decision for a refused call', async () => {
    const before = (await t.warden.store.decisions.search({ agent: 'helper', limit: 1000 })).length;
    expectError(await t.decide(token, { tool: 'forum.post', args: { body: 'held' } }), 401, 'ACTOR_SUSPENDED');
    expect(await t.warden.store.decisions.search({ agent: 'helper', limit: 1000 })).toHaveLength(before);
  });

  it('cancels its pending approvals: denied, with the comment `agent suspended`', async () => {
    for (const id of [heldId, waitingApprovalId]) {
      const res = await t.request('GET', `/v1/approvals/${id}`, { key: t.keys.approver });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, status: 'denied', comment: 'agent suspended', resolvedBy: 'human:admin-user' });
    }
    const pending = (await t.request('GET', '/v1/approvals?status=pending&agent=helper', { key: t.keys.approver })).json().approvals;
    expect(pending).toEqual([]);
  });

  it('voids an approval already given but not used, on the record, so a resume cannot revive it', async () => {
    const size = await t.warden.store.log.size();
    const voided = (await t.warden.store.log.entries(logBefore, size)).map((e) => e.entry).filter((e) => e.type === 'approval.voided');
    expect(voided).toHaveLength(1);
    expect(voided[0]).toMatchObject({ actor: 'human:admin-user', data: { id: approvedId, agent: 'helper', reason: 'agent suspended' } });
    const given = (await t.warden.store.approvals.get(approvedId))!;
    expect(await t.warden.store.approvals.findUsable({
      agent: 'helper', task: given.task!, origin: given.origin, chain: given.chain, tool: 'forum.post', categories: given.categories, target: null,
      argsDigest: given.argsDigest,
      policyVersion: await t.warden.policy.version(), now: new Date().toISOString(),
    })).toBeUndefined();
  });

  it("leaves other agents' approvals pending", async () => {
    const list = (await t.request('GET', '/v1/approvals?status=pending&agent=bystander', { key: t.keys.approver })).json().approvals;
    expect(list).toHaveLength(1);
  });

  it('ends the waiting call in deny, APPROVAL_DENIED', async () => {
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.decision).toBe('deny');
    expect(codes(d).at(-1)).toBe('APPROVAL_DENIED');
    expect(d.reasons.at(-1).message).toBe(`\`human:admin-user\` refused approval \`${waitingApprovalId}\`: agent suspended`);
    expect(d.approval).toMatchObject({ id: waitingApprovalId, status: 'denied' });
  });

  it('puts the suspension, the revocation and each cancellation on the record', async () => {
    const size = await t.warden.store.log.size();
    const entries = (await t.warden.store.log.entries(logBefore, size)).map((e) => e.entry);
    expect(entries.find((e) => e.type === 'agent.suspended')).toMatchObject({ actor: 'human:admin-user', subject: 'agent:helper' });
    const cancelled = entries.filter((e) => e.type === 'approval.denied');
    expect(cancelled.map((e) => (e.data as { id: string }).id).sort()).toEqual([heldId, waitingApprovalId].sort());
    for (const e of cancelled) expect(e).toMatchObject({ actor: 'human:admin-user', data: { agent: 'helper', comment: 'agent suspended' } });
  });

  it('grants the suspended agent no new task', async () => {
    const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: 'helper', intent: 'try again', scope: ['forum.read'] } });
    expectError(res, 409, 'AGENT_SUSPENDED');
  });

  it('refuses an approver resolving a cancelled approval', async () => {
    expectError(await t.request('POST', `/v1/approvals/${heldId}/approve`, { key: t.keys.approver, body: {} }), 409, 'APPROVAL_NOT_PENDING');
  });

  it('does not revive the old token when the agent is resumed (the suspension revoked it)', async () => {
    expect((await t.request('POST', '/v1/agents/helper/resume', { key: t.keys.admin, body: {} })).statusCode).toBe(200);
    expectError(await t.decide(token, { tool: 'forum.read' }), 401, 'TOKEN_REVOKED');
  });
});

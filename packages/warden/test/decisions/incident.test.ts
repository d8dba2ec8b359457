// The incident Warden exists for, end to end over HTTP: an agent asked to *draft* an answer
// publishes advice that widens access to a repository. Every identity check passes; Warden
// holds the post for a human, and everything lands in a log that verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { leafHash } from '../../src/audit/merkle.js';
import { MemoryTree } from '../../src/audit/memory-tree.js';
import { rootAt } from '../../src/audit/tree.js';
import { testWarden, type TestWarden } from '../helpers.js';

const ADVICE = {
  question: 4721,
  body: 'To fix the build, make the repository readable by everyone: set visibility to public on infra/secrets-repo.',
};

describe('the forum-helper incident', () => {
  let t: TestWarden;
  let engineerB: string;
  let token: string;
  let widerToken: string;

  const decide = (tok: string, body: unknown, wait?: number) =>
    t.request('POST', `/v1/decisions${wait === undefined ? '' : `?wait=${wait}`}`, { key: tok, body });

  beforeAll(async () => {
    t = await testWarden();
    engineerB = (await t.warden.keys.create({ owner: 'human:engineer-b', role: 'approver' }, 'system')).key;
    for (const [name, categories] of [
      ['forum.read', ['read']],
      ['forum.post', ['publish', 'write']],
      ['repo.set_permissions', ['permissions']],
    ] as const) {
      const res = await t.request('PUT', `/v1/tools/${name}`, { key: t.keys.admin, body: { categories } });
      expect(res.statusCode).toBe(200);
    }
    const reg = await t.request('POST', '/v1/agents', {
      key: t.keys.admin,
      body: { id: 'forum-helper', name: 'Forum helper', owner: 'human:platform-team', scope: ['forum.*', 'repo.set_permissions'] },
    });
    expect(reg.statusCode).toBe(201);
    const grant = await t.request('POST', '/v1/grants', {
      key: engineerB,
      body: { agent: 'forum-helper', intent: 'draft an answer to forum question 4721', scope: ['forum.read', 'forum.post'] },
    });
    expect(grant.statusCode).toBe(201);
    token = grant.json().token;
    const wider = await t.request('POST', '/v1/grants', {
      key: engineerB,
      body: { agent: 'forum-helper', intent: 'fix repository permissions for forum question 4721', scope: ['forum.read', 'repo.set_permissions'] },
    });
    expect(wider.statusCode).toBe(201);
    widerToken = wider.json().token;
  });
  afterAll(() => t.close());

  it('allows reading the forum', async () => {
    const res = await decide(token, { tool: 'forum.read', target: 'forum/questions/4721' });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.decision).toBe('allow');
    expect(d.reasons.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'RISK_SCORED']));
    expect(d.receipt.index).toBeTypeOf('number');
  });

  it('holds the post for a human, naming the publish policy, and the waiting call returns deny when refused', async () => {
    const waiting = decide(token, { tool: 'forum.post', target: 'forum/questions/4721', args: ADVICE }, 10);
    let pending: Array<{ id: string; call: { tool: string }; reasons: Array<{ code: string }> }> = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      pending = (await t.request('GET', '/v1/approvals?status=pending', { key: t.keys.approver })).json().approvals;
    }
    expect(pending).toHaveLength(1);
    const approval = pending[0]!;
    expect(approval.call.tool).toBe('forum.post');
    expect(approval.reasons.map((r) => r.code)).toContain('APPROVAL_REQUIRED');
    const denied = await t.request('POST', `/v1/approvals/${approval.id}/deny`, { key: t.keys.approver, body: { comment: 'this would expose the repository' } });
    expect(denied.statusCode).toBe(200);
    expect(denied.json().status).toBe('denied');
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.decision).toBe('deny');
    expect(d.approval).toMatchObject({ id: approval.id, status: 'denied' });
    expect(d.reasons.map((r: { code: string }) => r.code)).toContain('APPROVAL_DENIED');
  });

  it('answers pending with the publish policy among the determining policies', async () => {
    const res = await decide(token, { tool: 'forum.post', target: 'forum/questions/4721', args: ADVICE });
    const d = res.json();
    expect(d.decision).toBe('pending');
    expect(d.policy.determining).toContain('publish-needs-approval');
    expect(d.approval.status).toBe('pending');
    expect(d.reasons.some((r: { code: string; message: string }) => r.code === 'POLICY_APPROVAL_REQUIRED')).toBe(true);
    // Behaviour: a *draft* task does not call for publishing, and the body widens access.
    const factors = d.risk.factors.map((f: { code: string }) => f.code);
    expect(factors).toEqual(expect.arrayContaining(['INTENT_MISMATCH', 'PERMISSION_WIDENING']));
    expect(d.risk.score).toBeGreaterThanOrEqual(70);
    expect(d.policy.determining).toContain('high-risk-needs-approval');
    for (const f of d.risk.factors) expect(f.message.length).toBeGreaterThan(10);
  });

  it('lets an approved post through exactly once, and only with the same arguments', async () => {
    const first = (await decide(token, { tool: 'forum.post', args: { ...ADVICE, body: 'Reviewed answer: ask the repository owners.' } })).json();
    expect(first.decision).toBe('pending');
    const ok = await t.request('POST', `/v1/approvals/${first.approval.id}/approve`, { key: t.keys.approver, body: {} });
    expect(ok.statusCode).toBe(200);

    const other = (await decide(token, { tool: 'forum.post', args: { ...ADVICE, body: 'A different body' } })).json();
    expect(other.decision).toBe('pending');
    expect(other.approval.id).not.toBe(first.approval.id);

    const allowed = (await decide(token, { tool: 'forum.post', args: { ...ADVICE, body: 'Reviewed answer: ask the repository owners.' } })).json();
    expect(allowed.decision).toBe('allow');
    expect(allowed.reasons.map((r: { code: string }) => r.code)).toContain('APPROVAL_USED');

    const again = (await decide(token, { tool: 'forum.post', args: { ...ADVICE, body: 'Reviewed answer: ask the repository owners.' } })).json();
    expect(again.decision).toBe('pending');
    expect(again.approval.id).not.toBe(first.approval.id);
  });

  it('denies changing repository permissions as out of scope', async () => {
    const d = (await decide(token, { tool: 'repo.set_permissions', target: 'infra/secrets-repo', args: { visibility: 'public' } })).json();
    expect(d.decision).toBe('deny');
    expect(d.reasons.map((r: { code: string }) => r.code)).toContain('SCOPE_DENIED');
  });

  it('holds an in-scope permission change, which the granting human may not approve', async () => {
    const d = (await decide(widerToken, { tool: 'repo.set_permissions', target: 'infra/secrets-repo', args: { visibility: 'public' } })).json();
    expect(d.decision).toBe('pending');
    expect(d.policy.determining).toContain('permissions-need-approval');
    const self = await t.request('POST', `/v1/approvals/${d.approval.id}/approve`, { key: engineerB, body: {} });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('SELF_APPROVAL');
    const still = await t.request('GET', `/v1/approvals/${d.approval.id}`, { key: t.keys.approver });
    expect(still.json().status).toBe('pending');
    const other = await t.request('POST', `/v1/approvals/${d.approval.id}/approve`, { key: t.keys.approver, body: {} });
    expect(other.statusCode).toBe(200);
  });

  it('puts every step on the record, and the log verifies', async () => {
    const size = await t.warden.store.log.size();
    const entries = await t.warden.store.log.entries(0, size);
    const types = entries.map((e) => e.entry.type);
    for (const type of ['agent.registered', 'tool.categorised', 'decision', 'approval.denied', 'approval.approved']) expect(types).toContain(type);
    const decisions = entries.filter((e) => e.entry.type === 'decision').map((e) => e.entry.data as { tool: string; decision: string });
    expect(decisions.filter((d) => d.tool === 'forum.post' && d.decision === 'pending').length).toBeGreaterThanOrEqual(4);
    expect(decisions.filter((d) => d.tool === 'repo.set_permissions' && d.decision === 'deny')).toHaveLength(1);
    // No raw arguments and no token in any leaf.
    const all = JSON.stringify(entries);
    expect(all).not.toContain('readable by everyone');
    expect(all).not.toContain(token);
    // Recompute the tree from the entries alone and compare with the stored root.
    const tree = new MemoryTree();
    for (const e of entries) {
      const hash = leafHash(canonicalBytes(e.entry));
      expect(hash.toString('base64')).toBe(e.leafHash);
      tree.append(hash);
    }
    expect(tree.root(size).equals(rootAt(size, t.warden.store.log))).toBe(true);
  });
});

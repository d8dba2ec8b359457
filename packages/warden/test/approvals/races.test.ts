/**
 * Approvals against changes that land while a call is being decided: a new policy version,
 * a suspension, and a flood of concurrent held calls. Each is an attacker's (or an
 * unlucky operator's) timing; none may let a call through, or leave a call before an
 * approver, that the state at the time of recording would not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PENDING_PER_AGENT } from '../../src/store/decision-types.js';
import { codes, decisionWarden, gatedScorer, type DecisionTest } from '../decisions/fixtures.js';
import { expectError } from '../server/state.js';

/** The default pack plus one more `@approval` forbid on publishing: a new version. */
async function secondVersion(t: DecisionTest): Promise<string> {
  const current = (await t.request('GET', '/v1/policies', { key: t.keys.admin })).json() as { policies: string };
  return `${current.policies}
@id("second-look")
@approval("publish")
forbid (principal is Warden::Agent, action == Warden::Action::"call", resource is Warden::Tool)
when { resource.categories.contains("publish") };
`;
}

describe('approvals and changes made while a call is decided', () => {
  let t: DecisionTest;
  const gated = gatedScorer();
  afterEach(async () => {
    gated.release();
    await t.close();
  });

  async function setUp(): Promise<string> {
    t = await decisionWarden({}, { risk: gated.risk });
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    return t.grant('helper', ['forum.post']);
  }

  it('does not use an approval of the old policy version for a call the new version evaluated', async () => {
    const token = await setUp();
    const call = { tool: 'forum.post', args: { body: 'approved under v1' } };
    const held = (await t.decide(token, call)).json();
    expect(held.decision).toBe('pending');
    const v1 = held.policy.version as string;
    expect((await t.request('POST', `/v1/approvals/${held.approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);

    // The same call is in flight (past reading the version in force) when v2 goes in.
    const reached = gated.hold();
    const inFlight = t.decide(token, call);
    await reached;
    const put = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: await secondVersion(t) } });
    expect(put.statusCode).toBe(200);
    const v2 = put.json().version as string;
    gated.release();

    const d = (await inFlight).json();
    expect(d.decision).toBe('pending');
    expect(codes(d)).not.toContain('APPROVAL_USED');
    // The record names the version that answered, and the new approval is bound to it.
    expect(d.policy.version).toBe(v2);
    expect(d.policy.determining).toContain('second-look');
    expect((await t.warden.store.approvals.get(d.approval.id))?.policyVersion).toBe(v2);
    expect((await t.warden.store.decisions.get(d.id))?.policyVersion).toBe(v2);
    // The v1 approval is still unused.
    expect((await t.warden.store.approvals.get(held.approval.id))?.usedAt).toBeNull();
    expect(v1).not.toBe(v2);
  });

  it('puts no call before an approver for an agent suspended while it was decided', async () => {
    const token = await setUp();
    const reached = gated.hold();
    const inFlight = t.decide(token, { tool: 'forum.post', args: { body: 'held while suspended' } });
    await reached;
    expect((await t.request('POST', '/v1/agents/helper/suspend', { key: t.keys.admin, body: {} })).statusCode).toBe(200);
    gated.release();

    const res = await inFlight;
    expect(res.statusCode).not.toBe(200);
    expectError(res, 401, 'ACTOR_SUSPENDED');
    expect(await t.warden.store.approvals.list({ status: 'pending', agent: 'helper', limit: 10 })).toEqual([]);
  });
});

describe("an agent's approval queue under concurrent held calls", () => {
  let t: DecisionTest;
  afterEach(() => t.close());

  it(`never holds more than ${MAX_PENDING_PER_AGENT}: the rest are denied APPROVAL_QUEUE_FULL, on the record`, async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    const token = await t.grant('helper', ['forum.post']);
    const n = 3 * MAX_PENDING_PER_AGENT;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => t.decide(token, { tool: 'forum.post', args: { n: i } })));
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    const decided = answers.map((r) => r.json() as { id: string; decision: string; reasons: Array<{ code: string }> });
    const pending = decided.filter((d) => d.decision === 'pending');
    const full = decided.filter((d) => d.decision === 'deny');
    expect(pending).toHaveLength(MAX_PENDING_PER_AGENT);
    expect(full).toHaveLength(n - MAX_PENDING_PER_AGENT);
    for (const d of full) expect(codes(d)).toContain('APPROVAL_QUEUE_FULL');
    expect(await t.warden.store.approvals.countPendingForAgent('helper')).toBe(MAX_PENDING_PER_AGENT);
    // Every answer is on the record.
    for (const d of decided) expect((await t.warden.store.decisions.get(d.id))?.decision).toBe(d.decision);
  });
});

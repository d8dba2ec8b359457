/**
 * An approval lets through one exact call, once (DESIGN.md, "Policy"): bound to the agent,
 * the task and chain it was asked in, the tool, the target, the digest of the arguments
 * and the policy version. Each way of stretching an approval to another call is an
 * attacker case of its own, and each must come back `pending` (a new approval), never
 * `allow`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, decisionWarden, eventually, type DecisionTest } from '../decisions/fixtures.js';

interface Call {
  tool: string;
  target?: string;
  args?: Record<string, unknown>;
}

describe('approval replay', () => {
  let t: DecisionTest;
  let token: string;
  let otherToken: string;
  let n = 0;

  /** Holds `call` (a fresh body each time), approves it, and returns the approval id. */
  async function approved(call: Call): Promise<string> {
    const held = (await t.decide(token, call)).json();
    expect(held.decision).toBe('pending');
    const ok = await t.request('POST', `/v1/approvals/${held.approval.id}/approve`, { key: t.keys.approver, body: {} });
    expect(ok.statusCode).toBe(200);
    return held.approval.id as string;
  }

  const unique = (): Call => ({ tool: 'forum.post', target: 'forum/questions/4721', args: { body: `answer ${++n}`, tags: ['a', 'b'] } });

  async function expectHeldAgain(tok: string, call: Call, approvalId: string): Promise<void> {
    const res = await t.decide(tok, call);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.decision).toBe('pending');
    expect(codes(d)).not.toContain('APPROVAL_USED');
    expect(d.approval.status).toBe('pending');
    expect(d.approval.id).not.toBe(approvalId);
    // The approval it tried to borrow is untouched: still approved, still unused.
    expect(await t.warden.store.approvals.get(approvalId)).toMatchObject({ status: 'approved', usedAt: null });
  }

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.register('other-helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    await t.categorise('forum.comment', ['publish']);
    token = await t.grant('helper', ['forum.post', 'forum.comment']);
    otherToken = await t.grant('other-helper', ['forum.post', 'forum.comment']);
  });
  afterAll(() => t.close());

  it('allows the approved call once', async () => {
    const call = unique();
    const id = await approved(call);
    const d = (await t.decide(token, call)).json();
    expect(d.decision).toBe('allow');
    expect(codes(d)).toEqual(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'RISK_SCORED', 'POLICY_APPROVAL_REQUIRED', 'APPROVAL_USED']);
    expect(d.reasons[5].message).toBe(`approved by \`human:approver-user\` (approval \`${id}\`); this approval is now used up`);
    expect(d.approval).toBeUndefined();
    const rec = await t.warden.store.approvals.get(id);
    expect(rec?.usedAt).toBe((await t.warden.store.decisions.get(d.id))?.time);
    expect((await t.warden.store.decisions.get(d.id))?.approvalId).toBe(id);
  });

  it('refuses a second use of the same approval', async () => {
    const call = unique();
    const id = await approved(call);
    expect((await t.decide(token, call)).json().decision).toBe('allow');
    const again = (await t.decide(token, call)).json();
    expect(again.decision).toBe('pending');
    expect(again.approval.id).not.toBe(id);
    expect(codes(again)).not.toContain('APPROVAL_USED');
  });

  it('treats the same arguments in another key order as the same call', async () => {
    const id = await approved({ tool: 'forum.post', target: 'forum/1', args: { title: 't', body: 'same', n: 1 } });
    const d = (await t.decide(token, { tool: 'forum.post', target: 'forum/1', args: { n: 1, body: 'same', title: 't' } })).json();
    expect(d.decision).toBe('allow');
    expect(d.reasons.at(-1).message).toContain(id);
  });

  it('holds the approved call again with other arguments', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(token, { ...call, args: { ...call.args, body: 'rm -rf / and make the repo public' } }, id);
  });

  it('holds the approved call again with one extra argument', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(token, { ...call, args: { ...call.args, visibility: 'public' } }, id);
  });

  it('holds the approved call again with the arguments left out', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(token, { tool: call.tool, target: call.target! }, id);
  });

  it('holds the approved call again against another target', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(token, { ...call, target: 'forum/questions/9999' }, id);
  });

  it('holds the approved call again with the target left out', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(token, { tool: call.tool, args: call.args! }, id);
  });

  it('holds a call without a target when only the same call with a target was approved, and vice versa', async () => {
    const noTarget: Call = { tool: 'forum.post', args: { body: `no target ${++n}` } };
    const id = await approved(noTarget);
    await expectHeldAgain(token, { ...noTarget, target: 'forum/questions/1' }, id);
    const d = (await t.decide(token, noTarget)).json();
    expect(d.decision).toBe('allow');
  });

  it('holds the same arguments and target sent to another tool', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(token, { ...call, tool: 'forum.comment' }, id);
  });

  it('holds the exact approved call made by another agent', async () => {
    const call = unique();
    const id = await approved(call);
    await expectHeldAgain(otherToken, call, id);
  });

  it("holds the exact approved call made under another human's grant to the same agent", async () => {
    const call = unique();
    const id = await approved(call);
    const sameAgentOtherHuman = await t.grant('helper', ['forum.post', 'forum.comment'], await t.humanKey('someone-else', 'approver'));
    await expectHeldAgain(sameAgentOtherHuman, call, id);
  });

  it('holds the exact approved call made in another task the same human granted the same agent', async () => {
    const call = unique();
    const id = await approved(call);
    // Same human, same agent, same scope and chain: only the task (a new grant) differs.
    const anotherTask = await t.grant('helper', ['forum.post', 'forum.comment']);
    await expectHeldAgain(anotherTask, call, id);
  });

  it('does not let an approver clear a permission change in their own chain by approving it in another chain (four eyes)', async () => {
    await t.register('ops', ['repo.*']);
    await t.categorise('repo.set_permissions', ['permissions']);
    const engineer = await t.humanKey('engineer-b', 'approver');
    const own = await t.grant('ops', ['repo.set_permissions'], engineer);
    const carols = await t.grant('ops', ['repo.set_permissions'], await t.humanKey('carol', 'approver'));
    const call = { tool: 'repo.set_permissions', target: 'acme/payments', args: { visibility: 'public' } };
    const mine = (await t.decide(own, call)).json();
    expect((await t.request('POST', `/v1/approvals/${mine.approval.id}/approve`, { key: engineer, body: {} })).statusCode).toBe(403);
    // The same call held in Carol's chain: engineer-b is not in it, so may approve it …
    const theirs = (await t.decide(carols, call)).json();
    expect((await t.request('POST', `/v1/approvals/${theirs.approval.id}/approve`, { key: engineer, body: {} })).statusCode).toBe(200);
    // … but that approval must not let the call through in engineer-b's own chain.
    await expectHeldAgain(own, call, theirs.approval.id);
  });

  it('holds the approved call again once its tool is recategorised, so four eyes cannot be skipped', async () => {
    // engineer-b may approve a publish in their own chain, but not a permission change.
    await t.register('editor', ['site.*']);
    await t.categorise('site.share', ['publish']);
    const engineer = await t.humanKey('engineer-b-2', 'approver');
    const own = await t.grant('editor', ['site.share'], engineer);
    const call = { tool: 'site.share', target: 'acme/payments', args: { visibility: 'public' } };
    const held = (await t.decide(own, call)).json();
    expect((await t.request('POST', `/v1/approvals/${held.approval.id}/approve`, { key: engineer, body: {} })).statusCode).toBe(200);
    // The tool turns out to change permissions: the same policy version, the same call.
    await t.categorise('site.share', ['permissions']);
    await expectHeldAgain(own, call, held.approval.id);
  });

  it('holds the approved call again after the policy changed (a new version)', async () => {
    const call = unique();
    const id = await approved(call);
    const before = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json();
    const put = await t.request('PUT', '/v1/policies', {
      key: t.keys.admin,
      body: { policies: `${before.policies}\n@id("extra-permit") permit (principal, action, resource);` },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().version).not.toBe(before.version);
    const res = await t.decide(token, call);
    const d = res.json();
    expect(d.decision).toBe('pending');
    expect(d.policy.version).toBe(put.json().version);
    expect(d.approval.id).not.toBe(id);
    expect(await t.warden.store.approvals.get(id)).toMatchObject({ status: 'approved', usedAt: null, policyVersion: before.version });
    expect((await t.warden.store.approvals.get(d.approval.id))?.policyVersion).toBe(put.json().version);
  });

  it('holds the approved call again once the approval was refused instead', async () => {
    const call = unique();
    const held = (await t.decide(token, call)).json();
    expect((await t.request('POST', `/v1/approvals/${held.approval.id}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    const d = (await t.decide(token, call)).json();
    expect(d.decision).toBe('pending');
    expect(d.approval.id).not.toBe(held.approval.id);
  });

  it('lets exactly one of five concurrent replays through', async () => {
    const call = unique();
    const id = await approved(call);
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.decide(token, call)));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const decisions = answers.map((r) => r.json());
    expect(decisions.filter((d) => d.decision === 'allow')).toHaveLength(1);
    expect(decisions.filter((d) => d.decision === 'pending')).toHaveLength(4);
    for (const d of decisions.filter((x) => x.decision === 'pending')) expect(d.approval.id).not.toBe(id);
    expect((await t.warden.store.approvals.get(id))?.usedAt).not.toBeNull();
  });

  it('lets exactly one of five concurrent waiting calls through when one of their approvals is given', async () => {
    const call = unique();
    const waiting = Array.from({ length: 5 }, () => t.decide(token, call, 30));
    const held = await eventually(async () => {
      const list = (await t.warden.approvals.list({ status: 'pending', agent: 'helper', limit: 50 })).filter((a) => a.argsPreview.includes(String(call.args?.body)));
      return list.length === 5 ? list : undefined;
    });
    const [first, ...rest] = held;
    expect((await t.request('POST', `/v1/approvals/${first!.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    for (const a of rest) expect((await t.request('POST', `/v1/approvals/${a.id}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    const answers = await Promise.all(waiting);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const decisions = answers.map((r) => r.json());
    expect(decisions.map((d) => d.decision).sort()).toEqual(['allow', 'deny', 'deny', 'deny', 'deny']);
    expect(decisions.find((d) => d.decision === 'allow').reasons.at(-1).message).toContain(first!.id);
    for (const d of decisions.filter((x) => x.decision === 'deny')) expect(codes(d).at(-1)).toBe('APPROVAL_DENIED');
  });
});

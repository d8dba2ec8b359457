/**
 * Who may resolve an approval (DESIGN.md, "Approvals"): agents never approve, nor read
 * another agent's approvals; only an approver key resolves; for a `permissions` tool the
 * human who started the chain may not approve it (four eyes), for any other tool they may.
 * Every refused attempt leaves the approval pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../server/state.js';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';

describe('who may resolve an approval', () => {
  let t: DecisionTest;
  let token: string;
  let otherToken: string;
  let approvalId: string;

  const expectStillPending = async (id = approvalId) => {
    const rec = await t.warden.store.approvals.get(id);
    expect(rec).toMatchObject({ status: 'pending', resolvedBy: null, resolvedAt: null, comment: null });
  };

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.register('snoop', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.post']);
    otherToken = await t.grant('snoop', ['forum.post']);
    approvalId = (await t.decide(token, { tool: 'forum.post', args: { body: 'hello' } })).json().approval.id;
  });
  afterAll(() => t.close());

  it('refuses the agent approving its own held call with its token (401), and it stays pending', async () => {
    const res = await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: token, body: {} });
    expectError(res, 401, 'UNAUTHENTICATED');
    await expectStillPending();
  });

  it('refuses the agent denying its own held call with its token (401)', async () => {
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/deny`, { key: token, body: {} }), 401, 'UNAUTHENTICATED');
    await expectStillPending();
  });

  it("refuses another agent's token on approve (401)", async () => {
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: otherToken, body: {} }), 401, 'UNAUTHENTICATED');
    await expectStillPending();
  });

  it('refuses an agent token sent under another auth scheme (401)', async () => {
    const res = await t.request('POST', `/v1/approvals/${approvalId}/approve`, { headers: { authorization: `Token ${token}` }, body: {} });
    expectError(res, 401, 'UNAUTHENTICATED');
    await expectStillPending();
  });

  it('refuses a viewer key (403)', async () => {
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: t.keys.viewer, body: {} }), 403, 'FORBIDDEN');
    await expectStillPending();
  });

  it('refuses an auditor key (403)', async () => {
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: t.keys.auditor, body: {} }), 403, 'FORBIDDEN');
    await expectStillPending();
  });

  it('refuses no credential at all (401)', async () => {
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/approve`, { body: {} }), 401, 'UNAUTHENTICATED');
    await expectStillPending();
  });

  it('refuses a made-up api key (401)', async () => {
    const res = await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: `wk_${'A'.repeat(43)}`, body: {} });
    expectError(res, 401, 'UNAUTHENTICATED');
    await expectStillPending();
  });

  it('refuses the agent listing the queue (401)', async () => {
    expectError(await t.request('GET', '/v1/approvals', { key: token }), 401, 'UNAUTHENTICATED');
  });

  it("answers 404 to an agent reading another agent's approval, as if it did not exist", async () => {
    const res = await t.request('GET', `/v1/approvals/${approvalId}`, { key: otherToken });
    expectError(res, 404, 'APPROVAL_NOT_FOUND');
    expect(res.json().error.message).toBe(`no approval \`${approvalId}\``);
  });

  it("answers 404 to an agent waiting on another agent's approval", async () => {
    expectError(await t.request('GET', `/v1/approvals/${approvalId}?wait=1`, { key: otherToken }), 404, 'APPROVAL_NOT_FOUND');
  });

  it('lets the agent read its own approval', async () => {
    const res = await t.request('GET', `/v1/approvals/${approvalId}`, { key: token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: approvalId, status: 'pending', call: { agent: 'helper', tool: 'forum.post' } });
  });

  it('refuses an agent whose token was revoked reading its own approval (401)', async () => {
    const revoked = await t.grant('helper', ['forum.post']);
    const jti = JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString('utf8')).jti as string;
    expect((await t.request('POST', `/v1/credentials/${jti}/revoke`, { key: t.keys.admin, body: {} })).statusCode).toBe(200);
    expectError(await t.request('GET', `/v1/approvals/${approvalId}`, { key: revoked }), 401, 'TOKEN_REVOKED');
  });

  it('lets an approver approve, once', async () => {
    const ok = await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: t.keys.approver, body: { comment: 'fine' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: approvalId, status: 'approved', resolvedBy: 'human:approver-user', comment: 'fine' });
    const again = await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: t.keys.approver, body: {} });
    expectError(again, 409, 'APPROVAL_NOT_PENDING');
    expect(again.json().error.message).toBe(`approval \`${approvalId}\` is already approved`);
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/deny`, { key: t.keys.admin, body: {} }), 409, 'APPROVAL_NOT_PENDING');
  });

  it('answers 404 APPROVAL_NOT_FOUND for an approval that does not exist', async () => {
    expectError(await t.request('POST', '/v1/approvals/apr_doesnotexist/approve', { key: t.keys.approver, body: {} }), 404, 'APPROVAL_NOT_FOUND');
  });

  it('lets exactly one of two approvers racing win', async () => {
    const id = (await t.decide(token, { tool: 'forum.post', args: { body: 'race' } })).json().approval.id;
    const [a, b] = await Promise.all([
      t.request('POST', `/v1/approvals/${id}/approve`, { key: t.keys.approver, body: {} }),
      t.request('POST', `/v1/approvals/${id}/deny`, { key: t.keys.admin, body: {} }),
    ]);
    expect([a!.statusCode, b!.statusCode].sort()).toEqual([200, 409]);
    const size = await t.warden.store.log.size();
    const resolutions = (await t.warden.store.log.entries(0, size)).filter(
      (e) => (e.entry.type === 'approval.approved' || e.entry.type === 'approval.denied') && (e.entry.data as { id: string }).id === id,
    );
    expect(resolutions).toHaveLength(1);
  });
});

describe('four eyes', () => {
  let t: DecisionTest;
  let engineerB: string;
  let engineerBAdmin: string;
  let engineerC: string;
  let permToken: string;
  let mixedToken: string;

  beforeAll(async () => {
    t = await decisionWarden();
    engineerB = await t.humanKey('engineer-b', 'approver');
    engineerBAdmin = await t.humanKey('engineer-b', 'admin');
    engineerC = await t.humanKey('engineer-c', 'approver');
    await t.register('helper', ['forum.*', 'repo.*']);
    await t.categorise('repo.set_permissions', ['permissions', 'write']);
    await t.categorise('repo.publish_and_share', ['publish', 'permissions']);
    await t.categorise('forum.post', ['publish']);
    permToken = await t.grant('helper', ['repo.set_permissions', 'forum.post'], engineerB);
    mixedToken = await t.grant('helper', ['repo.publish_and_share'], engineerB);
  });
  afterAll(() => t.close());

  const hold = async (tok: string, tool: string) => {
    const d = (await t.decide(tok, { tool, target: 'infra/secrets-repo', args: { visibility: 'public', n: Math.random() } })).json();
    expect(d.decision).toBe('pending');
    return d.approval.id as string;
  };

  it('refuses the origin human approving a permission change (403 SELF_APPROVAL); it stays pending', async () => {
    const id = await hold(permToken, 'repo.set_permissions');
    const res = await t.request('POST', `/v1/approvals/${id}/approve`, { key: engineerB, body: {} });
    expectError(res, 403, 'SELF_APPROVAL');
    expect(res.json().error.message).toBe('`human:engineer-b` is in this action\'s own chain and may not approve a permission change: another approver must');
    expect((await t.warden.store.approvals.get(id))?.status).toBe('pending');
  });

  it('refuses the origin human with another of their keys, of a higher role', async () => {
    const id = await hold(permToken, 'repo.set_permissions');
    expectError(await t.request('POST', `/v1/approvals/${id}/approve`, { key: engineerBAdmin, body: {} }), 403, 'SELF_APPROVAL');
    expect((await t.warden.store.approvals.get(id))?.status).toBe('pending');
  });

  it('refuses the origin when the tool is in `permissions` among other categories', async () => {
    const id = await hold(mixedToken, 'repo.publish_and_share');
    expectError(await t.request('POST', `/v1/approvals/${id}/approve`, { key: engineerB, body: {} }), 403, 'SELF_APPROVAL');
  });

  it('lets another approver approve the permission change', async () => {
    const id = await hold(permToken, 'repo.set_permissions');
    const res = await t.request('POST', `/v1/approvals/${id}/approve`, { key: engineerC, body: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'approved', resolvedBy: 'human:engineer-c' });
  });

  it('lets the origin refuse their own permission change (refusing never widens access)', async () => {
    const id = await hold(permToken, 'repo.set_permissions');
    const res = await t.request('POST', `/v1/approvals/${id}/deny`, { key: engineerB, body: { comment: 'changed my mind' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'denied', resolvedBy: 'human:engineer-b' });
  });

  it('lets the origin approve a call to a tool outside `permissions` (documented: four eyes is for permission changes only)', async () => {
    const id = await hold(permToken, 'forum.post');
    const res = await t.request('POST', `/v1/approvals/${id}/approve`, { key: engineerB, body: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'approved', resolvedBy: 'human:engineer-b' });
  });
});

/**
 * Approvals expire (DESIGN.md, "Approvals"): with nobody deciding in time, the approval
 * reads `expired`, can no longer be approved or refused, the caller waiting on it gets a
 * recorded deny, and the expiry itself is an audit entry. A settable clock makes every
 * time exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, fixedClock, T0, type Clock } from '../server/state.js';
import { codes, decisionWarden, eventually, type DecisionTest } from '../decisions/fixtures.js';

const TTL = 60;
const iso = (ms: number) => new Date(ms).toISOString();

describe('an approval nobody decides in time', () => {
  let t: DecisionTest;
  let clock: Clock;
  let token: string;
  let approvalId: string;
  let waited: Awaited<ReturnType<DecisionTest['decide']>>;
  let logBefore: number;

  beforeAll(async () => {
    clock = fixedClock();
    t = await decisionWarden({ approvalTtlSeconds: TTL }, { now: clock.now });
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.post'], undefined, { ttlSeconds: 3600 });
    logBefore = await t.warden.store.log.size();

    const waiting = t.decide(token, { tool: 'forum.post', target: 'forum/1', args: { body: 'late' } }, 30);
    approvalId = await eventually(async () => (await t.warden.approvals.list({ status: 'pending', limit: 10 }))[0]?.id);
    clock.advance((TTL + 1) * 1000);
    waited = await waiting;
  });
  afterAll(() => t.close());

  it('was created to expire after the configured time', async () => {
    const rec = await t.warden.store.approvals.get(approvalId);
    expect(rec).toMatchObject({ createdAt: iso(T0), expiresAt: iso(T0 + TTL * 1000) });
  });

  it('ends the waiting call in a recorded deny, APPROVAL_EXPIRED', async () => {
    expect(waited.statusCode).toBe(200);
    const d = waited.json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toEqual(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'RISK_SCORED', 'POLICY_APPROVAL_REQUIRED', 'APPROVAL_EXPIRED']);
    expect(d.reasons.at(-1).message).toBe(`nobody approved \`${approvalId}\` before it expired at ${iso(T0 + TTL * 1000)}`);
    expect(d.approval).toEqual({ id: approvalId, status: 'expired', expiresAt: iso(T0 + TTL * 1000) });
    const rec = await t.warden.store.decisions.get(d.id);
    expect(rec).toMatchObject({ decision: 'deny', approvalId, time: iso(T0 + (TTL + 1) * 1000), logIndex: d.receipt.index });
  });

  it('reads `expired` on GET', async () => {
    const res = await t.request('GET', `/v1/approvals/${approvalId}`, { key: t.keys.approver });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: approvalId, status: 'expired', resolvedBy: null, resolvedAt: iso(T0 + (TTL + 1) * 1000), usedAt: null });
  });

  it('lists it under `?status=expired`, not under pending', async () => {
    const expired = (await t.request('GET', '/v1/approvals?status=expired', { key: t.keys.approver })).json().approvals;
    expect(expired.map((a: { id: string }) => a.id)).toEqual([approvalId]);
    expect((await t.request('GET', '/v1/approvals?status=pending', { key: t.keys.approver })).json().approvals).toEqual([]);
  });

  it('refuses a late approve with 409 APPROVAL_EXPIRED', async () => {
    const res = await t.request('POST', `/v1/approvals/${approvalId}/approve`, { key: t.keys.approver, body: { comment: 'sorry, late' } });
    expectError(res, 409, 'APPROVAL_EXPIRED');
    expect(res.json().error.message).toBe(`approval \`${approvalId}\` expired at ${iso(T0 + TTL * 1000)}`);
    expect((await t.warden.store.approvals.get(approvalId))?.status).toBe('expired');
  });

  it('refuses a late deny with 409 APPROVAL_EXPIRED', async () => {
    expectError(await t.request('POST', `/v1/approvals/${approvalId}/deny`, { key: t.keys.approver, body: {} }), 409, 'APPROVAL_EXPIRED');
  });

  it('puts the expiry on the record, once, as `approval.expired` by `system`', async () => {
    const size = await t.warden.store.log.size();
    const entries = (await t.warden.store.log.entries(logBefore, size)).map((e) => e.entry);
    const expiries = entries.filter((e) => e.type === 'approval.expired');
    expect(expiries).toHaveLength(1);
    expect(expiries[0]).toMatchObject({
      actor: 'system',
      subject: `approval:${approvalId}`,
      time: iso(T0 + (TTL + 1) * 1000),
      data: { id: approvalId, agent: 'helper', tool: 'forum.post' },
    });
  });
});

describe('an approval given but not used before it expires', () => {
  let t: DecisionTest;
  let clock: Clock;
  let token: string;

  beforeAll(async () => {
    clock = fixedClock();
    t = await decisionWarden({ approvalTtlSeconds: TTL }, { now: clock.now });
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.post'], undefined, { ttlSeconds: 3600 });
  });
  afterAll(() => t.close());

  it('is not honoured after its expiry time: the call is held again', async () => {
    const call = { tool: 'forum.post', args: { body: 'approved, then forgotten' } };
    const held = (await t.decide(token, call)).json();
    clock.advance(10_000);
    expect((await t.request('POST', `/v1/approvals/${held.approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    clock.advance(TTL * 1000);
    const d = (await t.decide(token, call)).json();
    expect(d.decision).toBe('pending');
    expect(d.approval.id).not.toBe(held.approval.id);
    expect(await t.warden.store.approvals.get(held.approval.id)).toMatchObject({ status: 'approved', usedAt: null });
  });

  it('is honoured just before its expiry time', async () => {
    const call = { tool: 'forum.post', args: { body: 'approved in time' } };
    const held = (await t.decide(token, call)).json();
    expect((await t.request('POST', `/v1/approvals/${held.approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    clock.advance(TTL * 1000 - 1);
    expect((await t.decide(token, call)).json().decision).toBe('allow');
  });

  it('expires on its own when listed after its time (the sweep), each on the record', async () => {
    const held = (await t.decide(token, { tool: 'forum.post', args: { body: 'forgotten' } })).json();
    const size = await t.warden.store.log.size();
    clock.advance((TTL + 5) * 1000);
    const list = (await t.request('GET', '/v1/approvals?status=expired', { key: t.keys.approver })).json().approvals;
    expect(list.map((a: { id: string }) => a.id)).toContain(held.approval.id);
    const entries = (await t.warden.store.log.entries(size, await t.warden.store.log.size())).map((e) => e.entry);
    expect(entries.filter((e) => e.type === 'approval.expired' && (e.data as { id: string }).id === held.approval.id)).toHaveLength(1);
  });
});

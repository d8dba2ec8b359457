/**
 * Resolving an approval is checked under the write lock, whatever the reads before it
 * said: an approval past its expiry cannot be given (even when a backlog of older overdue
 * approvals keeps the sweep busy), and nothing of a suspended agent can be approved (even
 * when the kill switch's cancellations did not all land).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditUnavailable } from '../../src/audit/errors.js';
import { codes, decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { expectError } from '../server/state.js';

describe('resolving an approval', () => {
  let t: DecisionTest;
  afterEach(() => t.close());

  async function held(): Promise<{ token: string; call: { tool: string; args: Record<string, unknown> }; approval: string }> {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    const token = await t.grant('helper', ['forum.post']);
    const call = { tool: 'forum.post', args: { body: 'held' } };
    const d = (await t.decide(token, call)).json();
    expect(d.decision).toBe('pending');
    return { token, call, approval: d.approval.id as string };
  }

  it('refuses to approve an approval past its expiry behind a backlog of older overdue ones: 409 APPROVAL_EXPIRED', async () => {
    const { approval } = await held();
    const db = t.warden.store.db;
    // 2,000 older approvals overdue for longer than the sweep takes in one go (500).
    db.exec(`INSERT INTO approvals (id, decision_id, status, agent, task, origin, chain, tool, categories, target, args_digest,
      args_preview, policy_version, reasons, risk, created_at, expires_at)
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
      SELECT 'apr_backlog' || i, decision_id, 'pending', agent, task, origin, chain, tool, categories, target, args_digest,
        args_preview, policy_version, reasons, risk, '1999-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000Z'
      FROM approvals, n WHERE approvals.id = '${approval}'`);
    db.prepare('UPDATE approvals SET expires_at = ? WHERE id = ?').run(new Date(Date.now() - 60_000).toISOString(), approval);

    expectError(await t.request('POST', `/v1/approvals/${approval}/approve`, { key: t.keys.approver, body: {} }), 409, 'APPROVAL_EXPIRED');
    expect((await t.warden.store.approvals.get(approval))?.status).toBe('expired');
  });

  it('stops waiting at once for a client that was gone before the wait began', async () => {
    const { approval } = await held();
    const started = Date.now();
    const rec = await t.warden.approvals.waitFor(approval, 60, AbortSignal.abort());
    expect(rec.status).toBe('pending');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('polls a waited-for approval once per interval however many wait, and ends every wait when another process resolves it', async () => {
    const { approval } = await held();
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const waits = Array.from({ length: 200 }, () => t.warden.approvals.waitFor(approval, 60));
      // Each wait reads the approval once as it starts; let them all start.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      const reads = vi.spyOn(t.warden.store.approvals, 'get');
      await vi.advanceTimersByTimeAsync(1000);
      // Four intervals, one read each: not one per waiter.
      expect(reads.mock.calls.length).toBeLessThanOrEqual(4);
      // Resolved by another process: no event here, only the poll can tell.
      t.warden.store.db.prepare("UPDATE approvals SET status = 'approved', resolved_by = 'human:cli', resolved_at = ? WHERE id = ?").run(new Date().toISOString(), approval);
      await vi.advanceTimersByTimeAsync(250);
      const ended = await Promise.all(waits);
      expect(new Set(ended.map((a) => a.status))).toEqual(new Set(['approved']));
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses to approve anything of a suspended agent whose held calls the kill switch failed to cancel, and holds the call again after a resume', async () => {
    const { token, call, approval } = await held();
    // The kill switch commits the suspension, then one cancellation meets a log that
    // cannot be written: the approval stays pending.
    const store = t.warden.store.approvals;
    const resolve = store.resolve.bind(store);
    let failOnce = true;
    store.resolve = async (...args) => {
      if (failOnce) {
        failOnce = false;
        throw auditUnavailable(new Error('SQLITE_BUSY'));
      }
      return resolve(...args);
    };
    expectError(await t.request('POST', '/v1/agents/helper/suspend', { key: t.keys.admin, body: {} }), 503, 'AUDIT_UNAVAILABLE');
    expect((await store.get(approval))?.status).toBe('pending');

    const refused = await t.request('POST', `/v1/approvals/${approval}/approve`, { key: t.keys.approver, body: {} });
    expectError(refused, 409, 'APPROVAL_AGENT_INACTIVE');
    expect(refused.json().error.message).toContain('agent:helper');
    expect((await store.get(approval))?.status).toBe('pending');
    // Denying it is still allowed: a human may always say no.
    expect((await t.request('POST', `/v1/approvals/${approval}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);

    expect((await t.request('POST', '/v1/agents/helper/resume', { key: t.keys.admin, body: {} })).statusCode).toBe(200);
    const fresh = await t.grant('helper', ['forum.post']);
    const again = (await t.decide(fresh, call)).json();
    expect(again.decision).toBe('pending');
    expect(codes(again)).not.toContain('APPROVAL_USED');
    expect(token).not.toBe(fresh);
  });
});

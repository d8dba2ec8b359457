/**
 * Fail closed (DESIGN.md, "Non-negotiables"): when Warden cannot evaluate an action it
 * denies it, with a coded reason, on the record; when it cannot write the record it
 * answers 503 AUDIT_UNAVAILABLE and never `allow`. Either way the process stays up and
 * decides normally once the fault is gone.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditUnavailable } from '../../src/audit/errors.js';
import { verifyLocalLog } from '../../src/audit/verify-log.js';
import { expectError } from '../server/state.js';
import { codes, decisionWarden, type DecisionTest } from './fixtures.js';

/** Valid against the schema; overflows a Long on every evaluation (0 + max + 1). */
const OVERFLOWING = `@id("permit-all") permit (principal, action, resource);
@id("overflows") forbid (principal, action == Warden::Action::"call", resource)
when { context.risk.score + 9223372036854775807 + 1 > 0 };`;

async function setUp(t: DecisionTest): Promise<string> {
  await t.register('helper', ['forum.*']);
  await t.categorise('forum.read', ['read']);
  await t.categorise('forum.post', ['publish']);
  return t.grant('helper', ['forum.read', 'forum.post']);
}

describe('a policy that fails at evaluation', () => {
  let t: DecisionTest;
  let token: string;

  beforeAll(async () => {
    t = await decisionWarden();
    token = await setUp(t);
    const put = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: OVERFLOWING } });
    expect(put.statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it('denies with POLICY_ERROR although a permit matched', async () => {
    const res = await t.decide(token, { tool: 'forum.read', target: 'forum/1' });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toEqual(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'RISK_SCORED', 'POLICY_ERROR']);
    expect(d.reasons[4].message).toBe(
      'policy `overflows` could not be evaluated: integer overflow while attempting to add the values `9223372036854775807` and `1`',
    );
    expect(d.approval).toBeUndefined();
  });

  it('records the POLICY_ERROR deny in the audit log before answering', async () => {
    const d = (await t.decide(token, { tool: 'forum.read', target: 'forum/2' })).json();
    const [stored] = await t.warden.store.log.entries(d.receipt.index, d.receipt.index + 1);
    expect(stored?.leafHash).toBe(d.receipt.leafHash);
    expect(stored?.entry).toMatchObject({
      type: 'decision',
      actor: 'agent:helper',
      subject: 'tool:forum.read',
      data: { id: d.id, decision: 'deny', tool: 'forum.read', target: 'forum/2', reasons: ['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'RISK_SCORED', 'POLICY_ERROR'] },
    });
    const rec = await t.request('GET', `/v1/decisions/${d.id}`, { key: t.keys.auditor });
    expect(rec.statusCode).toBe(200);
    expect(rec.json()).toMatchObject({ id: d.id, decision: 'deny', logIndex: d.receipt.index });
  });

  it('never holds an erroring call for approval (no approval is created)', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'hi' } })).json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toContain('POLICY_ERROR');
    const pending = await t.request('GET', '/v1/approvals', { key: t.keys.approver });
    expect(pending.json().approvals).toEqual([]);
  });
});

describe('a risk scorer that throws', () => {
  let t: DecisionTest;
  let token: string;
  const errors: Array<{ obj: unknown; msg: string }> = [];

  beforeAll(async () => {
    t = await decisionWarden(
      {},
      {
        risk: {
          score: () => {
            throw new Error('baseline store exploded');
          },
          learn: async () => undefined,
          attempted: async () => undefined,
        },
        log: { error: (obj, msg) => errors.push({ obj, msg }), warn: () => undefined },
      },
    );
    token = await setUp(t);
  });
  afterAll(() => t.close());

  it('denies with DECISION_ERROR, naming no internal detail', async () => {
    const res = await t.decide(token, { tool: 'forum.read' });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toEqual(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'DECISION_ERROR']);
    expect(d.reasons[3].message).toBe('warden could not evaluate this action, so it is denied');
    expect(res.body).not.toContain('exploded');
    expect(d.risk).toEqual({ score: 0, factors: [] });
  });

  it('records the DECISION_ERROR deny in the audit log', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'x' } })).json();
    const [stored] = await t.warden.store.log.entries(d.receipt.index, d.receipt.index + 1);
    expect(stored?.entry).toMatchObject({ type: 'decision', data: { id: d.id, decision: 'deny', reasons: ['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'DECISION_ERROR'] } });
    expect(d.approval).toBeUndefined();
  });

  it('reports the failure, with its cause, to the operator log', () => {
    const reported = errors.filter((e) => e.msg === 'decision could not be evaluated');
    expect(reported.length).toBeGreaterThanOrEqual(1);
    expect((reported[0]!.obj as { err: Error }).err.message).toBe('baseline store exploded');
  });

  it('denies the same way when the scorer rejects asynchronously', async () => {
    const spy = vi.spyOn(t.warden.risk, 'score').mockRejectedValueOnce(new Error('timeout'));
    const d = (await t.decide(token, { tool: 'forum.read' })).json();
    spy.mockRestore();
    expect(d.decision).toBe('deny');
    expect(codes(d)).toContain('DECISION_ERROR');
  });
});

// These faults are injected into the server thread's own connection, so decisions are
// recorded in that thread here (as with `writerThread: false`); the writer thread's own
// faults are below.
describe('an audit log that cannot be written', () => {
  let t: DecisionTest;
  let token: string;

  beforeAll(async () => {
    t = await decisionWarden({}, { writerThread: false });
    token = await setUp(t);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    t.warden.store.db.pragma('query_only = OFF');
  });
  afterAll(() => t.close());

  it('answers 503 AUDIT_UNAVAILABLE, not allow, when SQLite refuses writes', async () => {
    const before = await t.warden.store.log.size();
    t.warden.store.db.pragma('query_only = ON');
    const res = await t.decide(token, { tool: 'forum.read' });
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect(res.body).not.toContain('allow');
    t.warden.store.db.pragma('query_only = OFF');
    expect(await t.warden.store.log.size()).toBe(before);
    expect(await t.warden.store.decisions.search({ limit: 10 })).toEqual([]);
  });

  it('answers 503 to every decision of a batch that could not be committed', async () => {
    t.warden.store.db.pragma('query_only = ON');
    const answers = await Promise.all([
      t.decide(token, { tool: 'forum.read' }),
      t.decide(token, { tool: 'forum.read', target: 'forum/2' }),
      t.decide(token, { tool: 'forum.post', args: { body: 'b' } }),
    ]);
    for (const res of answers) expectError(res, 503, 'AUDIT_UNAVAILABLE');
  });

  it('answers 503 AUDIT_UNAVAILABLE when the log append rejects', async () => {
    // Decisions reach the log as leaves built ahead (`appendParts`), everything else as events.
    for (const method of ['append', 'appendParts'] as const) vi.spyOn(t.warden.store.log, method).mockRejectedValue(auditUnavailable(new Error('disk full')));
    const res = await t.decide(token, { tool: 'forum.read' });
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect(res.json().error.message).toBe('the audit log could not be written');
  });

  it("answers 503 AUDIT_UNAVAILABLE, not 500, when the decision's own row is refused", async () => {
    const before = await t.warden.store.log.size();
    t.warden.store.db.exec("CREATE TRIGGER broken BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    try {
      const res = await t.decide(token, { tool: 'forum.read', target: 'forum/refused' });
      expectError(res, 503, 'AUDIT_UNAVAILABLE');
      expect(res.body).not.toContain('disk I/O error');
    } finally {
      t.warden.store.db.exec('DROP TRIGGER broken');
    }
    expect(await t.warden.store.log.size()).toBe(before);
  });

  it('creates no approval for a held call it could not record', async () => {
    t.warden.store.db.pragma('query_only = ON');
    const res = await t.decide(token, { tool: 'forum.post', args: { body: 'hello' } });
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    t.warden.store.db.pragma('query_only = OFF');
    expect(await t.warden.store.approvals.list({ limit: 10 })).toEqual([]);
  });

  it('does not use up an approval when the allow could not be recorded', async () => {
    const held = (await t.decide(token, { tool: 'forum.post', args: { body: 'approved text' } })).json();
    expect(held.decision).toBe('pending');
    expect((await t.request('POST', `/v1/approvals/${held.approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    t.warden.store.db.pragma('query_only = ON');
    expectError(await t.decide(token, { tool: 'forum.post', args: { body: 'approved text' } }), 503, 'AUDIT_UNAVAILABLE');
    t.warden.store.db.pragma('query_only = OFF');
    expect((await t.warden.store.approvals.get(held.approval.id))?.usedAt).toBeNull();
    const retried = (await t.decide(token, { tool: 'forum.post', args: { body: 'approved text' } })).json();
    expect(retried.decision).toBe('allow');
    expect(codes(retried)).toContain('APPROVAL_USED');
  });

  it('stays up and decides normally once the log can be written again', async () => {
    t.warden.store.db.pragma('query_only = ON');
    expectError(await t.decide(token, { tool: 'forum.read' }), 503, 'AUDIT_UNAVAILABLE');
    t.warden.store.db.pragma('query_only = OFF');
    const health = await t.request('GET', '/healthz');
    expect(health.statusCode).toBe(200);
    const d = (await t.decide(token, { tool: 'forum.read' })).json();
    expect(d.decision).toBe('allow');
  });

  // Last here: it leaves an approval behind.
  it('answers a waiting call 503 AUDIT_UNAVAILABLE when the deny that ends it cannot be recorded', async () => {
    const waiting = t.decide(token, { tool: 'forum.post', args: { body: 'refused text' } }, 10);
    let approvalId = '';
    await vi.waitFor(async () => {
      const [held] = await t.warden.store.approvals.list({ status: 'pending', limit: 10 });
      expect(held).toBeDefined();
      approvalId = held!.id;
    });
    const decisionsBefore = (await t.warden.store.decisions.search({ limit: 1000 })).length;
    t.warden.store.db.exec("CREATE TRIGGER broken BEFORE INSERT ON decisions BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    try {
      expect((await t.request('POST', `/v1/approvals/${approvalId}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
      const res = await waiting;
      expectError(res, 503, 'AUDIT_UNAVAILABLE');
      expect(res.body).not.toContain('disk I/O error');
    } finally {
      t.warden.store.db.exec('DROP TRIGGER broken');
    }
    expect((await t.warden.store.decisions.search({ limit: 1000 })).length).toBe(decisionsBefore);
  });

  it('answers a waiting call 503 AUDIT_UNAVAILABLE when the decision it ends cannot be read back', async () => {
    const waiting = t.decide(token, { tool: 'forum.post', args: { body: 'unreadable' } }, 10);
    let approvalId = '';
    await vi.waitFor(async () => {
      const held = (await t.warden.store.approvals.list({ status: 'pending', limit: 10 })).find((a) => a.argsPreview.includes('unreadable'));
      expect(held).toBeDefined();
      approvalId = held!.id;
    });
    vi.spyOn(t.warden.store.decisions, 'get').mockRejectedValueOnce(new Error('SQLITE_IOERR: disk I/O error'));
    expect((await t.request('POST', `/v1/approvals/${approvalId}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    const res = await waiting;
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect(res.body).not.toContain('disk I/O error');
  });
});

describe('state that keeps changing while a call is decided', () => {
  let t: DecisionTest;
  let token: string;

  beforeAll(async () => {
    t = await decisionWarden();
    token = await setUp(t);
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => t.close());

  it('decides again a bounded number of times, then answers 503 AUDIT_UNAVAILABLE, never allow', async () => {
    const record = vi.spyOn(t.warden.store.decisions, 'record').mockRejectedValue(new Error('state changed'));
    const res = await t.decide(token, { tool: 'forum.read' });
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect(record).toHaveBeenCalledTimes(6);
  });

  it('records the second attempt when the first met a change', async () => {
    const real = t.warden.store.decisions.record;
    const record = vi.spyOn(t.warden.store.decisions, 'record').mockRejectedValueOnce(new Error('state changed')).mockImplementation(real);
    const res = await t.decide(token, { tool: 'forum.read' });
    expect(res.json().decision).toBe('allow');
    expect(record).toHaveBeenCalledTimes(2);
  });
});

describe('a writer thread that cannot record', () => {
  let t: DecisionTest;
  let token: string;

  beforeAll(async () => {
    t = await decisionWarden();
    token = await setUp(t);
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
  });
  afterAll(() => t.close());

  it('answers 503 AUDIT_UNAVAILABLE, never allow, while another process holds the write lock past the busy timeout', async () => {
    const before = await t.warden.store.log.size();
    const other = new Database(join(t.dir, 'warden.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      const res = await t.decide(token, { tool: 'forum.read', target: 'forum/locked' });
      expectError(res, 503, 'AUDIT_UNAVAILABLE');
      expect(res.body).not.toContain('allow');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await t.warden.store.log.size()).toBe(before);
    expect((await t.warden.store.decisions.search({ limit: 100 })).filter((d) => d.target === 'forum/locked')).toEqual([]);
    // The lock is gone: the same writer records again.
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
  }, 20_000);

  // Two places a write can fail inside the worker's transaction: the decision's own row
  // (that request fails alone) and its log entry (the whole batch fails).
  for (const table of ['decisions', 'audit_entries']) {
    it(`answers 503 AUDIT_UNAVAILABLE when an insert into ${table} fails inside its transaction, records nothing, then records again`, async () => {
      const db = t.warden.store.db;
      const count = () => db.prepare('SELECT COUNT(*) FROM decisions').pluck().get() as number;
      const [decisionsBefore, sizeBefore, approvalsBefore] = [count(), await t.warden.store.log.size(), await t.warden.store.approvals.list({ limit: 100 })];
      // The fault is on the worker's connection too: the schema is shared.
      db.exec(`CREATE TRIGGER broken BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
      try {
        // Enough at once that several share one of the worker's transactions; one is held.
        const answers = await Promise.all([
          ...Array.from({ length: 7 }, (_, i) => t.decide(token, { tool: 'forum.read', target: `forum/fault-${i}` })),
          t.decide(token, { tool: 'forum.post', args: { body: 'held' } }),
        ]);
        for (const res of answers) {
          expectError(res, 503, 'AUDIT_UNAVAILABLE');
          expect(res.body).not.toContain('disk I/O error');
        }
      } finally {
        db.exec('DROP TRIGGER broken');
      }
      expect(count()).toBe(decisionsBefore);
      expect(await t.warden.store.log.size()).toBe(sizeBefore);
      expect(await t.warden.store.approvals.list({ limit: 100 })).toEqual(approvalsBefore);
      expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
      expect(await verifyLocalLog(t.dir)).toMatchObject({ ok: true });
    });
  }

  it('fails closed once the writer thread is gone: 503 to every decision, /readyz 503, nothing recorded', async () => {
    const before = await t.warden.store.log.size();
    await t.warden.store.writer!.kill();
    const answers = await Promise.all([t.decide(token, { tool: 'forum.read' }), t.decide(token, { tool: 'forum.post', args: { body: 'b' } })]);
    for (const res of answers) expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect((await t.request('GET', '/readyz')).statusCode).toBe(503);
    expect(await t.warden.store.log.size()).toBe(before);
    expect(await t.warden.store.approvals.list({ limit: 10 })).toEqual([]);
  });
});

describe('a writer thread that dies after committing, before it answers', () => {
  it('answers the caller what the record says, not a 503 beside an allow in the log', async () => {
    const t = await decisionWarden();
    try {
      const token = await setUp(t);
      const writer = t.warden.store.writer!;
      // From here on the worker's answers are dropped: only its commit tells what happened.
      writer.worker.removeAllListeners('message');
      const committed = t.warden.store.db.prepare("SELECT log_index FROM decisions WHERE target = 'forum/committed'").pluck();
      const inFlight = t.decide(token, { tool: 'forum.read', target: 'forum/committed' });
      await vi.waitFor(() => expect(committed.get()).toBeDefined(), { interval: 1, timeout: 5000 });
      await writer.kill();

      const res = await inFlight;
      expect(res.statusCode).toBe(200);
      const d = res.json();
      expect(d.decision).toBe('allow');
      expect(d.receipt.index).toBe(committed.get());
      const leaf = t.warden.store.db.prepare('SELECT leaf_hash FROM audit_entries WHERE idx = ?').pluck().get(d.receipt.index) as Buffer;
      expect(d.receipt.leafHash).toBe(leaf.toString('base64'));
      expect(await verifyLocalLog(t.dir)).toMatchObject({ ok: true });
      // Anything decided after the worker is gone still fails closed.
      expectError(await t.decide(token, { tool: 'forum.read' }), 503, 'AUDIT_UNAVAILABLE');
    } finally {
      await t.close();
    }
  });
});

describe('a database closed under the running server', () => {
  let t: DecisionTest;
  let token: string;
  let unseen: string;

  beforeAll(async () => {
    t = await decisionWarden();
    token = await setUp(t);
    // Verified once, so the token is cached: the decision gets as far as recording.
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
    unseen = await t.grant('helper', ['forum.read']);
    t.warden.store.db.close();
  });
  afterAll(async () => {
    await t.app.close();
    await t.warden.close().catch(() => undefined);
    rmSync(t.dir, { recursive: true, force: true });
  });

  it('answers 503 AUDIT_UNAVAILABLE to a decision, never allow, naming no internal detail', async () => {
    const res = await t.decide(token, { tool: 'forum.read' });
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect(res.json().error.message).toBe('the audit log could not be written');
  });

  it('answers 503 AUDIT_UNAVAILABLE to a valid token it has not verified yet (its keys are in the store)', async () => {
    const res = await t.decide(unseen, { tool: 'forum.read' });
    expectError(res, 503, 'AUDIT_UNAVAILABLE');
    expect(res.body).not.toContain('database');
  });

  it('still answers 401 to a token that is malformed on its face', async () => {
    expectError(await t.decide('not-a-token', { tool: 'forum.read' }), 401, 'TOKEN_MALFORMED');
  });

  it('keeps answering: readiness reports the store down, liveness stays up', async () => {
    expectError(await t.request('GET', '/readyz'), 503, 'NOT_READY');
    expect((await t.request('GET', '/healthz')).statusCode).toBe(200);
  });
});

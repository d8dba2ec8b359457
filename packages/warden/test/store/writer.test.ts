/**
 * The writer thread records decisions on its own connection while the server thread keeps
 * appending everything else to the same log. Both must land in one gap-free, verifiable
 * tree; a coded refusal from inside the worker's transaction must reach the caller with its
 * code; closing must not drop what was already sent.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyLocalLog } from '../../src/audit/verify-log.js';
import { WardenError } from '../../src/errors.js';
import type { RiskScorer } from '../../src/decisions/types.js';
import { codes, decisionWarden, docsReader, type DecisionTest } from '../decisions/fixtures.js';

describe('a request the writer thread cannot be sent', () => {
  it('fails only that request, not the others sent with it', async () => {
    const t = await decisionWarden();
    try {
      const writer = t.warden.store.writer!;
      const at = new Date().toISOString();
      const caller = (n: number, detail: Record<string, unknown> = {}) => ({ key: `traffic:${n}`, kind: 'traffic' as const, label: `caller-${n}`, detail, at });
      // The first request goes alone; the next four wait for one message together, and one of
      // them holds a function, which cannot cross threads.
      const first = writer.seen(caller(0));
      const batch = [writer.seen(caller(1)), writer.seen(caller(2, { odd: () => 1 })), writer.seen(caller(3)), writer.seen(caller(4))];
      const settled = await Promise.allSettled([first, ...batch]);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/could not be sent to the writer thread/);
      expect((await t.warden.store.discovered.list()).map((d) => d.label).sort()).toEqual(['caller-0', 'caller-1', 'caller-3', 'caller-4']);
    } finally {
      await t.close();
    }
  });

  it('records a decision whose risk factor holds a function the same way in either thread: as its JSON', async () => {
    // A custom scorer that puts a function into one call's factors.
    const scorer: RiskScorer = {
      score: async (input) => ({
        score: 0,
        factors: input.target === 'docs/odd' ? [{ code: 'ODD', points: 0, message: 'odd', extra: () => 1 } as never] : [],
        findings: [],
      }),
      learn: async () => undefined,
      attempted: async () => undefined,
    };
    for (const writerThread of [true, false]) {
      const t = await decisionWarden({}, { risk: scorer, writerThread });
      try {
        const token = await docsReader(t);
        const d = await t.warden.decisions.decide({ token, tool: 'docs.read', target: 'docs/odd' });
        expect(d.decision).toBe('allow');
        expect((await t.warden.store.decisions.get(d.id))?.risk.factors).toEqual([{ code: 'ODD', points: 0, message: 'odd' }]);
      } finally {
        await t.close();
      }
    }
  });
});

describe('the decision writer thread', () => {
  let t: DecisionTest;
  let token: string;

  beforeEach(async () => {
    t = await decisionWarden();
    token = await docsReader(t);
  });
  afterEach(() => t.close());

  it('is the one recording decisions here', () => {
    expect(t.warden.store.writer).toBeDefined();
  });

  it('interleaves with the server thread in one gap-free tree that verifies', async () => {
    const start = await t.warden.store.log.size();
    const decisions = Array.from({ length: 200 }, (_, i) => t.warden.decisions.decide({ token, tool: 'docs.read', target: `docs/${i}` }));
    const registrations = Array.from({ length: 20 }, (_, i) => t.register(`other-${i}`, ['docs.read']));
    const answers = await Promise.all(decisions);
    await Promise.all(registrations);
    expect(answers.every((a) => a.decision === 'allow')).toBe(true);
    const size = await t.warden.store.log.size();
    expect(size).toBe(start + 220);
    const indexes = new Set(answers.map((a) => a.receipt.index));
    expect(indexes.size).toBe(200);
    const entries = await t.warden.store.log.entries(start, size);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: 220 }, (_, i) => start + i));
    // Each receipt names the entry that holds its decision.
    for (const a of answers) {
      const entry = entries.find((e) => e.index === a.receipt.index);
      expect(entry?.leafHash).toBe(a.receipt.leafHash);
      expect((entry?.entry.data as { id?: string }).id).toBe(a.id);
    }
    expect(await verifyLocalLog(t.dir)).toMatchObject({ ok: true });
  });

  it('takes every write of the decision path: decisions, outcomes and learned baselines', async () => {
    const serverThreadAppends = vi.spyOn(t.warden.store.log, 'append');
    // Rows changed by the server thread's own connection, whatever statement changed them.
    const changedHere = () => t.warden.store.db.prepare('SELECT total_changes()').pluck().get() as number;
    const before = changedHere();
    const d = await t.warden.decisions.decide({ token, tool: 'docs.read', target: 'docs/outcome' });
    await t.warden.decisions.recordOutcome(token, d.id, { status: 'succeeded' });
    // The fixture's scorer is neutral and learns nothing: teach the real one directly.
    await t.warden.behavior.learn({ time: new Date(), agent: 'worker', tool: 'docs.read', categories: ['read'], depth: 0 });
    await t.warden.behavior.flush();
    expect(serverThreadAppends).not.toHaveBeenCalled();
    expect(changedHere()).toBe(before);
    // Yet all of it is in the database the server thread reads.
    expect((await t.warden.store.decisions.get(d.id))?.outcome?.status).toBe('succeeded');
    expect(await t.warden.store.baselines.get('worker')).toBeDefined();
  });

  it("reports its WAL fsyncs to the store's observers, with the answers they made durable", async () => {
    const syncs: number[] = [];
    const stop = t.warden.store.observeSyncs((seconds) => syncs.push(seconds));
    const changedHere = () => t.warden.store.db.prepare('SELECT total_changes()').pluck().get() as number;
    const before = changedHere();
    await t.warden.decisions.decide({ token, tool: 'docs.read' });
    // The decision was committed and fsynced by the worker: its fsync is already reported.
    expect(changedHere()).toBe(before);
    expect(syncs.length).toBeGreaterThanOrEqual(1);
    for (const s of syncs) expect(s).toBeGreaterThan(0);
    stop();
    const seen = syncs.length;
    await t.warden.decisions.decide({ token, tool: 'docs.read' });
    expect(syncs).toHaveLength(seen);
  });

  it("counts the worker's fsyncs in /metrics", async () => {
    const fsyncs = async () => {
      const line = (await t.request('GET', '/metrics')).body.split('\n').find((l) => l.startsWith('warden_audit_fsync_seconds_count '));
      return Number(line?.split(' ')[1]);
    };
    const before = await fsyncs();
    await t.decide(token, { tool: 'docs.read' });
    expect(await fsyncs()).toBeGreaterThan(before);
  });

  it('counts unidentified callers without the server thread writing', async () => {
    const changedHere = () => t.warden.store.db.prepare('SELECT total_changes()').pluck().get() as number;
    const before = changedHere();
    const refused = await t.decide('not-a-token', { tool: 'docs.read' });
    expect(refused.statusCode).toBe(401);
    expect(changedHere()).toBe(before);
    expect((await t.warden.store.discovered.list()).some((d) => d.kind === 'traffic')).toBe(true);
  });

  it('hands back a coded refusal from inside its transaction with its code', async () => {
    const d = await t.warden.decisions.decide({ token, tool: 'docs.read' });
    const rec = await t.warden.store.decisions.get(d.id);
    // Record an allow for an agent that is not active: the worker's in-transaction check refuses.
    await t.request('POST', '/v1/agents/worker/suspend', { key: t.keys.admin, body: {} });
    const err = await t.warden.store.decisions
      .record({ ...rec!, id: 'dec_refused' }, { type: 'decision', actor: 'agent:worker', data: { id: 'dec_refused' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WardenError);
    expect((err as WardenError).code).toBe('ACTOR_SUSPENDED');
    expect(await t.warden.store.decisions.get('dec_refused')).toBeUndefined();
  });

  it('closes after its last commit is on disk, so the last checkpoint covers every recorded decision', async () => {
    // Another connection holds the write lock, so the worker cannot commit what it is sent
    // (it waits in SQLite's busy handler) until the lock goes, just before the close.
    const other = new Database(join(t.dir, 'warden.db'));
    other.exec('BEGIN IMMEDIATE');
    const inFlight = Array.from({ length: 100 }, (_, i) => t.warden.decisions.decide({ token, tool: 'docs.read', target: `docs/last-${i}` }).catch(() => undefined));
    const sentNotAnswered = () => (t.warden.store.writer as unknown as { waiting: Map<number, unknown> }).waiting.size;
    for (let turn = 0; turn < 10_000 && sentNotAnswered() < 8; turn++) await new Promise((r) => setImmediate(r));
    // Close while the worker holds them, sent but not yet answered: their answers can reach
    // this thread only after this synchronous stretch.
    expect(sentNotAnswered()).toBeGreaterThanOrEqual(8);
    other.exec('ROLLBACK');
    other.close();
    await t.warden.close();
    const answered = (await Promise.all(inFlight)).filter((r) => r !== undefined);
    expect(answered.length).toBeGreaterThanOrEqual(8);
    const db = new Database(join(t.dir, 'warden.db'), { readonly: true });
    try {
      const size = db.prepare('SELECT COUNT(*) FROM audit_entries').pluck().get() as number;
      const signed = db.prepare('SELECT MAX(size) FROM audit_checkpoints').pluck().get() as number;
      expect(signed).toBe(size);
    } finally {
      db.close();
    }
    expect(await verifyLocalLog(t.dir)).toMatchObject({ ok: true });
  });

  it('records what it was sent before closing, then refuses', async () => {
    const pending = Array.from({ length: 50 }, (_, i) => t.warden.decisions.decide({ token, tool: 'docs.read', target: `docs/close-${i}` }));
    // Let the decisions reach the writer, then close it while they are in flight.
    await new Promise((r) => setImmediate(r));
    const closing = t.warden.store.writer!.close();
    const settled = await Promise.allSettled(pending);
    await closing;
    const recorded = settled.filter((s) => s.status === 'fulfilled');
    for (const s of recorded) {
      const id = (s as PromiseFulfilledResult<{ id: string }>).value.id;
      expect(await t.warden.store.decisions.get(id)).toBeDefined();
    }
    // Whatever was refused was refused as AUDIT_UNAVAILABLE, never half-recorded.
    for (const s of settled.filter((x) => x.status === 'rejected')) {
      expect(((s as PromiseRejectedResult).reason as WardenError).code).toBe('AUDIT_UNAVAILABLE');
    }
    const after = await t.warden.decisions.decide({ token, tool: 'docs.read' }).catch((e: unknown) => e);
    expect((after as WardenError).code).toBe('AUDIT_UNAVAILABLE');
  });

  it('answers the incident the same way through the worker: a held publish, then deny', async () => {
    await t.categorise('docs.publish', ['publish']);
    const publisher = await t.grant('worker', ['docs.publish']);
    const held = (await t.decide(publisher, { tool: 'docs.publish', args: { body: 'make the repo public' } })).json();
    expect(held.decision).toBe('pending');
    expect(codes(held)).toContain('APPROVAL_REQUIRED');
    expect((await t.warden.store.approvals.get(held.approval.id))?.status).toBe('pending');
  });
});

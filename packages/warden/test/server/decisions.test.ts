/**
 * The decision API around `decide()`: the answer's wire shape, outcomes recorded by the
 * agent the decision was made for (once), and the auditors' search with its filters. A
 * settable clock makes every time exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { expectError, fixedClock, T0, type Clock } from './state.js';

const at = (s: number) => new Date(T0 + s * 1000).toISOString();

describe('POST /v1/decisions', () => {
  let t: DecisionTest;
  let token: string;

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.read', 'forum.post']);
  });
  afterAll(() => t.close());

  it('answers the wire shape DESIGN.md promises for an allow', async () => {
    const res = await t.decide(token, { tool: 'forum.read', target: 'forum/1', args: { q: 1 }, intent: 'look up the question' });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(Object.keys(d).sort()).toEqual(['decision', 'id', 'policy', 'reasons', 'receipt', 'risk']);
    expect(d.id).toMatch(/^dec_[a-z0-9]{8,12}[0-9a-f]{16}$/);
    expect(d.decision).toBe('allow');
    expect(d.risk).toEqual({ score: 0, factors: [] });
    expect(d.policy).toEqual({ version: (await t.warden.policy.version()), determining: ['calls-within-scope'] });
    for (const r of d.reasons) expect(Object.keys(r).sort()).toEqual(['code', 'message']);
    const [entry] = await t.warden.store.log.entries(d.receipt.index, d.receipt.index + 1);
    expect(d.receipt).toEqual({ index: entry!.index, leafHash: entry!.leafHash });
  });

  it('answers the wire shape for a held call, with the approval', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'x' } })).json();
    expect(Object.keys(d).sort()).toEqual(['approval', 'decision', 'id', 'policy', 'reasons', 'receipt', 'risk']);
    expect(d.decision).toBe('pending');
    expect(Object.keys(d.approval).sort()).toEqual(['expiresAt', 'id', 'status']);
    expect(d.approval.id).toMatch(/^apr_/);
    expect(d.approval.status).toBe('pending');
  });

  it('answers at once with the pending answer when `?wait=0`', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'y' } }, 0)).json();
    expect(d.decision).toBe('pending');
  });

  it('keeps the raw arguments out of the audit leaf: a digest and a masked, shortened preview', async () => {
    const pat = `ghp_${'a1B2'.repeat(9)}`;
    const body = `${'x'.repeat(60)} tail-that-must-not-be-in-the-leaf`;
    const d = (await t.decide(token, { tool: 'forum.read', args: { token: pat, body } })).json();
    const [entry] = await t.warden.store.log.entries(d.receipt.index, d.receipt.index + 1);
    const text = JSON.stringify(entry);
    expect(text).not.toContain(pat);
    expect(text).not.toContain('tail-that-must-not-be-in-the-leaf');
    expect(entry!.entry.sensitive?.args?.digest).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(entry!.entry.sensitive?.args?.preview).toContain('[redacted]');
  });

  it("moves the agent's last-seen time to the decision's time", async () => {
    const d = (await t.decide(token, { tool: 'forum.read' })).json();
    const rec = await t.warden.store.decisions.get(d.id);
    const agent = (await t.request('GET', '/v1/agents/helper', { key: t.keys.viewer })).json();
    expect(agent.lastSeenAt).toBe(rec!.time);
  });
});

describe('POST /v1/decisions/:id/outcome', () => {
  let t: DecisionTest;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.register('other', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    token = await t.grant('helper', ['forum.read']);
    otherToken = await t.grant('other', ['forum.read']);
  });
  afterAll(() => t.close());

  const decideRead = async () => (await t.decide(token, { tool: 'forum.read' })).json().id as string;
  const outcome = (id: string, body: unknown, key = token) => t.request('POST', `/v1/decisions/${id}/outcome`, { key, body });

  it('records the outcome for the agent the decision was made for, with a `decision.outcome` entry', async () => {
    const id = await decideRead();
    const size = await t.warden.store.log.size();
    const res = await outcome(id, { status: 'succeeded', summary: 'read question 4721' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ id, outcome: { status: 'succeeded', summary: 'read question 4721', at: body.outcome.at } });
    expect(Date.parse(body.outcome.at)).not.toBeNaN();
    const entries = (await t.warden.store.log.entries(size, await t.warden.store.log.size())).map((e) => e.entry);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      type: 'decision.outcome',
      actor: 'agent:helper',
      subject: `decision:${id}`,
      data: { id, tool: 'forum.read', decision: 'allow', status: 'succeeded' },
    });
    expect(entries[0]!.data).not.toHaveProperty('summary');
    expect(entries[0]!.sensitive?.summary?.digest).toBeTypeOf('string');
    const rec = await t.request('GET', `/v1/decisions/${id}`, { key: t.keys.auditor });
    expect(rec.json().outcome).toEqual(body.outcome);
  });

  it('records a failure without a summary', async () => {
    const id = await decideRead();
    const res = await outcome(id, { status: 'failed' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().outcome).sort()).toEqual(['at', 'status']);
  });

  it('refuses a second outcome with 409 OUTCOME_ALREADY_RECORDED, recording nothing', async () => {
    const id = await decideRead();
    expect((await outcome(id, { status: 'succeeded' })).statusCode).toBe(200);
    const size = await t.warden.store.log.size();
    const res = await outcome(id, { status: 'failed', summary: 'actually it failed' });
    expectError(res, 409, 'OUTCOME_ALREADY_RECORDED');
    expect(res.json().error.message).toBe(`decision \`${id}\` already has an outcome`);
    expect(await t.warden.store.log.size()).toBe(size);
    expect((await t.warden.store.decisions.get(id))?.outcome?.status).toBe('succeeded');
  });

  it('lets exactly one of two concurrent outcomes through', async () => {
    const id = await decideRead();
    const [a, b] = await Promise.all([outcome(id, { status: 'succeeded' }), outcome(id, { status: 'failed' })]);
    expect([a!.statusCode, b!.statusCode].sort()).toEqual([200, 409]);
    const loser = a!.statusCode === 409 ? a! : b!;
    expectError(loser, 409, 'OUTCOME_ALREADY_RECORDED');
  });

  it("refuses another agent recording the outcome with 403 NOT_YOUR_DECISION", async () => {
    const id = await decideRead();
    const size = await t.warden.store.log.size();
    const res = await outcome(id, { status: 'failed' }, otherToken);
    expectError(res, 403, 'NOT_YOUR_DECISION');
    expect(res.json().error.message).toBe(`decision \`${id}\` was not made for \`agent:other\``);
    expect(await t.warden.store.log.size()).toBe(size);
    expect((await t.warden.store.decisions.get(id))?.outcome).toBeNull();
  });

  it('answers 404 DECISION_NOT_FOUND for an unknown id', async () => {
    expectError(await outcome('dec_doesnotexist', { status: 'succeeded' }), 404, 'DECISION_NOT_FOUND');
  });

  it('refuses a human key with 403 (outcomes come from agents)', async () => {
    const id = await decideRead();
    expectError(await outcome(id, { status: 'succeeded' }, t.keys.admin), 403, 'FORBIDDEN');
  });

  it('refuses no credential with 401', async () => {
    const id = await decideRead();
    expectError(await t.request('POST', `/v1/decisions/${id}/outcome`, { body: { status: 'succeeded' } }), 401, 'UNAUTHENTICATED');
  });

  it('refuses a garbage token with 401', async () => {
    const id = await decideRead();
    expectError(await outcome(id, { status: 'succeeded' }, 'not-a-jwt'), 401, 'TOKEN_MALFORMED');
  });
});

describe('GET /v1/decisions', () => {
  let t: DecisionTest;
  let clock: Clock;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    clock = fixedClock();
    t = await decisionWarden({}, { now: clock.now });
    await t.register('helper', ['forum.*']);
    await t.register('other', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    const helper = await t.grant('helper', ['forum.read', 'forum.post'], undefined, { ttlSeconds: 3600 });
    const other = await t.grant('other', ['forum.read'], undefined, { ttlSeconds: 3600 });
    const plan: Array<[string, number, string, unknown]> = [
      ['h-read-1', 1, helper, { tool: 'forum.read' }],
      ['h-post', 2, helper, { tool: 'forum.post', args: { body: 'secret-body-text' } }],
      ['o-read', 3, other, { tool: 'forum.read' }],
      ['o-post-denied', 4, other, { tool: 'forum.post' }],
      ['h-read-2', 5, helper, { tool: 'forum.read' }],
    ];
    for (const [name, s, tok, body] of plan) {
      clock.advance(T0 + s * 1000 - clock.now().getTime());
      ids[name] = (await t.decide(tok, body)).json().id;
    }
  });
  afterAll(() => t.close());

  const search = async (query: string, key = t.keys.auditor) => {
    const res = await t.request('GET', `/v1/decisions${query}`, { key });
    expect(res.statusCode).toBe(200);
    return (res.json().decisions as Array<{ id: string }>).map((d) => d.id);
  };

  it('lists every decision, newest first, for an auditor', async () => {
    expect(await search('')).toEqual([ids['h-read-2'], ids['o-post-denied'], ids['o-read'], ids['h-post'], ids['h-read-1']]);
  });

  it('returns the recorded fields, without raw arguments', async () => {
    const res = await t.request('GET', '/v1/decisions?tool=forum.post&agent=helper', { key: t.keys.auditor });
    const [d] = res.json().decisions;
    expect(d).toMatchObject({ id: ids['h-post'], time: at(2), agent: 'helper', origin: 'human:approver-user', chain: ['agent:helper'], tool: 'forum.post', decision: 'pending', outcome: null });
    expect(res.body).not.toContain('secret-body-text');
  });

  it('filters by agent', async () => {
    expect(await search('?agent=other')).toEqual([ids['o-post-denied'], ids['o-read']]);
  });

  it('filters by tool', async () => {
    expect(await search('?tool=forum.read')).toEqual([ids['h-read-2'], ids['o-read'], ids['h-read-1']]);
  });

  it('filters by decision', async () => {
    expect(await search('?decision=deny')).toEqual([ids['o-post-denied']]);
    expect(await search('?decision=pending')).toEqual([ids['h-post']]);
  });

  it('filters by time: `from` inclusive, `to` exclusive', async () => {
    expect(await search(`?from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(4))}`)).toEqual([ids['o-read'], ids['h-post']]);
  });

  it('limits to the newest `limit`', async () => {
    expect(await search('?limit=2')).toEqual([ids['h-read-2'], ids['o-post-denied']]);
  });

  it('combines filters', async () => {
    expect(await search(`?agent=helper&tool=forum.read&decision=allow&from=${encodeURIComponent(at(2))}`)).toEqual([ids['h-read-2']]);
  });

  it('finds nothing for an unknown agent (200, empty)', async () => {
    expect(await search('?agent=nobody')).toEqual([]);
  });

  it('lets an admin search too', async () => {
    expect(await search('?limit=1', t.keys.admin)).toEqual([ids['h-read-2']]);
  });

  it('refuses a viewer with 403', async () => {
    expectError(await t.request('GET', '/v1/decisions', { key: t.keys.viewer }), 403, 'FORBIDDEN');
  });

  it('refuses an approver with 403', async () => {
    expectError(await t.request('GET', '/v1/decisions', { key: t.keys.approver }), 403, 'FORBIDDEN');
  });

  it('refuses an agent token and no credential with 401', async () => {
    const tok = await t.grant('helper', ['forum.read'], undefined, { ttlSeconds: 3600 });
    expectError(await t.request('GET', '/v1/decisions', { key: tok }), 401, 'UNAUTHENTICATED');
    expectError(await t.request('GET', '/v1/decisions'), 401, 'UNAUTHENTICATED');
  });

  it('refuses a viewer reading one decision with 403, and answers 404 for an unknown one', async () => {
    expectError(await t.request('GET', `/v1/decisions/${ids['h-read-1']}`, { key: t.keys.viewer }), 403, 'FORBIDDEN');
    expectError(await t.request('GET', '/v1/decisions/dec_unknown', { key: t.keys.auditor }), 404, 'DECISION_NOT_FOUND');
  });
});

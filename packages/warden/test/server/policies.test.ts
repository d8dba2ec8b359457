/**
 * `GET/PUT /v1/policies` and `POST /v1/policies/simulate` over HTTP: a policy that does not
 * validate is refused with Cedar's messages (line and column) and changes nothing; an
 * accepted one is a new version, on the record, in force for the next decision; a
 * simulation lists what a candidate would change and records nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/policy/engine.js';
import { codes, decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { expectError, fixedClock, T0, type Clock } from './state.js';

const SYNTAX_ERROR = 'permit (principal, action, resource) when { principal.status == };';
const SCHEMA_ERROR = '@id("x")\npermit (principal, action, resource)\nwhen { resource.nosuch == "a" };';
const forbidRead = (base: string) => `${base}
@id("no-forum-read")
@reason("reading the forum is paused")
forbid (principal, action, resource) when { resource == Warden::Tool::"forum.read" };`;

describe('PUT /v1/policies', () => {
  let t: DecisionTest;
  let token: string;
  let initial: { version: string; policies: string; source: string };

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    token = await t.grant('helper', ['forum.read']);
    const res = await t.request('GET', '/v1/policies', { key: t.keys.viewer });
    expect(res.statusCode).toBe(200);
    initial = res.json();
  });
  afterAll(() => t.close());

  async function expectNothingChanged(logSize: number) {
    expect((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json()).toEqual(initial);
    expect(await t.warden.store.log.size()).toBe(logSize);
  }

  it('serves the default pack to a viewer at first', () => {
    expect(initial.source).toBe('default');
    expect(initial.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(initial.policies).toContain('@id("publish-needs-approval")');
  });

  it('refuses a syntax error with 400 INVALID_POLICY, Cedar\'s message with line and column, and changes nothing', async () => {
    const size = await t.warden.store.log.size();
    const res = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: SYNTAX_ERROR } });
    expectError(res, 400, 'INVALID_POLICY');
    const { messages, diagnostics } = res.json().error.details;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^line 1, column 65: unexpected token `}`/);
    expect(diagnostics[0]).toMatchObject({ line: 1, column: 65 });
    expect(res.json().error.message).toBe(`invalid policy: ${messages[0]}`);
    await expectNothingChanged(size);
  });

  it('refuses a schema error with 400 INVALID_POLICY, each message with line and column, and changes nothing', async () => {
    const size = await t.warden.store.log.size();
    const res = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: SCHEMA_ERROR } });
    expectError(res, 400, 'INVALID_POLICY');
    const { messages } = res.json().error.details;
    // Cedar reports one problem per entity type the principal or resource could be, in no fixed order.
    expect([...messages].sort()).toEqual([
      'line 3, column 8: for policy `x`, attribute `nosuch` on entity type `Warden::Agent` not found (did you mean `owner`?)',
      'line 3, column 8: for policy `x`, attribute `nosuch` on entity type `Warden::Tool` not found (did you mean `server`?)',
    ]);
    expect(res.json().error.message).toBe('invalid policy: 2 problems');
    await expectNothingChanged(size);
  });

  it('refuses a valid policy placed after an invalid one: all or nothing', async () => {
    const size = await t.warden.store.log.size();
    const res = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: `${forbidRead(initial.policies)}\n${SCHEMA_ERROR}` } });
    expectError(res, 400, 'INVALID_POLICY');
    await expectNothingChanged(size);
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
  });

  it('refuses an empty policy text (400 naming `policies`)', async () => {
    const size = await t.warden.store.log.size();
    expectError(await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: '' } }), 400, 'INVALID_REQUEST', 'policies');
    await expectNothingChanged(size);
  });

  it('refuses a PUT by an approver (403), changing nothing', async () => {
    const size = await t.warden.store.log.size();
    expectError(await t.request('PUT', '/v1/policies', { key: t.keys.approver, body: { policies: forbidRead(initial.policies) } }), 403, 'FORBIDDEN');
    await expectNothingChanged(size);
  });

  it('refuses a PUT with an agent token (401), changing nothing', async () => {
    const size = await t.warden.store.log.size();
    expectError(await t.request('PUT', '/v1/policies', { key: token, body: { policies: forbidRead(initial.policies) } }), 401, 'UNAUTHENTICATED');
    await expectNothingChanged(size);
  });

  it('refuses a PUT without a credential (401), changing nothing', async () => {
    const size = await t.warden.store.log.size();
    expectError(await t.request('PUT', '/v1/policies', { body: { policies: forbidRead(initial.policies) } }), 401, 'UNAUTHENTICATED');
    await expectNothingChanged(size);
  });

  it('refuses GET without a key (401) and with an agent token (401)', async () => {
    expectError(await t.request('GET', '/v1/policies'), 401, 'UNAUTHENTICATED');
    expectError(await t.request('GET', '/v1/policies', { key: token }), 401, 'UNAUTHENTICATED');
  });

  it('accepts a valid policy: a new version, on the record, in force for the next decision', async () => {
    const size = await t.warden.store.log.size();
    const text = forbidRead(initial.policies);
    const res = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: text } });
    expect(res.statusCode).toBe(200);
    const { version } = res.json();
    expect(res.json()).toEqual({ version: PolicyEngine.load({ policies: text }).version });
    expect(version).not.toBe(initial.version);

    expect((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json()).toEqual({ version, policies: text, source: 'stored' });

    const entries = (await t.warden.store.log.entries(size, await t.warden.store.log.size())).map((e) => e.entry);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ type: 'policy.updated', actor: 'human:admin-user', subject: 'policy', data: { version, text } });

    const d = (await t.decide(token, { tool: 'forum.read' })).json();
    expect(d.decision).toBe('deny');
    expect(d.policy).toEqual({ version, determining: ['no-forum-read'] });
    expect(codes(d)).toEqual(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'RISK_SCORED', 'POLICY_FORBID']);
    expect(d.reasons[4].message).toBe('policy `no-forum-read` forbids the request: reading the forum is paused');
  });

  it('goes back to the earlier behaviour when the earlier text is put again', async () => {
    const res = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: initial.policies } });
    expect(res.json().version).toBe(initial.version);
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
  });
});

describe('POST /v1/policies/simulate', () => {
  let t: DecisionTest;
  let clock: Clock;
  let token: string;
  let reads: string[];
  let defaultText: string;
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();

  beforeAll(async () => {
    clock = fixedClock();
    t = await decisionWarden({}, { now: clock.now });
    await t.register('helper', ['forum.*', 'repo.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.search', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.*'], undefined, { ttlSeconds: 3600 });
    defaultText = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies;
    const decide = async (s: number, body: unknown) => {
      clock.advance(T0 + s * 1000 - clock.now().getTime());
      return (await t.decide(token, body)).json();
    };
    reads = [];
    reads.push((await decide(1, { tool: 'forum.read', target: 'forum/1' })).id);
    await decide(2, { tool: 'forum.search' });
    reads.push((await decide(3, { tool: 'forum.read', target: 'forum/2' })).id);
    await decide(4, { tool: 'forum.post', args: { body: 'x' } });
    await decide(5, { tool: 'repo.delete' });
    // After the window the tests simulate.
    await decide(20, { tool: 'forum.read', target: 'forum/3' });
  });
  afterAll(() => t.close());

  const simulate = (body: unknown, key = t.keys.admin) => t.request('POST', '/v1/policies/simulate', { key, body });

  it('lists exactly the decisions a candidate forbidding a tool would change', async () => {
    const candidate = forbidRead(defaultText);
    const res = await simulate({ policies: candidate, from: at(0), to: at(10) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      from: at(0),
      to: at(10),
      candidateVersion: PolicyEngine.load({ policies: candidate }).version,
      replayed: 4,
      unchanged: 2,
      changes: [
        { decisionId: reads[1], time: at(3), agent: 'helper', tool: 'forum.read', recorded: 'allow', simulated: 'deny', determining: ['no-forum-read'] },
        { decisionId: reads[0], time: at(1), agent: 'helper', tool: 'forum.read', recorded: 'allow', simulated: 'deny', determining: ['no-forum-read'] },
      ],
    });
  });

  it('takes times with an offset and answers in UTC', async () => {
    const res = await simulate({ policies: forbidRead(defaultText), from: '2026-01-05T11:00:00+01:00', to: '2026-01-05T11:00:02.500+01:00' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ from: at(0), to: at(2.5), replayed: 2, unchanged: 1 });
    expect(res.json().changes.map((c: { decisionId: string }) => c.decisionId)).toEqual([reads[0]]);
  });

  it('records nothing and leaves the policy in force alone', async () => {
    const size = await t.warden.store.log.size();
    const before = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json();
    expect((await simulate({ policies: forbidRead(defaultText), from: at(0), to: at(30) })).statusCode).toBe(200);
    expect(await t.warden.store.log.size()).toBe(size);
    expect((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json()).toEqual(before);
    expect(await t.warden.store.decisions.search({ limit: 100 })).toHaveLength(6);
  });

  it('refuses `from` equal to `to` (400 naming `from`)', async () => {
    expectError(await simulate({ policies: defaultText, from: at(5), to: at(5) }), 400, 'INVALID_REQUEST', 'from');
  });

  it('refuses `from` after `to` (400 naming `from`)', async () => {
    expectError(await simulate({ policies: defaultText, from: at(10), to: at(0) }), 400, 'INVALID_REQUEST', 'from');
  });

  it('refuses a time that is not ISO 8601 (400 naming it)', async () => {
    expectError(await simulate({ policies: defaultText, from: 'yesterday', to: at(0) }), 400, 'INVALID_REQUEST', 'from');
    expectError(await simulate({ policies: defaultText, from: at(0), to: 1767607200000 }), 400, 'INVALID_REQUEST', 'to');
  });

  it('refuses a missing window (400)', async () => {
    expectError(await simulate({ policies: defaultText }), 400, 'INVALID_REQUEST', 'from');
  });

  it('refuses an invalid candidate with 400 INVALID_POLICY and Cedar\'s line and column', async () => {
    const res = await simulate({ policies: SYNTAX_ERROR, from: at(0), to: at(10) });
    expectError(res, 400, 'INVALID_POLICY');
    expect(res.json().error.details.messages[0]).toMatch(/^line 1, column 65: /);
  });

  it('refuses an unknown field and a bad limit (400 naming them)', async () => {
    expectError(await simulate({ policies: defaultText, from: at(0), to: at(10), dryRun: false }), 400, 'INVALID_REQUEST', 'dryRun');
    expectError(await simulate({ policies: defaultText, from: at(0), to: at(10), limit: 0 }), 400, 'INVALID_REQUEST', 'limit');
    expectError(await simulate({ policies: defaultText, from: at(0), to: at(10), limit: '5' }), 400, 'INVALID_REQUEST', 'limit');
  });

  it('refuses an approver (403) and an agent token (401)', async () => {
    expectError(await simulate({ policies: defaultText, from: at(0), to: at(10) }, t.keys.approver), 403, 'FORBIDDEN');
    expectError(await simulate({ policies: defaultText, from: at(0), to: at(10) }, token), 401, 'UNAUTHENTICATED');
  });
});

describe('POST /v1/policies/simulate over calls denied only because the approval queue was full', () => {
  let t: DecisionTest;
  beforeAll(async () => {
    t = await decisionWarden();
  });
  afterAll(() => t.close());

  it('replays them as the policy answered them (pending): the policy in force changes nothing', async () => {
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    const token = await t.grant('helper', ['forum.post']);
    const from = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 100; i++) expect((await t.decide(token, { tool: 'forum.post', args: { i } })).json().decision).toBe('pending');
    const full = (await t.decide(token, { tool: 'forum.post', args: { i: 'one too many' } })).json();
    expect(full.decision).toBe('deny');
    expect(codes(full)).toContain('APPROVAL_QUEUE_FULL');
    const current = (await t.request('GET', '/v1/policies', { key: t.keys.admin })).json();
    const res = await t.request('POST', '/v1/policies/simulate', {
      key: t.keys.admin,
      body: { policies: current.policies, from, to: new Date(Date.now() + 1000).toISOString() },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ replayed: 101, changes: [] });
  });

  it('replays a long window in slices, letting the server answer meanwhile', async () => {
    const db = t.warden.store.db;
    const from = new Date(Date.now() - 1000).toISOString();
    const one = (await t.decide(await t.grant('helper', ['forum.post']), { tool: 'forum.post', args: { i: 'copied' } })).json();
    // 2,500 copies of that decision's row (simulate reads rows, not the log).
    db.exec(`INSERT INTO decisions SELECT 'dec_copy' || n.i, time, agent, origin, chain, jti, tool, target, args_digest, decision,
      reasons, risk, policy_version, determining, approval_id, policy_input, log_index, outcome
      FROM decisions, (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2500) SELECT i FROM c) AS n
      WHERE decisions.id = '${one.id}'`);
    const current = (await t.warden.policy.text()).policies;
    let turns = 0;
    let simulating = true;
    const count = () => {
      if (!simulating) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const report = await t.warden.policy.simulate(current, from, new Date(Date.now() + 1000).toISOString());
    simulating = false;
    expect(report.replayed).toBeGreaterThanOrEqual(2500);
    // At least one turn of the event loop per 1,000 decisions replayed.
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});

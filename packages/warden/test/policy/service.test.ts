/**
 * PolicyService: the version in force (the default pack until a PUT), validated updates
 * that change nothing when refused, and simulation of candidate policies over recorded
 * decisions. In-memory stores make every recorded decision exactly what the test says.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WardenError } from '../../src/errors.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { readDefaultPolicies } from '../../src/policy/pack.js';
import { PolicyService } from '../../src/policy/service.js';
import type { AppendReceipt, AuditEvent } from '../../src/store/audit-types.js';
import type { DecisionQuery, DecisionRecord, DecisionStore, PolicyInput, PolicyStore, PolicyVersionRecord, Reason } from '../../src/store/decision-types.js';

const DEFAULT_TEXT = readDefaultPolicies()
  .map((s) => s.text)
  .join('\n');
const DEFAULT_VERSION = PolicyEngine.load({ policies: DEFAULT_TEXT }).version;
const FORBID_READ = `${DEFAULT_TEXT}
@id("no-forum-read")
forbid (principal, action, resource) when { resource == Warden::Tool::"forum.read" };`;
const NOW = new Date('2026-01-05T10:00:00.000Z');

/** An in-memory policy store shared by "processes" (services) built on it. */
function memoryPolicies(): PolicyStore & { events: AuditEvent[]; rows: PolicyVersionRecord[] } {
  const rows: PolicyVersionRecord[] = [];
  const events: AuditEvent[] = [];
  return {
    rows,
    events,
    async current() {
      return rows.at(-1);
    },
    async byVersion(version) {
      return rows.filter((r) => r.version === version).at(-1);
    },
    async currentSeq() {
      return rows.length;
    },
    async insert(rec, event): Promise<AppendReceipt> {
      rows.push({ ...rec, seq: rows.length + 1 });
      events.push(event);
      return { index: events.length - 1, leafHash: 'x' };
    },
  };
}

function memoryDecisions(records: DecisionRecord[]): DecisionStore & { queries: DecisionQuery[] } {
  const queries: DecisionQuery[] = [];
  return {
    queries,
    record: async () => {
      throw new Error('simulation must not record');
    },
    get: async (id) => records.find((r) => r.id === id),
    async search(q) {
      queries.push(q);
      return records
        .filter((r) => (q.from === undefined || r.time >= q.from) && (q.to === undefined || r.time < q.to))
        .sort((a, b) => (a.time < b.time ? 1 : -1))
        .slice(0, q.limit);
    },
    setOutcome: async () => {
      throw new Error('simulation must not record');
    },
  };
}

function input(tool: string, categories: string[]): PolicyInput {
  return {
    agent: { id: 'helper', owner: 'human:platform-team', status: 'active', riskTier: 'low' },
    tool: { name: tool, categories, server: '' },
    context: {
      task: { id: 'task_1', intent: 'answer forum questions' },
      chain: { origin: 'human:engineer-b', depth: 0, actors: ['agent:helper'] },
      risk: { score: 0, factors: [] },
      target: '',
      findings: [],
      time: { hour: 10, dayOfWeek: 1 },
    },
  };
}

let n = 0;
function recorded(time: string, tool: string, categories: string[], decision: DecisionRecord['decision'], reasonCodes: string[] = [], policyInput: PolicyInput | null = input(tool, categories)): DecisionRecord {
  const reasons: Reason[] = reasonCodes.map((code) => ({ code, message: code.toLowerCase() }));
  return {
    id: `dec_${++n}`,
    time,
    agent: 'helper',
    origin: 'human:engineer-b',
    chain: ['agent:helper'],
    jti: 'jti_1',
    tool,
    target: null,
    argsDigest: 'd',
    decision,
    reasons,
    risk: { score: 0, factors: [] },
    policyVersion: DEFAULT_VERSION,
    determining: [],
    approvalId: null,
    policyInput,
    logIndex: n,
    outcome: null,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the version in force', () => {
  it('is the default pack until a version is stored', async () => {
    const service = new PolicyService(memoryPolicies(), memoryDecisions([]), () => NOW);
    expect(await service.version()).toBe(DEFAULT_VERSION);
    expect(await service.text()).toEqual({ version: DEFAULT_VERSION, policies: DEFAULT_TEXT, source: 'default' });
  });

  it('changes at once, in this process, when a version is put', async () => {
    const store = memoryPolicies();
    const service = new PolicyService(store, memoryDecisions([]), () => NOW);
    expect((await service.evaluate(input('forum.read', ['read']))).decision).toBe('allow');
    const { version } = await service.put(FORBID_READ, 'human:admin-user');
    expect(version).toBe(PolicyEngine.load({ policies: FORBID_READ }).version);
    expect(version).not.toBe(DEFAULT_VERSION);
    expect(await service.version()).toBe(version);
    expect(await service.text()).toEqual({ version, policies: FORBID_READ, source: 'stored' });
    const after = await service.evaluate(input('forum.read', ['read']));
    expect(after).toMatchObject({ decision: 'deny', determining: ['no-forum-read'] });
    expect(after.reasons.map((r) => r.code)).toEqual(['POLICY_FORBID']);
  });

  it('records each accepted version as a `policy.updated` event with its text', async () => {
    const store = memoryPolicies();
    const service = new PolicyService(store, memoryDecisions([]), () => NOW);
    const { version } = await service.put(FORBID_READ, 'human:admin-user');
    expect(store.rows).toEqual([{ seq: 1, version, text: FORBID_READ, createdAt: NOW.toISOString(), createdBy: 'human:admin-user' }]);
    expect(store.events).toHaveLength(1);
    expect(store.events[0]).toMatchObject({ type: 'policy.updated', actor: 'human:admin-user', subject: 'policy', time: NOW.toISOString(), data: { version, text: FORBID_READ } });
    const listed = (store.events[0]!.data as { policies: Array<{ id: string; effect: string; approval?: string }> }).policies;
    expect(listed.find((p) => p.id === 'no-forum-read')).toEqual({ id: 'no-forum-read', effect: 'forbid' });
    expect(listed.find((p) => p.id === 'publish-needs-approval')).toEqual({ id: 'publish-needs-approval', effect: 'forbid', approval: 'publish' });
  });

  it('is noticed by another service on the same store within a second (another process)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = memoryPolicies();
    const here = new PolicyService(store, memoryDecisions([]), () => NOW);
    const there = new PolicyService(store, memoryDecisions([]), () => NOW);
    expect(await there.version()).toBe(DEFAULT_VERSION);
    const { version } = await here.put(FORBID_READ, 'human:admin-user');
    vi.setSystemTime(Date.now() + 1001);
    expect(await there.version()).toBe(version);
  });
});

describe('a refused policy', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['a syntax error', 'permit (principal, action, resource) when { principal.status == };', /^line 1, column 65: unexpected token `}`/],
    ['an attribute the schema lacks', '@id("x")\npermit (principal, action, resource)\nwhen { resource.nosuch == "a" };', /^line 3, column 8: for policy `x`, attribute `nosuch`/],
    ['an entity type the schema lacks', '@id("y")\npermit (principal is Warden::Nope, action, resource);', /^line 2, column 22: for policy `y`, unrecognized entity type `Warden::Nope`/],
  ];

  for (const [what, text, first] of bad) {
    it(`throws INVALID_POLICY with Cedar's line and column for ${what}, and changes nothing`, async () => {
      const store = memoryPolicies();
      const service = new PolicyService(store, memoryDecisions([]), () => NOW);
      const err = await service.put(text, 'human:admin-user').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WardenError);
      expect((err as WardenError).code).toBe('INVALID_POLICY');
      const messages = (err as WardenError).details?.messages as string[];
      expect(messages[0]).toMatch(first);
      for (const m of messages) expect(m).toMatch(/^line \d+, column \d+: /);
      expect(store.rows).toEqual([]);
      expect(store.events).toEqual([]);
      expect(await service.version()).toBe(DEFAULT_VERSION);
    });
  }
});

describe('simulate', () => {
  const records = [
    recorded('2026-01-05T10:00:01.000Z', 'forum.read', ['read'], 'allow', ['POLICY_PERMIT']),
    recorded('2026-01-05T10:00:02.000Z', 'forum.search', ['read'], 'allow', ['POLICY_PERMIT']),
    recorded('2026-01-05T10:00:03.000Z', 'forum.read', ['read'], 'allow', ['POLICY_PERMIT']),
    recorded('2026-01-05T10:00:04.000Z', 'forum.post', ['publish'], 'pending', ['POLICY_APPROVAL_REQUIRED', 'APPROVAL_REQUIRED']),
    // Held, then approved and let through: what the policy said was `pending`.
    recorded('2026-01-05T10:00:05.000Z', 'forum.post', ['publish'], 'allow', ['POLICY_APPROVAL_REQUIRED', 'APPROVAL_USED']),
    // Held, then refused: also `pending` as far as the policy goes.
    recorded('2026-01-05T10:00:06.000Z', 'forum.post', ['publish'], 'deny', ['POLICY_APPROVAL_REQUIRED', 'APPROVAL_DENIED']),
    // Never reached the policy.
    recorded('2026-01-05T10:00:07.000Z', 'repo.delete', ['delete'], 'deny', ['SCOPE_DENIED'], null),
    // Could not be evaluated: not a policy answer to compare.
    recorded('2026-01-05T10:00:08.000Z', 'forum.read', ['read'], 'deny', ['DECISION_ERROR']),
    // Outside the window.
    recorded('2026-01-05T10:00:20.000Z', 'forum.read', ['read'], 'allow', ['POLICY_PERMIT']),
  ];
  const from = '2026-01-05T10:00:00.000Z';
  const to = '2026-01-05T10:00:10.000Z';

  it('lists exactly the decisions the candidate would change', async () => {
    const service = new PolicyService(memoryPolicies(), memoryDecisions(records), () => NOW);
    const report = await service.simulate(FORBID_READ, from, to);
    expect(report).toEqual({
      from,
      to,
      candidateVersion: PolicyEngine.load({ policies: FORBID_READ }).version,
      replayed: 6,
      unchanged: 4,
      changes: [
        { decisionId: records[2]!.id, time: records[2]!.time, agent: 'helper', tool: 'forum.read', recorded: 'allow', simulated: 'deny', determining: ['no-forum-read'] },
        { decisionId: records[0]!.id, time: records[0]!.time, agent: 'helper', tool: 'forum.read', recorded: 'allow', simulated: 'deny', determining: ['no-forum-read'] },
      ],
    });
  });

  it('reports held calls that a candidate would let through as pending → allow', async () => {
    const noApprovals = `@id("permit-all") permit (principal, action, resource);`;
    const service = new PolicyService(memoryPolicies(), memoryDecisions(records), () => NOW);
    const report = await service.simulate(noApprovals, from, to);
    expect(report.changes.map((c) => [c.decisionId, c.recorded, c.simulated])).toEqual([
      [records[5]!.id, 'pending', 'allow'],
      [records[4]!.id, 'pending', 'allow'],
      [records[3]!.id, 'pending', 'allow'],
    ]);
  });

  it('finds no change when the candidate is the policy in force', async () => {
    const service = new PolicyService(memoryPolicies(), memoryDecisions(records), () => NOW);
    const report = await service.simulate(DEFAULT_TEXT, from, to);
    expect(report).toMatchObject({ candidateVersion: DEFAULT_VERSION, replayed: 6, unchanged: 6, changes: [] });
  });

  it('records nothing and leaves the version in force alone', async () => {
    const store = memoryPolicies();
    const decisions = memoryDecisions(records);
    const service = new PolicyService(store, decisions, () => NOW);
    await service.simulate(FORBID_READ, from, to);
    expect(store.rows).toEqual([]);
    expect(store.events).toEqual([]);
    expect(await service.version()).toBe(DEFAULT_VERSION);
    expect(decisions.queries).toEqual([{ from, to, limit: 10_000 }]);
  });

  it('replays at most `limit` decisions, the newest first', async () => {
    const decisions = memoryDecisions(records);
    const service = new PolicyService(memoryPolicies(), decisions, () => NOW);
    // The newest three in the window: the DECISION_ERROR, the out-of-scope deny, the refused post.
    const report = await service.simulate(FORBID_READ, from, to, 3);
    expect(decisions.queries).toEqual([{ from, to, limit: 3 }]);
    expect(report).toMatchObject({ replayed: 1, unchanged: 1, changes: [] });
  });

  it('refuses an invalid candidate with INVALID_POLICY before reading any decision', async () => {
    const decisions = memoryDecisions(records);
    const service = new PolicyService(memoryPolicies(), decisions, () => NOW);
    await expect(service.simulate('permit (principal, action, resource', from, to)).rejects.toMatchObject({ code: 'INVALID_POLICY' });
    expect(decisions.queries).toEqual([]);
  });
});

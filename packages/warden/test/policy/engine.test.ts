/** The policy engine: the default pack's decisions, the three-outcome rule, failing closed, parsing once. */
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WardenError } from '../../src/errors.js';
import { PolicyEngine, type CallRequest } from '../../src/policy/engine.js';
import type { AgentInput, CallContext, DelegateContext } from '../../src/policy/inputs.js';
import { readDefaultPolicies } from '../../src/policy/pack.js';

// Pass-through spies: the engine's calls into Cedar can be counted (and made to fail).
vi.mock('@cedar-policy/cedar-wasm/nodejs', async (importOriginal) => {
  const real = await importOriginal<typeof cedar>();
  return {
    ...real,
    preparsePolicySet: vi.fn(real.preparsePolicySet),
    statefulIsAuthorized: vi.fn(real.statefulIsAuthorized),
    validate: vi.fn(real.validate),
    policySetTextToParts: vi.fn(real.policySetTextToParts),
  };
});

const agent: AgentInput = { id: 'forum-helper', owner: 'human:engineer-b', status: 'active', riskTier: 'low' };
const context: CallContext = {
  task: { id: 'task-4721', intent: 'draft an answer to forum question 4721' },
  chain: { origin: 'human:engineer-b', depth: 1, actors: ['agent:forum-helper'] },
  risk: { score: 0, factors: [] },
  target: '',
  findings: [],
  time: { hour: 14, dayOfWeek: 2 },
};
const delegateContext: DelegateContext = {
  task: context.task,
  chain: context.chain,
  scope: ['forum.read'],
  time: context.time,
};

const call = (tool: CallRequest['tool'], over: { agent?: Partial<AgentInput>; context?: Partial<CallContext> } = {}): CallRequest => ({
  agent: { ...agent, ...over.agent },
  tool,
  context: { ...context, ...over.context },
});

const loadDefault = () => PolicyEngine.load({ policies: readDefaultPolicies() });

/** A small pack for the rule itself: every forbid fires on a category of its own. */
const RULE_PACK = `
@id("permit-all") permit (principal, action == Warden::Action::"call", resource);
@id("hold-a") @approval("a")
forbid (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("a") };
@id("hold-b") @approval("b")
forbid (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("b") };
@id("block-x")
forbid (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("x") };
`;

describe('the default pack', () => {
  const engine = loadDefault();
  const cases: { name: string; request: CallRequest; decision: string; determining: string[] }[] = [
    { name: 'forum.read is allowed', request: call({ name: 'forum.read', categories: ['read'] }), decision: 'allow', determining: ['calls-within-scope'] },
    { name: 'a write is allowed', request: call({ name: 'docs.edit', categories: ['write'] }), decision: 'allow', determining: ['calls-within-scope'] },
    { name: 'forum.post (publish) is pending', request: call({ name: 'forum.post', categories: ['publish', 'write'] }), decision: 'pending', determining: ['publish-needs-approval'] },
    { name: 'a permissions tool is pending', request: call({ name: 'repo.set_permissions', categories: ['permissions'] }), decision: 'pending', determining: ['permissions-need-approval'] },
    { name: 'a pii tool is pending', request: call({ name: 'crm.lookup', categories: ['read', 'pii'] }), decision: 'pending', determining: ['pii-needs-approval'] },
    { name: 'an unknown tool is pending', request: call({ name: 'shell.exec', categories: ['unknown'] }), decision: 'pending', determining: ['unknown-tool-needs-approval'] },
    { name: 'risk 80 on a read is pending', request: call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: 80, factors: ['burst'] } } }), decision: 'pending', determining: ['high-risk-needs-approval'] },
    { name: 'risk 70 is pending', request: call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: 70, factors: [] } } }), decision: 'pending', determining: ['high-risk-needs-approval'] },
    { name: 'risk 69 is allowed', request: call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: 69, factors: [] } } }), decision: 'allow', determining: ['calls-within-scope'] },
    { name: 'a risky publication names both holds', request: call({ name: 'forum.post', categories: ['publish'] }, { context: { risk: { score: 95, factors: [] } } }), decision: 'pending', determining: ['publish-needs-approval', 'high-risk-needs-approval'] },
    { name: 'a suspended agent is denied a read', request: call({ name: 'forum.read', categories: ['read'] }, { agent: { status: 'suspended' } }), decision: 'deny', determining: ['suspended-agent-denied'] },
    { name: 'a suspended agent is denied a publication', request: call({ name: 'forum.post', categories: ['publish'] }, { agent: { status: 'suspended' } }), decision: 'deny', determining: ['suspended-agent-denied', 'publish-needs-approval'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = engine.evaluate(c.request);
      expect(r.decision).toBe(c.decision);
      expect(r.determining).toEqual(c.determining);
      expect(r.errors).toEqual([]);
    });
  }

  it('explains a pending publication with the policy id, its label and its reason', () => {
    const r = engine.evaluate(call({ name: 'forum.post', categories: ['publish'] }));
    expect(r.approvals).toEqual(['publish']);
    expect(r.reasons).toEqual([
      {
        code: 'POLICY_APPROVAL_REQUIRED',
        message: "policy `publish-needs-approval` requires human approval (`publish`): publishing content needs a human's confirmation",
      },
    ]);
  });

  it('explains an allow with the permitting policy', () => {
    expect(engine.evaluate(call({ name: 'forum.read', categories: ['read'] })).reasons).toEqual([
      { code: 'POLICY_PERMIT', message: "policy `calls-within-scope` permits the request: the tool is within the credential's scope" },
    ]);
  });

  it('allows delegating to an active agent', () => {
    const r = engine.evaluateDelegation({ agent, subAgent: { ...agent, id: 'researcher' }, context: delegateContext });
    expect([r.decision, r.determining]).toEqual(['allow', ['delegation-within-scope']]);
  });

  it('denies delegating to a suspended agent', () => {
    const r = engine.evaluateDelegation({ agent, subAgent: { ...agent, id: 'researcher', status: 'suspended' }, context: delegateContext });
    expect([r.decision, r.determining]).toEqual(['deny', ['suspended-delegate-denied']]);
  });

  it('denies a suspended agent delegating', () => {
    const r = engine.evaluateDelegation({ agent: { ...agent, status: 'suspended' }, subAgent: { ...agent, id: 'researcher' }, context: delegateContext });
    expect([r.decision, r.determining]).toEqual(['deny', ['suspended-agent-denied']]);
  });

  it('treats an agent delegating to itself as one entity', () => {
    const r = engine.evaluateDelegation({ agent, subAgent: { ...agent, id: 'agent:forum-helper' }, context: delegateContext });
    expect(r.decision).toBe('allow');
  });

  it('names the version after the policy content', () => {
    expect(engine.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(loadDefault().version).toBe(engine.version);
    expect(PolicyEngine.load({ policies: readDefaultPolicies(), version: 'v7' }).version).toBe('v7');
  });

  it('lists the policies with their annotations', () => {
    expect(engine.policies.map((p) => [p.id, p.effect, p.approval ?? null])).toEqual([
      ['calls-within-scope', 'permit', null],
      ['delegation-within-scope', 'permit', null],
      ['suspended-agent-denied', 'forbid', null],
      ['suspended-delegate-denied', 'forbid', null],
      ['publish-needs-approval', 'forbid', 'publish'],
      ['permissions-need-approval', 'forbid', 'permissions'],
      ['pii-needs-approval', 'forbid', 'pii'],
      ['unknown-tool-needs-approval', 'forbid', 'unknown-tool'],
      ['high-risk-needs-approval', 'forbid', 'high-risk'],
    ]);
  });
});

describe('three outcomes from a two-valued engine', () => {
  const engine = PolicyEngine.load({ policies: RULE_PACK });
  const tool = (...categories: string[]) => call({ name: 't', categories });

  it('allows when Cedar allows', () => {
    expect(engine.evaluate(tool('read')).decision).toBe('allow');
  });

  it('is pending when the only determining forbid carries @approval', () => {
    const r = engine.evaluate(tool('a'));
    expect([r.decision, r.determining, r.approvals]).toEqual(['pending', ['hold-a'], ['a']]);
  });

  it('is pending when every determining forbid carries @approval', () => {
    const r = engine.evaluate(tool('a', 'b'));
    expect([r.decision, r.determining, r.approvals]).toEqual(['pending', ['hold-a', 'hold-b'], ['a', 'b']]);
  });

  it('denies when an @approval forbid and a plain forbid both determine', () => {
    const r = engine.evaluate(tool('a', 'x'));
    expect([r.decision, r.determining, r.approvals]).toEqual(['deny', ['hold-a', 'block-x'], []]);
    expect(r.reasons).toEqual([{ code: 'POLICY_FORBID', message: 'policy `block-x` forbids the request' }]);
  });

  it('denies when no permit matches', () => {
    const r = PolicyEngine.load({ policies: '@id("reads") permit (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("read") };' }).evaluate(tool('write'));
    expect([r.decision, r.determining]).toEqual(['deny', []]);
    expect(r.reasons).toEqual([{ code: 'POLICY_NO_PERMIT', message: 'no policy permits the request' }]);
  });

  it('denies, rather than holds for a human, a call that an @approval forbid matches but no permit does', () => {
    const pack = `@id("reads") permit (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("read") };
@id("hold-publish") @approval("publish")
forbid (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("publish") };`;
    const r = PolicyEngine.load({ policies: pack }).evaluate(tool('publish'));
    expect([r.decision, r.approvals]).toEqual(['deny', []]);
    expect(r.reasons).toEqual([{ code: 'POLICY_NO_PERMIT', message: 'no policy permits the request' }]);
  });

  it('still holds a call that a conditional permit and an @approval forbid both match', () => {
    const pack = `@id("reads-and-posts") permit (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("publish") };
@id("hold-publish") @approval("publish")
forbid (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("publish") };`;
    const r = PolicyEngine.load({ policies: pack }).evaluate(tool('publish'));
    expect([r.decision, r.determining, r.approvals]).toEqual(['pending', ['hold-publish'], ['publish']]);
  });

  it('denies everything with an empty policy set', () => {
    const empty = PolicyEngine.load({ policies: '// nothing yet\n' });
    expect(empty.warnings).toEqual(['the policy set is empty: every request is denied']);
    expect(empty.evaluate(tool('read')).decision).toBe('deny');
  });

  it('reports Cedar ids for policies without @id', () => {
    const r = PolicyEngine.load({ policies: 'permit (principal, action, resource);\nforbid (principal, action == Warden::Action::"call", resource) when { context.risk.score > 5 };' })
      .evaluate(call({ name: 't', categories: [] }, { context: { risk: { score: 9, factors: [] } } }));
    expect([r.decision, r.determining]).toEqual(['deny', ['policy1']]);
  });
});

describe('failing closed', () => {
  it('denies with POLICY_ERROR when a determining permit sits beside a policy that errors', () => {
    // Integer overflow is an evaluation error the validator cannot see coming.
    const engine = PolicyEngine.load({
      policies: `@id("permit-all") permit (principal, action, resource);
@id("overflows") forbid (principal, action == Warden::Action::"call", resource)
when { context.risk.score * 1000000000000000000 > 0 };`,
    });
    const r = engine.evaluate(call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: 80, factors: [] } } }));
    expect(r.decision).toBe('deny');
    expect(r.determining).toEqual(['permit-all']);
    expect(r.reasons).toEqual([
      {
        code: 'POLICY_ERROR',
        message: 'policy `overflows` could not be evaluated: integer overflow while attempting to multiply the values `80` and `1000000000000000000`',
      },
    ]);
    expect(r.errors).toEqual(['overflows: integer overflow while attempting to multiply the values `80` and `1000000000000000000`']);
  });

  it('denies with POLICY_ERROR when Cedar refuses the request data', () => {
    // A Long must be an integer; a pipeline bug passing 72.5 must not slip through.
    const r = loadDefault().evaluate(call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: 72.5, factors: [] } } }));
    expect(r.decision).toBe('deny');
    expect(r.reasons[0]?.code).toBe('POLICY_ERROR');
    expect(r.reasons[0]?.message).toMatch(/^the policy engine could not evaluate the request: /);
    expect(r.errors.length).toBe(1);
  });

  it('denies with POLICY_ERROR when a policy reads context the caller left out', () => {
    const r = loadDefault().evaluate({ agent, tool: { name: 'forum.read', categories: ['read'] }, context: {} as CallContext });
    expect(r.decision).toBe('deny');
    expect(r.reasons.map((x) => x.code)).toEqual(['POLICY_ERROR']);
  });

  it('denies with POLICY_ERROR when the wasm module throws', () => {
    const engine = PolicyEngine.load({ policies: RULE_PACK, cacheSize: 0 });
    vi.mocked(cedar.statefulIsAuthorized).mockImplementationOnce(() => {
      throw new Error('RuntimeError: unreachable');
    });
    const r = engine.evaluate(call({ name: 't', categories: ['read'] }));
    expect(r).toEqual({
      decision: 'deny',
      determining: [],
      reasons: [{ code: 'POLICY_ERROR', message: 'the policy engine could not evaluate the request: RuntimeError: unreachable' }],
      approvals: [],
      errors: ['RuntimeError: unreachable'],
    });
    // The failure is not remembered: the next call asks Cedar again.
    expect(engine.evaluate(call({ name: 't', categories: ['read'] })).decision).toBe('allow');
  });
});

describe('loading', () => {
  it('refuses text that does not parse, with line and column', () => {
    const err = catchError(() => PolicyEngine.load({ policies: '@id("ok")\npermit (principal, action, resource);\n\npermit (principal, action, resource) when { context. };\n' }));
    expect(err.code).toBe('INVALID_POLICY');
    expect(err.details?.['messages']).toEqual(['line 4, column 54: unexpected token `}`: expected identifier']);
    expect(err.message).toBe('invalid policy: line 4, column 54: unexpected token `}`: expected identifier');
  });

  it('refuses a policy that reads an attribute the schema does not have, naming the policy', () => {
    const err = catchError(() =>
      PolicyEngine.load({ policies: '@id("bad")\npermit (principal, action == Warden::Action::"call", resource)\nwhen { context.nope };\n' }),
    );
    expect(err.code).toBe('INVALID_POLICY');
    expect(err.details?.['messages']).toEqual([
      'line 3, column 8: for policy `bad`, attribute `nope` in context for Warden::Action::"call" not found (did you mean `time`?)',
    ]);
    expect(err.details?.['diagnostics']).toEqual([
      { line: 3, column: 8, policyId: 'bad', message: 'for policy `bad`, attribute `nope` in context for Warden::Action::"call" not found (did you mean `time`?)' },
    ]);
  });

  it('preparses nothing when the text is refused', () => {
    vi.mocked(cedar.preparsePolicySet).mockClear();
    catchError(() => PolicyEngine.load({ policies: 'permit (principal, action, resource) when { principal.status == 1 };' }));
    expect(cedar.preparsePolicySet).not.toHaveBeenCalled();
  });

  it('throws TypeError for a negative cache size', () => {
    expect(() => PolicyEngine.load({ policies: RULE_PACK, cacheSize: -1 })).toThrow(TypeError);
  });
});

describe('per-request work', () => {
  beforeEach(() => {
    for (const f of [cedar.preparsePolicySet, cedar.statefulIsAuthorized, cedar.validate, cedar.policySetTextToParts]) vi.mocked(f).mockClear();
  });

  it('parses and validates once per version, however many requests follow', () => {
    const engine = PolicyEngine.load({ policies: readDefaultPolicies(), cacheSize: 0 });
    expect(vi.mocked(cedar.preparsePolicySet).mock.calls.length).toBe(1);
    for (let i = 0; i < 1000; i++) engine.evaluate(call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: i % 100, factors: [] } } }));
    expect(cedar.preparsePolicySet).toHaveBeenCalledTimes(1);
    expect(cedar.validate).toHaveBeenCalledTimes(1);
    expect(cedar.policySetTextToParts).toHaveBeenCalledTimes(1);
    expect(cedar.statefulIsAuthorized).toHaveBeenCalledTimes(1000);
  });

  it('asks Cedar once per distinct request and answers repeats from memory', () => {
    const engine = PolicyEngine.load({ policies: readDefaultPolicies() });
    for (let i = 0; i < 1000; i++) engine.evaluate(call({ name: 'forum.read', categories: ['read'] }, { context: { risk: { score: i % 100, factors: [] } } }));
    expect(cedar.statefulIsAuthorized).toHaveBeenCalledTimes(100);
  });

  it('keeps its memory within cacheSize', () => {
    const engine = PolicyEngine.load({ policies: readDefaultPolicies(), cacheSize: 10 });
    for (let i = 0; i < 20; i++) engine.evaluate(call({ name: `tool-${i}`, categories: ['read'] }));
    engine.evaluate(call({ name: 'tool-0', categories: ['read'] }));
    expect(cedar.statefulIsAuthorized).toHaveBeenCalledTimes(21);
    engine.evaluate(call({ name: 'tool-19', categories: ['read'] }));
    expect(cedar.statefulIsAuthorized).toHaveBeenCalledTimes(21);
  });

  it('never serves a memorised answer for a request that differs in what the policies read', () => {
    const engine = PolicyEngine.load({ policies: readDefaultPolicies() });
    const read = { name: 'forum.read', categories: ['read'] };
    expect(engine.evaluate(call(read)).decision).toBe('allow');
    expect(engine.evaluate(call(read, { agent: { status: 'suspended' } })).decision).toBe('deny');
    expect(engine.evaluate(call({ ...read, categories: ['read', 'pii'] })).decision).toBe('pending');
    expect(engine.evaluate(call(read, { context: { risk: { score: 71, factors: [] } } })).decision).toBe('pending');
  });

  it('passes Cedar only the attributes the policies read', () => {
    const engine = PolicyEngine.load({ policies: readDefaultPolicies(), cacheSize: 0 });
    engine.evaluate(call({ name: 'forum.post', categories: ['publish'], server: 'forum' }, { context: { target: 'repos/payments', risk: { score: 3, factors: ['first-use'] } } }));
    const sent = vi.mocked(cedar.statefulIsAuthorized).mock.calls[0]?.[0];
    expect(sent?.context).toEqual({ risk: { score: 3 } });
    expect(sent?.entities).toEqual([
      { uid: { type: 'Warden::Agent', id: 'forum-helper' }, attrs: { status: 'active' }, parents: [] },
      { uid: { type: 'Warden::Tool', id: 'forum.post' }, attrs: { categories: ['publish'] }, parents: [] },
    ]);
  });

  it('passes everything when pruning is off', () => {
    const engine = PolicyEngine.load({ policies: readDefaultPolicies(), cacheSize: 0, prune: false });
    engine.evaluate(call({ name: 'forum.post', categories: ['publish'], server: 'forum' }, { agent: { groups: ['support'] } }));
    const sent = vi.mocked(cedar.statefulIsAuthorized).mock.calls[0]?.[0];
    expect(sent?.context).toEqual(context);
    expect(sent?.entities).toEqual([
      {
        uid: { type: 'Warden::Agent', id: 'forum-helper' },
        attrs: { owner: { __entity: { type: 'Warden::Human', id: 'engineer-b' } }, status: 'active', riskTier: 'low' },
        parents: [{ type: 'Warden::Group', id: 'support' }],
      },
      { uid: { type: 'Warden::Tool', id: 'forum.post' }, attrs: { categories: ['publish'], server: 'forum' }, parents: [] },
    ]);
  });
});

describe('entities from plain inputs', () => {
  const engine = PolicyEngine.load({
    policies: `
@id("support-reads") permit (principal in Warden::Group::"support", action == Warden::Action::"call", resource)
when { resource.categories.contains("read") };
@id("owned-by-b") permit (principal, action == Warden::Action::"call", resource == Warden::Tool::"forum.post")
when { principal.owner == Warden::Human::"engineer-b" && principal.riskTier == "low" };`,
  });

  it('puts the agent in its groups', () => {
    const read = { name: 'forum.read', categories: ['read'] };
    expect(engine.evaluate(call(read, { agent: { groups: ['support'] } })).decision).toBe('allow');
    expect(engine.evaluate(call(read, { agent: { groups: ['sales'] } })).decision).toBe('deny');
  });

  it('makes the owner a Human entity, with or without the `human:` prefix', () => {
    const post = { name: 'forum.post', categories: ['publish'] };
    expect(engine.evaluate(call(post)).determining).toEqual(['owned-by-b']);
    expect(engine.evaluate(call(post, { agent: { owner: 'engineer-b' } })).determining).toEqual(['owned-by-b']);
    expect(engine.evaluate(call(post, { agent: { owner: 'human:engineer-c' } })).decision).toBe('deny');
  });

  it('takes the agent id with or without the `agent:` prefix', () => {
    const e = PolicyEngine.load({ policies: 'permit (principal == Warden::Agent::"forum-helper", action, resource);' });
    expect(e.evaluate(call({ name: 't', categories: [] }, { agent: { id: 'agent:forum-helper' } })).decision).toBe('allow');
    expect(e.evaluate(call({ name: 't', categories: [] }, { agent: { id: 'forum-helper' } })).decision).toBe('allow');
  });
});

it('returns frozen answers', () => {
  const r = loadDefault().evaluate(call({ name: 'forum.read', categories: ['read'] }));
  expect(Object.isFrozen(r)).toBe(true);
  expect(Object.isFrozen(r.determining)).toBe(true);
  expect(Object.isFrozen(r.reasons[0])).toBe(true);
});

function catchError(f: () => unknown): WardenError {
  try {
    f();
  } catch (err) {
    if (err instanceof WardenError) return err;
    throw err;
  }
  throw new Error('expected a WardenError');
}

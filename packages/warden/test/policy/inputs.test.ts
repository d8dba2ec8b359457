/** What Cedar is given: the input analysis, and proof that pruning never changes an answer. */
import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { compilePoliciesOrThrow } from '../../src/policy/compile.js';
import { PolicyEngine, type CallRequest } from '../../src/policy/engine.js';
import {
  ALL_INPUTS,
  agentEntity,
  neededInputs,
  pruneContext,
  timeContext,
  toolEntity,
  type CallContext,
  type PathTree,
} from '../../src/policy/inputs.js';
import { readDefaultPolicies, readDefaultSchema } from '../../src/policy/pack.js';

const json = (text: string): PolicyJson => {
  const r = policyToJson(text);
  if (r.type !== 'success') throw new Error(JSON.stringify(r.errors));
  return r.json;
};
const tree = (o: Record<string, unknown>): PathTree =>
  new Map(Object.entries(o).map(([k, v]) => [k, v === true ? true : tree(v as Record<string, unknown>)]));

describe('neededInputs', () => {
  it('finds what the default pack reads', () => {
    const compiled = compilePoliciesOrThrow(readDefaultSchema(), readDefaultPolicies());
    const n = neededInputs(compiled.json);
    expect(n.context).toEqual(tree({ risk: { score: true } }));
    expect(n.entityAttrs).toEqual(new Set(['status', 'categories', 'risk', 'score']));
  });

  it('keeps a record whole when the policy uses it whole', () => {
    const n = neededInputs([json('permit (principal, action, resource) when { context.risk == {score: 1, factors: ["x"]} && context.risk.score > 0 };')]);
    expect(n.context).toEqual(tree({ risk: true }));
  });

  it('keeps what `has` asks about, single or dotted', () => {
    const n = neededInputs([
      json('permit (principal, action, resource) when { context has target };'),
      json('permit (principal, action, resource) when { context has task.intent };'),
      json('permit (principal, action, resource) when { principal has owner };'),
    ]);
    expect(n.context).toEqual(tree({ target: true, task: { intent: true } }));
    expect(n.entityAttrs).toEqual(new Set(['target', 'task', 'intent', 'owner']));
  });

  it('keeps the whole context when `context` is used as a value', () => {
    const n = neededInputs([json('permit (principal, action, resource) when { context == {} };')]);
    expect(n.context).toBe(true);
  });

  it('looks inside if-then-else, sets, records, like, is and extension calls', () => {
    const n = neededInputs([
      json(`permit (principal, action, resource) when {
        (if context.time.hour > 8 then principal else resource).status == "active" &&
        [context.target].contains("x") && {a: context.task.id}.a == "t" &&
        context.chain.origin like "human:*" && resource is Warden::Tool &&
        decimal("1.0").lessThan(decimal("2.0")) && !context.findings.isEmpty()
      };`),
    ]);
    expect(n.context).toEqual(tree({ time: { hour: true }, target: true, task: { id: true }, chain: { origin: true }, findings: true }));
    expect(n.entityAttrs).toContain('status');
  });

  it('turns pruning off for anything it does not recognise', () => {
    const odd = { ...json('permit (principal, action, resource) when { true };'), conditions: [{ kind: 'when', body: { 'no-such-op': 1 } }] } as unknown as PolicyJson;
    expect(neededInputs([odd])).toBe(ALL_INPUTS);
  });
});

describe('builders', () => {
  it('prunes nested records and leaves what is not a record whole', () => {
    const ctx = { risk: { score: 5, factors: ['a'] }, target: 'x', findings: ['f'] };
    expect(pruneContext(ctx, tree({ risk: { score: true }, findings: true, missing: true }))).toEqual({ risk: { score: 5 }, findings: ['f'] });
    expect(pruneContext(ctx, true)).toBe(ctx);
  });

  it('builds entities with all attributes when asked for all', () => {
    expect(agentEntity({ id: 'agent:a', owner: 'human:h', status: 'active', riskTier: 'high', groups: ['g'] }, ALL_INPUTS)).toEqual({
      uid: { type: 'Warden::Agent', id: 'a' },
      attrs: { owner: { __entity: { type: 'Warden::Human', id: 'h' } }, status: 'active', riskTier: 'high' },
      parents: [{ type: 'Warden::Group', id: 'g' }],
    });
    expect(toolEntity({ name: 'forum.post', categories: ['publish'] }, ALL_INPUTS)).toEqual({
      uid: { type: 'Warden::Tool', id: 'forum.post' },
      attrs: { categories: ['publish'], server: '' },
      parents: [],
    });
  });

  it('gives the time context in UTC', () => {
    expect(timeContext(new Date('2026-03-02T14:05:00Z'))).toEqual({ hour: 14, dayOfWeek: 1 });
    expect(timeContext(new Date('2026-03-08T23:59:59Z'))).toEqual({ hour: 23, dayOfWeek: 0 });
  });
});

describe('pruning never changes an answer', () => {
  // Policies that read every part of the schema in different ways.
  const PACKS: Record<string, string> = {
    default: readDefaultPolicies()[0]?.text ?? '',
    chain: `
@id("p") permit (principal, action == Warden::Action::"call", resource);
@id("deep") @approval("deep") forbid (principal, action == Warden::Action::"call", resource)
when { context.chain.depth > 1 || context.chain.actors.contains("agent:mallory") };
@id("origin") forbid (principal, action == Warden::Action::"call", resource) unless { context.chain.origin like "human:*" };`,
    task: `
@id("p") permit (principal, action == Warden::Action::"call", resource) when { context has task && context.task.intent like "*forum*" };
@id("t") @approval("target") forbid (principal, action == Warden::Action::"call", resource) when { context.target like "repos/*" };
@id("f") forbid (principal, action == Warden::Action::"call", resource) when { context.findings.containsAny(["secret", "destructive"]) };`,
    entity: `
@id("p") permit (principal, action == Warden::Action::"call", resource)
when { principal.owner == Warden::Human::"engineer-b" || principal.riskTier == "low" || resource.server == "forum" };
@id("night") @approval("night") forbid (principal, action == Warden::Action::"call", resource)
when { context.time.hour < 6 || context.time.dayOfWeek == 0 };
@id("risk") forbid (principal, action == Warden::Action::"call", resource) when { context.risk == {score: 100, factors: ["x"]} };`,
  };

  const base: CallContext = {
    task: { id: 't1', intent: 'answer forum question' },
    chain: { origin: 'human:engineer-b', depth: 1, actors: ['agent:forum-helper'] },
    risk: { score: 10, factors: [] },
    target: '',
    findings: [],
    time: { hour: 12, dayOfWeek: 3 },
  };
  const variations: Partial<CallContext>[] = [
    {},
    { risk: { score: 80, factors: ['burst'] } },
    { risk: { score: 100, factors: ['x'] } },
    { chain: { origin: 'agent:root', depth: 2, actors: ['agent:mallory', 'agent:forum-helper'] } },
    { task: { id: 't2', intent: 'rotate keys' } },
    { target: 'repos/payments', findings: ['secret'] },
    { time: { hour: 3, dayOfWeek: 0 } },
  ];
  const agents = [
    { id: 'forum-helper', owner: 'human:engineer-b', status: 'active', riskTier: 'low' },
    { id: 'other', owner: 'human:engineer-c', status: 'suspended', riskTier: 'high', groups: ['ops'] },
  ];
  const tools = [
    { name: 'forum.post', categories: ['publish'], server: 'forum' },
    { name: 'repo.read', categories: ['read'], server: 'git' },
    { name: 'shell', categories: ['unknown'] },
  ];

  for (const [name, text] of Object.entries(PACKS)) {
    it(`for the ${name} pack`, () => {
      const pruned = PolicyEngine.load({ policies: text, cacheSize: 0 });
      const full = PolicyEngine.load({ policies: text, cacheSize: 0, prune: false });
      const decisions = new Set<string>();
      for (const agent of agents)
        for (const tool of tools)
          for (const v of variations) {
            const request: CallRequest = { agent, tool, context: { ...base, ...v } };
            const a = pruned.evaluate(request);
            expect(a).toEqual(full.evaluate(request));
            expect(a.errors).toEqual([]);
            decisions.add(a.decision);
          }
      // The table is only worth something if it reaches more than one outcome.
      expect(decisions.size).toBeGreaterThan(1);
    });
  }
});

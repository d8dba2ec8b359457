// Three limits an attacker would probe: a delegator narrowed since its token was issued,
// a suspension that lands while a decision is being made, and a flood of held calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argsDigest } from '../../src/decisions/pipeline.js';
import { MAX_PENDING_PER_AGENT } from '../../src/store/decision-types.js';
import { assertionFor, exchangeParams, grantToken, identityWarden, postForm, registerAgent, type IdentityTest } from '../identity/fixtures.js';
import { codes, decisionWarden, type DecisionTest } from './fixtures.js';

describe('a delegator narrowed in the registry', () => {
  let t: IdentityTest;
  beforeAll(async () => {
    t = await identityWarden();
  });
  afterAll(() => t.close());

  it('cannot hand on a tool it may no longer use itself', async () => {
    await registerAgent(t, 'lead', ['forum.*']);
    const sub = await registerAgent(t, 'sub', ['forum.*']);
    const parent = await grantToken(t, 'lead', ['forum.read', 'forum.delete']);
    expect((await t.request('PATCH', '/v1/agents/lead', { key: t.keys.admin, body: { scope: ['forum.read'] } })).statusCode).toBe(200);
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, sub), { scope: 'forum.delete' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().warden_code).toBe('DELEGATION_DENIED');
    expect(res.json().error_description).toContain('no longer registered for `forum.delete`');
  });
});

describe('a suspension that lands mid-decision', () => {
  let t: DecisionTest;
  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('racer', ['forum.*']);
  });
  afterAll(() => t.close());

  it('keeps an allow from being recorded for an agent that is no longer active', async () => {
    const before = await t.warden.store.log.size();
    // The state the store sees inside the recording transaction: the agent was suspended.
    t.warden.store.db.prepare("UPDATE agents SET status = 'suspended' WHERE id = 'racer'").run();
    const record = {
      id: 'dec_race',
      time: new Date().toISOString(),
      agent: 'racer',
      origin: 'human:approver-user',
      chain: ['agent:racer'],
      jti: 'j',
      tool: 'forum.read',
      target: null,
      argsDigest: argsDigest({}),
      decision: 'allow' as const,
      reasons: [],
      risk: { score: 0, factors: [] },
      policyVersion: 'v',
      determining: [],
      approvalId: null,
      policyInput: null,
      outcome: null,
    };
    const err = await t.warden.store.decisions.record(record, { type: 'decision', actor: 'agent:racer', data: {} }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ACTOR_SUSPENDED');
    expect(await t.warden.store.log.size()).toBe(before);
    expect(await t.warden.store.decisions.get('dec_race')).toBeUndefined();
  });
});

describe('a flood of held calls', () => {
  it(`denies the call after ${MAX_PENDING_PER_AGENT} are already waiting, without queueing it`, async () => {
    const t = await decisionWarden();
    try {
      await t.register('flooder', ['forum.*']);
      await t.categorise('forum.post', ['publish']);
      const token = await t.grant('flooder', ['forum.post']);
      for (let i = 0; i < MAX_PENDING_PER_AGENT; i++) {
        expect((await t.decide(token, { tool: 'forum.post', args: { i } })).json().decision).toBe('pending');
      }
      const d = (await t.decide(token, { tool: 'forum.post', args: { i: 'one too many' } })).json();
      expect(d.decision).toBe('deny');
      expect(codes(d)).toContain('APPROVAL_QUEUE_FULL');
      expect(d.approval).toBeUndefined();
      expect(await t.warden.store.approvals.countPendingForAgent('flooder')).toBe(MAX_PENDING_PER_AGENT);
    } finally {
      await t.close();
    }
  });
});

describe('arguments that are not plain JSON, in-process', () => {
  it('are refused as bad input before anything is decided or recorded', async () => {
    const t = await decisionWarden();
    try {
      await t.register('odd', ['forum.*']);
      const token = await t.grant('odd', ['forum.read']);
      const before = await t.warden.store.log.size();
      const err = await t.warden.decisions.decide({ token, tool: 'forum.read', args: { when: new Date() } as Record<string, unknown> }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('INVALID_REQUEST');
      expect(await t.warden.store.log.size()).toBe(before);
    } finally {
      await t.close();
    }
  });
});

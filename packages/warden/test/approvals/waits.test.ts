/**
 * Long polls on approvals (`?wait=`) hold a connection and a timer each, so an agent must not
 * be able to open them without bound: at most MAX_WAITS_PER_CALLER per caller, MAX_WAITS for
 * all agents and MAX_HUMAN_WAITS for all humans, refused with 429 `TOO_MANY_WAITS` before
 * anything is decided or read. And however many wait, an event costs one listener call, not
 * one per waiter.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalQueue, MAX_HUMAN_WAITS, MAX_WAITS, MAX_WAITS_PER_CALLER } from '../../src/approvals/queue.js';
import { WardenError } from '../../src/errors.js';
import { wardenDecider } from '../../src/mcp/warden-adapter.js';
import { EventBus } from '../../src/events.js';
import type { ApprovalStore } from '../../src/store/decision-types.js';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { expectError } from '../server/state.js';

describe('waiting requests on approvals', () => {
  let t: DecisionTest;
  let token: string;
  let otherToken: string;
  let approvalId: string;

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.register('bystander', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.post']);
    otherToken = await t.grant('bystander', ['forum.post']);
    approvalId = (await t.decide(token, { tool: 'forum.post', args: { body: 'hello' } })).json().approval.id;
  });
  afterAll(() => t.close());

  const waitOnApproval = (key: string, seconds = 30) => t.request('GET', `/v1/approvals/${approvalId}?wait=${seconds}`, { key });

  it(`refuses an agent a waiting request past ${MAX_WAITS_PER_CALLER} with 429, deciding nothing, and admits it again once one ends`, async () => {
    const listeners = t.warden.events.listenerCount();
    const held: Array<Promise<LightMyRequestResponse>> = [];
    for (let i = 0; i < MAX_WAITS_PER_CALLER; i++) held.push(waitOnApproval(token));
    await expect.poll(() => t.warden.approvals.waitingRequests('agent:helper')).toBe(MAX_WAITS_PER_CALLER);
    // One listener serves them all.
    expect(t.warden.events.listenerCount()).toBe(listeners + 1);

    // Another long poll on its approval: refused.
    expectError(await waitOnApproval(token), 429, 'TOO_MANY_WAITS');
    // A call asked with `?wait=`: refused before it is decided, so nothing is on the record.
    const size = await t.warden.store.log.size();
    const pendingBefore = (await t.warden.store.approvals.pendingForAgent('helper')).length;
    const refused = await t.decide(token, { tool: 'forum.post', args: { body: 'again' } }, 30);
    expectError(refused, 429, 'TOO_MANY_WAITS');
    expect(refused.json().error.message).toMatch(/`agent:helper` already has 100 requests waiting/);
    expect(await t.warden.store.log.size()).toBe(size);
    expect((await t.warden.store.approvals.pendingForAgent('helper')).length).toBe(pendingBefore);
    // Without `wait` it is decided as ever, and another agent is not held back.
    expect((await t.decide(token, { tool: 'forum.post', args: { body: 'no wait' } })).json().decision).toBe('pending');
    const other = await t.decide(otherToken, { tool: 'forum.post', args: { body: 'mine' } }, 1);
    expect(other.statusCode).toBe(200);
    expect(other.json().decision).toBe('pending');

    // A human resolves the approval: every wait ends, and gives its slot back.
    expect((await t.request('POST', `/v1/approvals/${approvalId}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    const answers = await Promise.all(held);
    expect(answers.every((a) => a.statusCode === 200 && a.json().status === 'denied')).toBe(true);
    expect(t.warden.approvals.waitingRequests('agent:helper')).toBe(0);
    expect(t.warden.approvals.waitingRequests()).toBe(0);
    expect(t.warden.events.listenerCount()).toBe(listeners);
    // Admitted again.
    const again = await t.decide(token, { tool: 'forum.post', args: { body: 'after' } }, 1);
    expect(again.statusCode).toBe(200);
    expect(again.json().decision).toBe('pending');
  });

  it('fails a waiting request whose token cannot be checked (the store), rather than letting it wait uncounted', async () => {
    const identity = t.warden.identity as { verify: typeof t.warden.identity.verify };
    const real = identity.verify;
    let calls = 0;
    // The first check fails as a broken store would; a second one would pass.
    identity.verify = async (...args) => {
      if (calls++ === 0) throw new WardenError('AUDIT_UNAVAILABLE', 'the credential could not be checked');
      return real.apply(t.warden.identity, args);
    };
    try {
      const size = await t.warden.store.log.size();
      expectError(await t.decide(token, { tool: 'forum.post', args: { body: 'unchecked' } }, 1), 503, 'AUDIT_UNAVAILABLE');
      expect(calls).toBe(1);
      expect(await t.warden.store.log.size()).toBe(size);
    } finally {
      identity.verify = real;
    }
  });

  it('takes a slot for each slice of a call the MCP gateway holds, and gives it back after each', async () => {
    const id = (await t.decide(token, { tool: 'forum.post', args: { body: 'through the gateway' } })).json().approval.id as string;
    const decider = wardenDecider(t.warden);
    const slice = decider.waitForApproval(token, id, 0.3);
    await expect.poll(() => t.warden.approvals.waitingRequests('agent:helper')).toBe(1);
    expect((await slice).status).toBe('pending');
    expect(t.warden.approvals.waitingRequests('agent:helper')).toBe(0);
    expect((await decider.waitForApproval(token, id, 0.05)).status).toBe('pending');
    expect(t.warden.approvals.waitingRequests('agent:helper')).toBe(0);
  });

  it('counts a human approver’s waits against the human, and gives them back', async () => {
    const id = (await t.decide(token, { tool: 'forum.post', args: { body: 'for the human' } })).json().approval.id as string;
    const waiting = t.request('GET', `/v1/approvals/${id}?wait=30`, { key: t.keys.approver });
    await expect.poll(() => t.warden.approvals.waitingRequests('human:approver-user')).toBe(1);
    expect((await t.request('POST', `/v1/approvals/${id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    expect((await waiting).json().status).toBe('approved');
    expect(t.warden.approvals.waitingRequests('human:approver-user')).toBe(0);
  });
});

describe('wait slots', () => {
  const queue = () => new ApprovalQueue({ approvals: {} as ApprovalStore, events: new EventBus(), now: () => new Date() });

  it('refuses one caller past its own bound while others are still admitted', () => {
    const q = queue();
    for (let i = 0; i < MAX_WAITS_PER_CALLER; i++) q.reserveWait('agent:greedy');
    expect(() => q.reserveWait('agent:greedy')).toThrow(/`agent:greedy` already has 100 requests waiting/);
    q.reserveWait('agent:modest');
    expect(q.waitingRequests('agent:greedy')).toBe(MAX_WAITS_PER_CALLER);
    expect(q.waitingRequests()).toBe(MAX_WAITS_PER_CALLER + 1);
  });

  it('refuses agents past their total, and humans past theirs, apart: agents cannot shut approvers out', () => {
    const q = queue();
    const releases: Array<() => void> = [];
    for (let caller = 0; caller < MAX_WAITS / MAX_WAITS_PER_CALLER; caller++) {
      for (let i = 0; i < MAX_WAITS_PER_CALLER; i++) releases.push(q.reserveWait(`agent:a${caller}`));
    }
    expect(() => q.reserveWait('agent:newcomer')).toThrow(/already holds 10000 waiting requests from agents/);
    // Approvers still wait, up to their own total.
    for (let human = 0; human < MAX_HUMAN_WAITS / MAX_WAITS_PER_CALLER; human++) {
      for (let i = 0; i < MAX_WAITS_PER_CALLER; i++) q.reserveWait(`human:h${human}`);
    }
    expect(() => q.reserveWait('human:late')).toThrow(/already holds 1000 waiting requests from humans/);
    // One agent's wait ends: the newcomer gets its slot; the one that let go may not give it back twice.
    const release = releases.pop()!;
    release();
    release();
    expect(q.waitingRequests()).toBe(MAX_WAITS + MAX_HUMAN_WAITS - 1);
    q.reserveWait('agent:newcomer');
    expect(() => q.reserveWait('agent:another')).toThrow(expect.objectContaining({ code: 'TOO_MANY_WAITS' }));
  });
});

/**
 * Agent groups: set by an administrator in the inventory, seen by Cedar as the agent's
 * parents (`principal in Warden::Group::"…"`), taking effect on the next decision, kept in
 * what a decision records so a simulation replays them, and never a policy that can match
 * nothing.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { buildApp } from '../../src/server/app.js';
import { createWarden, type WardenOptions } from '../../src/warden.js';
import { expectError } from '../server/state.js';
import { decisionWarden, storeVersion, type DecisionTest } from './fixtures.js';

const CONTRACTOR_POLICY = `
@id("contractors-read-no-docs")
forbid (principal in Warden::Group::"contractors", action == Warden::Action::"call", resource == Warden::Tool::"docs.read");`;

describe('agent groups', () => {
  let t: DecisionTest;
  let token: string;
  let pack: string;

  beforeAll(async () => {
    t = await decisionWarden();
    await t.categorise('docs.read', ['read']);
    const res = await t.request('POST', '/v1/agents', {
      key: t.keys.admin,
      body: { id: 'helper', name: 'Helper', owner: 'human:alice', scope: ['docs.*'], groups: ['contractors', 'apac'] },
    });
    expect(res.statusCode).toBe(201);
    token = await t.grant('helper', ['docs.read']);
    pack = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies;
    expect((await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: pack + CONTRACTOR_POLICY } })).statusCode).toBe(200);
  });
  afterAll(() => t.close());

  const setGroups = (groups: unknown, key = t.keys.admin) => t.request('PATCH', '/v1/agents/helper', { key, body: { groups } });
  const groupsNow = async () => (await t.request('GET', '/v1/agents/helper', { key: t.keys.viewer })).json().groups;

  it('keeps an agent\'s groups sorted, in the inventory', async () => {
    expect(await groupsNow()).toEqual(['apac', 'contractors']);
  });

  it('denies a member what a group policy forbids, naming the policy', async () => {
    const answer = (await t.decide(token, { tool: 'docs.read' })).json();
    expect(answer.decision).toBe('deny');
    expect(answer.policy.determining).toEqual(['contractors-read-no-docs']);
    expect(answer.reasons.map((r: { code: string }) => r.code)).toContain('POLICY_FORBID');
  });

  it('takes a change of groups into account on the very next decision, both ways', async () => {
    expect((await setGroups(['apac'])).statusCode).toBe(200);
    expect((await t.decide(token, { tool: 'docs.read' })).json().decision).toBe('allow');
    expect((await setGroups(['contractors'])).statusCode).toBe(200);
    expect((await t.decide(token, { tool: 'docs.read' })).json().decision).toBe('deny');
  });

  it('puts each change of groups on the audit record', async () => {
    const start = await t.warden.store.log.size();
    await setGroups(['apac', 'contractors']);
    const res = await t.request('GET', `/v1/audit/entries?start=${start}`, { key: t.keys.auditor });
    const entries = res.json().entries as Array<{ entry: { type: string; actor: string; data: { changes: Record<string, unknown> } } }>;
    const updated = entries.filter((e) => e.entry.type === 'agent.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]?.entry.actor).toBe('human:admin-user');
    expect(updated[0]?.entry.data.changes).toEqual({ groups: { from: ['contractors'], to: ['apac', 'contractors'] } });
  });

  it('records the groups a decision was taken with, and a simulation replays those, not today\'s', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    await setGroups(['apac']);
    const allowed = (await t.decide(token, { tool: 'docs.read' })).json();
    expect(allowed.decision).toBe('allow');
    const rec = (await t.request('GET', `/v1/decisions/${allowed.id}`, { key: t.keys.auditor })).json();
    expect(rec.policyInput.agent.groups).toEqual(['apac']);
    // Today the agent is in no group; the decision was taken while it was in `apac`.
    await setGroups([]);
    const candidate = `${pack}\n@id("apac-no-docs")\nforbid (principal in Warden::Group::"apac", action == Warden::Action::"call", resource == Warden::Tool::"docs.read");`;
    const sim = await t.request('POST', '/v1/policies/simulate', { key: t.keys.admin, body: { policies: candidate, from, to: new Date(Date.now() + 1000).toISOString() } });
    expect(sim.statusCode).toBe(200);
    const changed = sim.json().changes.find((c: { decisionId: string }) => c.decisionId === allowed.id);
    expect(changed).toMatchObject({ recorded: 'allow', simulated: 'deny', determining: ['apac-no-docs'] });
  });

  describe('bad groups change nothing', () => {
    const BAD: Array<[string, unknown]> = [
      ['an upper-case id', ['Contractors']],
      ['a space', ['on call']],
      ['an empty id', ['']],
      ['a group named twice', ['apac', 'apac']],
      ['33 groups', Array.from({ length: 33 }, (_, i) => `g${i}`)],
      ['a string instead of a list', 'contractors'],
      ['a Cedar entity literal', ['Warden::Group::"x"']],
    ];
    it.each(BAD)('refuses %s with 400, naming `groups`', async (_what, groups) => {
      const before = await groupsNow();
      const res = await setGroups(groups);
      expectError(res, 400, 'INVALID_REQUEST');
      expect(res.body).toContain('groups');
      expect(await groupsNow()).toEqual(before);
    });
  });

  it('lets only an administrator change them: an approver, a viewer and the agent itself are refused', async () => {
    const before = await groupsNow();
    expect((await setGroups([], t.keys.approver)).statusCode).toBe(403);
    expect((await setGroups([], t.keys.viewer)).statusCode).toBe(403);
    expect((await setGroups([], token)).statusCode).toBe(401);
    expect(await groupsNow()).toEqual(before);
  });
});

describe('a policy that can never apply', () => {
  let t: DecisionTest;
  beforeAll(async () => {
    t = await decisionWarden();
  });
  afterAll(() => t.close());

  it.each([
    ['asks whether a human is in a group (humans belong to none)', '@id("owners-in-ops")\nforbid (principal, action == Warden::Action::"call", resource) when { principal.owner in Warden::Group::"ops" };'],
    ['puts a tool in a group (tools belong to none)', '@id("tool-group")\nforbid (principal, action == Warden::Action::"call", resource in Warden::Group::"ops");'],
  ])('is refused when it %s, with its line and column, and nothing changes', async (_what, extra) => {
    const before = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json();
    const res = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: `${before.policies}\n${extra}` } });
    expectError(res, 400, 'INVALID_POLICY');
    expect(res.body).toContain('can never apply');
    expect(res.body).toMatch(/line \d+, column \d+/);
    expect((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().version).toBe(before.version);
  });
});

describe('a group test that can never be true, inside a policy that can apply', () => {
  let t: DecisionTest;
  let pack: string;
  beforeAll(async () => {
    t = await decisionWarden();
    pack = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies;
  });
  afterAll(() => t.close());

  const put = (extra: string) => t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: `${pack}\n${extra}` } });

  it.each([
    ['an owner, beside another condition', '@id("o-or")\nforbid (principal, action, resource) when { principal.owner in Warden::Group::"ops" || principal.riskTier == "high" };', "an agent's owner"],
    ['an owner, in an unless (it would exclude no one)', '@id("o-unless")\npermit (principal, action == Warden::Action::"call", resource) unless { principal.owner in [Warden::Group::"ops", Warden::Group::"sec"] };', "an agent's owner"],
    ['a human named outright', '@id("h")\nforbid (principal, action, resource) when { Warden::Human::"bob" in Warden::Group::"ops" || context has target };', 'a `Warden::Human`'],
    ['an owner, tested with `is … in`', '@id("o-is")\nforbid (principal, action, resource) when { principal.riskTier == "low" || principal.owner is Warden::Human in Warden::Group::"ops" };', "an agent's owner"],
  ])('is refused for %s, and nothing changes', async (_what, extra, who) => {
    const before = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().version;
    const res = await put(extra);
    expectError(res, 400, 'INVALID_POLICY');
    expect(res.body).toContain(`whether ${who}`);
    expect(res.body).toContain('only agents belong to groups');
    expect((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().version).toBe(before);
  });

  it('lets through an owner compared with humans, a group named only in a condition', async () => {
    expect((await put('@id("owner-pick")\nforbid (principal, action, resource) when { principal.owner in (if principal in Warden::Group::"a" then Warden::Human::"x" else Warden::Human::"y") };')).statusCode).toBe(200);
  });

  it('lets a group test on the agent through, beside another condition', async () => {
    expect((await put('@id("contractors-or-high")\nforbid (principal, action, resource) when { principal in Warden::Group::"contractors" || principal.riskTier == "high" };')).statusCode).toBe(200);
  });
});

describe('a stored version holding a policy that can never apply (accepted before that was refused)', () => {
  let t: DecisionTest;
  beforeAll(async () => {
    t = await decisionWarden();
  });
  afterAll(() => t.close());

  it('keeps governing after the upgrade: its other policies still decide', async () => {
    await t.register('helper', ['docs.*']);
    await t.categorise('docs.read', ['read']);
    const token = await t.grant('helper', ['docs.read']);
    const pack = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies as string;
    const text = `${pack}\n@id("owners-in-ops")\nforbid (principal, action == Warden::Action::"call", resource) when { principal.owner in Warden::Group::"ops" };`;
    // Written as an earlier release would have accepted it, past today's upload check.
    await storeVersion(t.warden, 'sha256:older-release', text);
    // Another process stored it: this one takes it up within a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answer = (await t.decide(token, { tool: 'docs.read' })).json();
    expect(answer.decision).toBe('allow');
    expect(answer.policy.version).toBe((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().version);
    expect((await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies).toContain('owners-in-ops');
    // Uploaded again today, the same text is refused.
    expectError(await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: text } }), 400, 'INVALID_POLICY');
  });
});

describe('a one-shot Warden (the CLI\'s, no writer thread)', () => {
  it('does not load the policy at start: a command that decides nothing does not pay for Cedar', async () => {
    const first = await decisionWarden();
    await storeVersion(first.warden, 'sha256:broken', 'permit (principal, action, resource) when { principal.nope };');
    await first.app.close();
    await first.warden.close();
    const logged: string[] = [];
    const log = { error: (_obj: unknown, msg: string) => logged.push(msg), warn: () => undefined };
    const cli = await createWarden(validateConfig({ dataDir: first.dir, logLevel: 'silent' }), { writerThread: false, log });
    try {
      expect(await cli.agents.list()).toEqual([]);
      expect(logged).toEqual([]);
    } finally {
      await cli.close();
      rmSync(first.dir, { recursive: true, force: true });
    }
  });
});

describe('a Warden started over a stored policy version that does not load', () => {
  it('starts, says so in its log, denies every decision (fail closed) and takes a valid version', async () => {
    const first = await decisionWarden();
    const dir = first.dir;
    await first.register('helper', ['docs.*']);
    await first.categorise('docs.read', ['read']);
    const token = await first.grant('helper', ['docs.read'], undefined, { ttlSeconds: 3600 });
    const pack = (await first.request('GET', '/v1/policies', { key: first.keys.viewer })).json().policies as string;
    // A version no release could load: written past the upload check, as a corrupted row would be.
    await storeVersion(first.warden, 'sha256:broken', 'permit (principal, action, resource) when { principal.nope };');
    await first.app.close();
    await first.warden.close();

    const logged: Array<{ msg: string }> = [];
    const log = { error: (obj: unknown, msg: string) => logged.push({ msg }), warn: () => undefined } as unknown as WardenOptions['log'];
    const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }), { log });
    const app = await buildApp(warden);
    try {
      expect(logged.map((l) => l.msg)).toContain('the policy in force does not load: decisions are denied until a valid one is put');
      const decide = () => app.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${token}` }, payload: { tool: 'docs.read' } });
      const denied = (await decide()).json();
      expect(denied.decision).toBe('deny');
      expect(denied.reasons.map((r: { code: string }) => r.code)).toContain('DECISION_ERROR');
      const put = await app.inject({ method: 'PUT', url: '/v1/policies', headers: { authorization: `Bearer ${first.keys.admin}` }, payload: { policies: pack } });
      expect(put.statusCode).toBe(200);
      expect((await decide()).json().decision).toBe('allow');
    } finally {
      await app.close();
      await warden.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a version stored by another process that does not load', () => {
  let t: DecisionTest;
  beforeAll(async () => {
    t = await decisionWarden();
  });
  afterAll(() => t.close());

  it('denies every decision from then on: the version before it does not go on answering', async () => {
    await t.register('helper', ['docs.*']);
    await t.categorise('docs.read', ['read']);
    const token = await t.grant('helper', ['docs.read'], undefined, { ttlSeconds: 3600 });
    expect((await t.decide(token, { tool: 'docs.read' })).json().decision).toBe('allow');
    await storeVersion(t.warden, 'sha256:broken', 'forbid (principal, action, resource) when { principal.nope };');
    // This process looks for a version stored elsewhere once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const answers: string[] = [];
    for (let i = 0; i < 25; i++) {
      answers.push((await t.decide(token, { tool: 'docs.read' })).json().decision);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answers.every((a) => a === 'deny')).toBe(true);
    // The operator sees what is in force, and why it does not load.
    const shown = await t.request('GET', '/v1/policies', { key: t.keys.viewer });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ version: 'sha256:broken', source: 'stored', policies: expect.stringContaining('principal.nope') });
    expect(shown.json().error).toMatch(/^this version does not load, so every decision is denied: .*line 1, column \d+/);
  });
});

describe('a policy too deep or too long for Cedar\'s parser', () => {
  let t: DecisionTest;
  let pack: string;
  let token: string;
  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['docs.*']);
    await t.categorise('docs.read', ['read']);
    token = await t.grant('helper', ['docs.read'], undefined, { ttlSeconds: 3600 });
    pack = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies;
  });
  afterAll(() => t.close());

  const forbid = (when: string) => `${pack}\n@id("big")\nforbid (principal, action == Warden::Action::"call", resource) when { ${when} };`;

  // Each of these, handed to Cedar, ran its wasm parser out of stack and left it unusable for
  // the whole process: every later decision denied until a restart.
  it.each([
    ['150 nested parentheses', `${'('.repeat(150)}true${')'.repeat(150)}`, 'nests brackets more than 32 deep'],
    ['a chain of 1,500 `+`', `${Array.from({ length: 1500 }, () => '1').join(' + ')} == 2`, 'holds more than 256 operators'],
    ['2,000 `||`', Array.from({ length: 2000 }, (_, i) => `principal.riskTier == "r${i}"`).join(' || '), 'holds more than 256 operators'],
    ['1,000 nested `if`s', `${'if true then '.repeat(1000)}true${' else false'.repeat(1000)}`, 'holds more than 32 `if`s'],
  ])('is refused before Cedar sees it: %s', async (_what, when, message) => {
    for (const url of ['/v1/policies', '/v1/policies/simulate']) {
      const body = url === '/v1/policies' ? { policies: forbid(when) } : { policies: forbid(when), from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
      const res = await t.request(url === '/v1/policies' ? 'PUT' : 'POST', url, { key: t.keys.admin, body });
      expectError(res, 400, 'INVALID_POLICY');
      expect(res.body).toContain(message);
      expect(res.body).toMatch(/line \d+, column 1/);
    }
    // Cedar still works: the next decision is decided, and a valid policy is taken.
    expect((await t.decide(token, { tool: 'docs.read' })).json().decision).toBe('allow');
  });

  it('takes a long list of values as one set', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => `"tier-${i}"`).join(', ');
    expect((await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: forbid(`[${values}].contains(principal.riskTier)`) } })).statusCode).toBe(200);
    expect((await t.decide(token, { tool: 'docs.read' })).json().decision).toBe('allow');
  });
});

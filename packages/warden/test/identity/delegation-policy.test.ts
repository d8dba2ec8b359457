// Each delegation hop is also put to the policy (Cedar's `delegate` action): an operator can
// forbid an agent from handing work to another, whatever the scopes say.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_DIR } from '../../src/policy/pack.js';
import { storeVersion } from '../decisions/fixtures.js';
import { assertionFor, exchangeParams, grantToken, identityWarden, postForm, registerAgent, type IdentityTest, type TestAgent } from './fixtures.js';

describe('delegation policy', () => {
  let t: IdentityTest;
  let b: TestAgent;
  let c: TestAgent;
  beforeAll(async () => {
    t = await identityWarden();
    await registerAgent(t, 'planner', ['forum.*']);
    b = await registerAgent(t, 'untrusted-helper', ['forum.*']);
    c = await registerAgent(t, 'trusted-helper', ['forum.*']);
    const pack = readFileSync(join(DEFAULT_POLICY_DIR, 'default.cedar'), 'utf8');
    const extra = `
@id("no-delegation-to-untrusted")
forbid (principal, action == Warden::Action::"delegate", resource == Warden::Agent::"untrusted-helper");`;
    const put = await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: pack + extra } });
    expect(put.statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it('refuses an exchange the policy forbids, naming the policy', async () => {
    const parent = await grantToken(t, 'planner', ['forum.read']);
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, b)));
    // RFC 8693 §2.2.2: a refused exchange is `invalid_request`; Warden's own code says why.
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
    expect(res.json().warden_code).toBe('DELEGATION_DENIED');
    expect(res.json().error_description).toContain('no-delegation-to-untrusted');
  });

  it('lets the same hop to another agent through', async () => {
    const parent = await grantToken(t, 'planner', ['forum.read']);
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, c)));
    expect(res.statusCode).toBe(200);
    expect(res.json().access_token).toBeTypeOf('string');
  });
});

describe('delegation policy over agent groups', () => {
  let t: IdentityTest;
  let quarantined: TestAgent;
  let other: TestAgent;
  beforeAll(async () => {
    t = await identityWarden();
    await registerAgent(t, 'planner', ['forum.*']);
    quarantined = await registerAgent(t, 'new-helper', ['forum.*']);
    other = await registerAgent(t, 'old-helper', ['forum.*']);
    const patch = await t.request('PATCH', '/v1/agents/new-helper', { key: t.keys.admin, body: { groups: ['quarantine'] } });
    expect(patch.statusCode).toBe(200);
    const pack = readFileSync(join(DEFAULT_POLICY_DIR, 'default.cedar'), 'utf8');
    const extra = `
@id("nothing-handed-to-quarantine")
forbid (principal, action == Warden::Action::"delegate", resource in Warden::Group::"quarantine");`;
    expect((await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: pack + extra } })).statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it('refuses a hop to a member of a forbidden group, and lets one to another agent through', async () => {
    const parent = await grantToken(t, 'planner', ['forum.read']);
    const refused = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, quarantined)));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().warden_code).toBe('DELEGATION_DENIED');
    expect(refused.json().error_description).toContain('nothing-handed-to-quarantine');
    expect((await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, other)))).statusCode).toBe(200);
  });

  it('lets the hop through once the agent leaves the group', async () => {
    expect((await t.request('PATCH', '/v1/agents/new-helper', { key: t.keys.admin, body: { groups: [] } })).statusCode).toBe(200);
    const parent = await grantToken(t, 'planner', ['forum.read']);
    expect((await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, quarantined)))).statusCode).toBe(200);
  });
});

describe('delegation under a stored policy version that does not load', () => {
  let t: IdentityTest;
  beforeAll(async () => {
    t = await identityWarden();
  });
  afterAll(() => t.close());

  it('refuses the hop, and tells the agent nothing of the policy', async () => {
    await registerAgent(t, 'planner', ['forum.*']);
    const helper = await registerAgent(t, 'helper', ['forum.*']);
    const parent = await grantToken(t, 'planner', ['forum.read']);
    await storeVersion(t.warden, 'sha256:broken', '@id("secret-rule") forbid (principal, action, resource) when { principal.nope };');
    // This process looks for a version stored elsewhere once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await postForm(t, '/oauth/token', exchangeParams(parent, await assertionFor(t, helper)));
    expect(res.statusCode).toBe(400);
    expect(res.json().warden_code).toBe('DELEGATION_DENIED');
    expect(res.json().error_description).toContain('could not evaluate its delegation policy');
    expect(res.body).not.toContain('nope');
    expect(res.body).not.toContain('secret-rule');
  });
});

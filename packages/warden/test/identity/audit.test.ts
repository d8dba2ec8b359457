/**
 * Every issuance, exchange, revocation and rotation is an audit entry naming the
 * credential (jti, subject, actors, scope, expiry), and no token or assertion ever reaches
 * the log or the database.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/store/audit-types.js';
import { assertionFor, clientCredentialsParams, exchangeParams, identityWarden, postForm, registerAgent, type IdentityTest, type TestAgent } from './fixtures.js';

describe('identity in the audit log', () => {
  let t: IdentityTest;
  let a: TestAgent;
  let b: TestAgent;
  const secrets: string[] = [];
  let entries: AuditEntry[] = [];
  let grantJti = '';
  let childJti = '';
  let ownJti = '';

  beforeAll(async () => {
    t = await identityWarden();
    a = await registerAgent(t, 'a', ['forum.*']);
    b = await registerAgent(t, 'b', ['forum.*']);
    const granted = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent: 'a', intent: 'answer thread 7', scope: ['forum.read', 'forum.post'] } });
    const grant = granted.json().token as string;
    grantJti = granted.json().jti;
    const actorAssertion = await assertionFor(t, b);
    const child = (await postForm(t, '/oauth/token', exchangeParams(grant, actorAssertion, { scope: 'forum.read' }))).json().access_token as string;
    childJti = (await t.warden.identity.verify(child)).jti;
    const clientAssertion = await assertionFor(t, a);
    const own = (await postForm(t, '/oauth/token', clientCredentialsParams(clientAssertion))).json().access_token as string;
    ownJti = (await t.warden.identity.verify(own)).jti;
    await postForm(t, '/oauth/introspect', { token: child }, t.keys.admin);
    await postForm(t, '/oauth/revoke', { token: grant }, t.keys.admin);
    await t.request('POST', '/v1/agents/a/suspend', { key: t.keys.admin, body: {} });
    await t.warden.identity.signingKeys.rotate('human:admin-user');
    secrets.push(grant, child, own, actorAssertion, clientAssertion);
    entries = (await t.warden.store.log.entries(0, await t.warden.store.log.size())).map((e) => e.entry);
  });
  afterAll(() => t.close());

  it('never holds a token or an assertion, whole or in part', () => {
    const log = JSON.stringify(entries);
    for (const s of secrets) {
      expect(log).not.toContain(s);
      // The signature alone would be enough to matter; the payload is not secret but is not there either.
      expect(log).not.toContain(s.split('.')[2]);
      expect(log).not.toContain(s.split('.')[1]);
    }
  });

  it('never stores a token or an assertion anywhere in the database files', () => {
    const files = readdirSync(t.dir).filter((f) => f.startsWith('warden.db'));
    const bytes = files.map((f) => readFileSync(join(t.dir, f)).toString('latin1')).join('\n');
    expect(bytes.length).toBeGreaterThan(0);
    for (const s of secrets) expect(bytes).not.toContain(s.split('.')[2]);
  });

  it('records the grant with who, what and until when', () => {
    const e = entries.find((x) => x.type === 'credential.issued' && x.data.jti === grantJti);
    expect(e).toMatchObject({
      actor: 'human:approver-user',
      subject: 'agent:a',
      data: { kind: 'grant', sub: 'human:approver-user', actors: ['agent:a'], scope: ['forum.read', 'forum.post'], task: { intent: 'answer thread 7' }, parent: null, depth: 0, maxDepth: 2, expiresAt: expect.any(String) },
    });
  });

  it('records the exchange, by the sub-agent, with its parent and assertion jti', () => {
    const e = entries.find((x) => x.type === 'credential.exchanged');
    expect(e).toMatchObject({
      actor: 'agent:b',
      subject: 'agent:b',
      data: { jti: childJti, kind: 'exchange', sub: 'human:approver-user', actors: ['agent:b', 'agent:a'], scope: ['forum.read'], parent: grantJti, depth: 1, assertionJti: expect.any(String) },
    });
  });

  it('records client credentials, by the agent itself', () => {
    const e = entries.find((x) => x.type === 'credential.issued' && x.data.jti === ownJti);
    expect(e).toMatchObject({ actor: 'agent:a', data: { kind: 'client_credentials', sub: 'agent:a', actors: ['agent:a'], scope: ['forum.*'] } });
  });

  it('records a revocation with every credential it ended', () => {
    const e = entries.find((x) => x.type === 'credential.revoked' && x.data.jti === grantJti);
    expect(e).toMatchObject({ actor: 'human:admin-user', data: { reason: 'revoked by an admin' } });
    expect((e?.data.credentials as Array<{ jti: string }>).map((c) => c.jti)).toEqual([grantJti, childJti]);
    expect((e?.data.credentials as Array<Record<string, unknown>>)[1]).toEqual({
      jti: childJti,
      sub: 'human:approver-user',
      actors: ['agent:b', 'agent:a'],
      scope: ['forum.read'],
      expiresAt: expect.any(String),
    });
  });

  it('records the suspension\'s revocations after the suspension itself', () => {
    const suspended = entries.findIndex((x) => x.type === 'agent.suspended');
    const cascade = entries.findIndex((x) => x.type === 'credential.revoked' && x.data.agent === 'agent:a');
    expect(suspended).toBeGreaterThan(0);
    expect(cascade).toBeGreaterThan(suspended);
    expect(entries[cascade]?.data).toMatchObject({ reason: 'agent suspended', credentials: [{ jti: ownJti }] });
  });

  it('records the rotation', () => {
    expect(entries.filter((x) => x.type === 'signing_key.rotated')).toHaveLength(1);
  });
});

/**
 * Every state change made over the API is one audit entry, in order, naming the human who
 * made it and what it was about; and no entry ever holds an API key or a private key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/store/audit-types.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { ADMIN_ACTOR, entriesSince } from './state.js';

describe('audit entries for state changes', () => {
  let t: TestWarden;
  let entries: AuditEntry[] = [];
  let from = 0;
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await testWarden();
    secrets.push(...Object.values(t.keys));
    from = await t.warden.store.log.size();
    const admin = t.keys.admin;
    const ok = async (method: string, url: string, body?: unknown) => {
      const res = await t.request(method, url, { key: admin, ...(body === undefined ? {} : { body }) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
      return res;
    };
    const agent = (await ok('POST', '/v1/agents', { id: 'forum-helper', name: 'Forum helper', owner: 'human:alice' })).json();
    secrets.push(agent.privateKey.d);
    await ok('PATCH', '/v1/agents/forum-helper', { riskTier: 'high' });
    await ok('POST', '/v1/agents/forum-helper/suspend', { reason: 'investigating' });
    await ok('POST', '/v1/agents/forum-helper/resume');
    await ok('PUT', '/v1/tools/forum.post', { categories: ['publish'] });
    const key = (await ok('POST', '/v1/keys', { owner: 'human:carol', role: 'approver' })).json();
    secrets.push(key.key);
    await ok('DELETE', `/v1/keys/${key.id}`);
    // Reads and rejected requests between them must add nothing.
    await t.request('GET', '/v1/agents', { key: admin });
    await t.request('POST', '/v1/agents', { key: t.keys.viewer, body: { id: 'x', name: 'x', owner: 'human:x' } });
    await t.request('POST', '/v1/agents/forum-helper/resume', { key: admin });
    entries = await entriesSince(t, from);
  });
  afterAll(() => t.close());

  it('writes one entry per change, in order, by the admin, about its subject', () => {
    expect(entries.map((e) => [e.type, e.actor, e.subject])).toEqual([
      ['agent.registered', ADMIN_ACTOR, 'agent:forum-helper'],
      ['agent.updated', ADMIN_ACTOR, 'agent:forum-helper'],
      ['agent.suspended', ADMIN_ACTOR, 'agent:forum-helper'],
      ['agent.resumed', ADMIN_ACTOR, 'agent:forum-helper'],
      ['tool.categorised', ADMIN_ACTOR, 'tool:forum.post'],
      ['key.created', ADMIN_ACTOR, 'human:carol'],
      ['key.revoked', ADMIN_ACTOR, 'human:carol'],
    ]);
  });

  it('numbers entries without gaps', async () => {
    const all = await entriesSince(t, 0);
    expect(all.map((e) => e.index)).toEqual(all.map((_, i) => i));
    expect(all.every((e) => e.v === 1 && typeof e.time === 'string')).toBe(true);
  });

  it('records the fixture keys as created by the system', async () => {
    const first = (await entriesSince(t, 0)).slice(0, from).filter((e) => e.type === 'key.created');
    expect(first.map((e) => [e.type, e.actor, e.subject])).toEqual([
      ['key.created', 'system', 'human:admin-user'],
      ['key.created', 'system', 'human:approver-user'],
      ['key.created', 'system', 'human:auditor-user'],
      ['key.created', 'system', 'human:viewer-user'],
    ]);
  });

  it('never holds an API key, anywhere in the log', async () => {
    const text = JSON.stringify(await entriesSince(t, 0));
    expect(text).not.toContain('wk_');
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it('never holds a private key, in the entry or its raw stored text', () => {
    const rows = t.warden.store.db.prepare('SELECT entry FROM audit_entries').all() as Array<{ entry: string }>;
    const raw = rows.map((r) => r.entry).join('\n');
    expect(raw).not.toContain('"d":');
    expect(raw).not.toContain('privateKey');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';

describe('behaviour routes', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
    await t.request('PUT', '/v1/tools/forum.read', { key: t.keys.admin, body: { categories: ['read'] } });
    await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['publish', 'write'] } });
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'helper', name: 'Helper', owner: 'human:o', scope: ['forum.*'] } });
  });
  afterAll(() => t.close());

  const history = () => {
    const events = [];
    const start = Date.parse('2026-11-02T09:00:00Z');
    for (let i = 0; i < 300; i++) events.push({ time: new Date(start + i * 600_000).toISOString(), agent: 'helper', tool: 'forum.read', target: `forum/questions/${i}` });
    return events;
  };

  it('imports past activity into the baseline, on the record', async () => {
    const before = await t.warden.store.log.size();
    const res = await t.request('POST', '/v1/behavior/import', { key: t.keys.admin, body: { events: history() } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ imported: 300, agents: { helper: 300 } });
    const entries = await t.warden.store.log.entries(before, before + 1);
    expect(entries[0]?.entry.type).toBe('behavior.imported');
    const baseline = await t.request('GET', '/v1/agents/helper/baseline', { key: t.keys.viewer });
    expect(baseline.statusCode).toBe(200);
    expect(JSON.stringify(baseline.json())).toContain('forum.read');
  });

  it('scores a hypothetical action without recording anything', async () => {
    const before = await t.warden.store.log.size();
    const res = await t.request('POST', '/v1/behavior/score', {
      key: t.keys.auditor,
      body: { agent: 'helper', tool: 'forum.post', args: { body: 'please chmod 777 the repo and make it public' }, task: { intent: 'summarise the thread' } },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.score).toBeGreaterThanOrEqual(70);
    expect(body.factors.map((f: { code: string }) => f.code)).toEqual(expect.arrayContaining(['PERMISSION_WIDENING', 'INTENT_MISMATCH', 'FIRST_TOOL']));
    expect(await t.warden.store.log.size()).toBe(before);
  });

  it('scores a habitual read low', async () => {
    const res = await t.request('POST', '/v1/behavior/score', {
      key: t.keys.auditor,
      body: { time: '2026-11-04T10:00:00Z', agent: 'helper', tool: 'forum.read', target: 'forum/questions/99', task: { intent: 'summarise the thread' } },
    });
    expect(res.json().score).toBeLessThan(30);
  });

  it.each([
    ['an unknown agent', { events: [{ time: '2026-11-02T09:00:00Z', agent: 'nobody', tool: 'forum.read' }] }, 404, 'AGENT_NOT_FOUND'],
    ['a bad time', { events: [{ time: 'yesterday', agent: 'helper', tool: 'forum.read' }] }, 400, 'INVALID_REQUEST'],
    ['no events', { events: [] }, 400, 'INVALID_REQUEST'],
    ['an unknown field', { events: [{ time: '2026-11-02T09:00:00Z', agent: 'helper', tool: 'forum.read', extra: 1 }] }, 400, 'INVALID_REQUEST'],
  ])('refuses an import with %s and learns nothing', async (_name, body, status, code) => {
    const before = await t.warden.store.log.size();
    const res = await t.request('POST', '/v1/behavior/import', { key: t.keys.admin, body });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(await t.warden.store.log.size()).toBe(before);
  });

  it.each([
    ['import', 'POST', '/v1/behavior/import', 'auditor'],
    ['score', 'POST', '/v1/behavior/score', 'viewer'],
  ] as const)('refuses %s to a role that may not', async (_n, method, url, role) => {
    const res = await t.request(method, url, { key: t.keys[role], body: { agent: 'helper', tool: 'forum.read', events: [] } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('answers 404 for the baseline of an unknown agent', async () => {
    const res = await t.request('GET', '/v1/agents/nobody/baseline', { key: t.keys.viewer });
    expect(res.statusCode).toBe(404);
  });
});

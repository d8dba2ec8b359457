/**
 * The tool catalog over HTTP: `GET /v1/tools`, `PUT /v1/tools/:name`, and the categories
 * that come from the configuration file. Roles for these routes are in auth.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { createWarden } from '../../src/warden.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { ADMIN_ACTOR, entriesSince, expectError, expectUnchanged, fixedClock, snapshot, type Clock } from './state.js';

describe('PUT /v1/tools/:name and GET /v1/tools', () => {
  let t: TestWarden;
  let clock: Clock;
  beforeEach(async () => {
    clock = fixedClock();
    t = await testWarden({}, { now: clock.now });
  });
  afterEach(() => t.close());

  it('lists nothing on a fresh install', async () => {
    const res = await t.request('GET', '/v1/tools', { key: t.keys.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ tools: [] });
  });

  it('creates a tool with its categories de-duplicated and sorted', async () => {
    const res = await t.request('PUT', '/v1/tools/forum.post', {
      key: t.keys.admin,
      body: { categories: ['write', 'publish', 'write'], description: 'posts a reply', server: 'forum' },
    });
    expect(res.statusCode).toBe(200);
    const tool = { name: 'forum.post', categories: ['publish', 'write'], description: 'posts a reply', server: 'forum', source: 'admin', updatedAt: clock.iso() };
    expect(res.json()).toEqual(tool);
    expect((await t.request('GET', '/v1/tools', { key: t.keys.viewer })).json()).toEqual({ tools: [tool] });
  });

  it('records `tool.categorised` with the tool and its previous categories', async () => {
    const from = await t.warden.store.log.size();
    await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['write'] } });
    clock.advance(1000);
    await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['publish'] } });
    const entries = await entriesSince(t, from);
    expect(entries.map((e) => [e.type, e.actor, e.subject, e.data.previous])).toEqual([
      ['tool.categorised', ADMIN_ACTOR, 'tool:forum.post', null],
      ['tool.categorised', ADMIN_ACTOR, 'tool:forum.post', ['write']],
    ]);
    expect(entries[1]?.data.tool).toEqual({ name: 'forum.post', categories: ['publish'], description: '', server: '', source: 'admin', updatedAt: clock.iso() });
  });

  it('replaces the categories and keeps a description and server it was not given', async () => {
    await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['write'], description: 'posts', server: 'forum' } });
    const res = await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['publish'] } });
    expect(res.json()).toMatchObject({ categories: ['publish'], description: 'posts', server: 'forum' });
  });

  it('lists tools ordered by name', async () => {
    for (const name of ['zip', 'alpha', 'mid']) await t.request('PUT', `/v1/tools/${name}`, { key: t.keys.admin, body: { categories: ['read'] } });
    const res = await t.request('GET', '/v1/tools', { key: t.keys.auditor });
    expect(res.json().tools.map((x: { name: string }) => x.name)).toEqual(['alpha', 'mid', 'zip']);
  });

  it.each([
    ['fs%2Fread_file', 'fs/read_file'],
    ['github%3Acreate_issue', 'github:create_issue'],
    ['a', 'a'],
    ['_private', '_private'],
    ['t'.repeat(200), 't'.repeat(200)],
  ])('accepts the tool name %s', async (path, name) => {
    const res = await t.request('PUT', `/v1/tools/${path}`, { key: t.keys.admin, body: { categories: ['read'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe(name);
  });
});

describe('PUT /v1/tools/:name input validation', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
    await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['write'] } });
  });
  afterAll(() => t.close());

  it.each([
    { name: 'a glob', path: '*' },
    { name: 'a glob suffix', path: 'forum.*' },
    { name: 'a leading dot', path: '.hidden' },
    { name: 'a leading dash', path: '-x' },
    { name: 'a space', path: 'forum%20post' },
    { name: 'a newline', path: 'forum%0Apost' },
    { name: '201 characters', path: 't'.repeat(201) },
  ])('rejects a tool name with $name naming `name` and changes nothing', async ({ path }) => {
    const before = await snapshot(t);
    expectError(await t.request('PUT', `/v1/tools/${path}`, { key: t.keys.admin, body: { categories: ['read'] } }), 400, 'INVALID_REQUEST', 'name');
    await expectUnchanged(t, before);
  });

  it.each([
    { name: 'no categories', body: {}, field: 'categories' },
    { name: 'empty categories', body: { categories: [] }, field: 'categories' },
    { name: 'an unknown category', body: { categories: ['read', 'teleport'] }, field: 'categories.1' },
    { name: 'an uppercase category', body: { categories: ['READ'] }, field: 'categories.0' },
    { name: 'categories as a string', body: { categories: 'read' }, field: 'categories' },
    { name: 'eleven categories', body: { categories: Array.from({ length: 11 }, () => 'read') }, field: 'categories' },
    { name: 'a description of 2001 characters', body: { categories: ['read'], description: 'd'.repeat(2001) }, field: 'description' },
    { name: 'a server of 201 characters', body: { categories: ['read'], server: 's'.repeat(201) }, field: 'server' },
    { name: 'a source', body: { categories: ['read'], source: 'config' }, field: 'source' },
    { name: 'a name in the body', body: { categories: ['read'], name: 'other' }, field: 'name' },
  ])('rejects $name naming `$field` and changes nothing', async ({ body, field }) => {
    const before = await snapshot(t);
    expectError(await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body }), 400, 'INVALID_REQUEST', field);
    await expectUnchanged(t, before);
  });
});

describe('tool categories from the configuration file', () => {
  const configured = [{ name: 'forum.post', categories: ['publish' as const, 'write' as const], description: 'posts', server: 'forum' }];

  it('refuses a category it does not know (a typo must not slip past the approval policies)', () => {
    expect(() => validateConfig({ tools: [{ name: 'forum.post', categories: ['publsh' as 'publish'] }] })).toThrow(/tools\.0\.categories\.0/);
  });

  it('fills the catalog at start, as the system', async () => {
    const t = await testWarden({ tools: configured });
    try {
      const res = await t.request('GET', '/v1/tools', { key: t.keys.viewer });
      expect(res.json().tools).toMatchObject([{ name: 'forum.post', categories: ['publish', 'write'], description: 'posts', server: 'forum', source: 'config' }]);
      const entry = (await entriesSince(t, 0)).find((e) => e.type === 'tool.categorised');
      expect(entry).toMatchObject({ actor: 'system', subject: 'tool:forum.post' });
    } finally {
      await t.close();
    }
  });

  it('does not undo an administrator’s categories on the next start', async () => {
    const t = await testWarden({ tools: configured });
    try {
      await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['read'] } });
      const size = await t.warden.store.log.size();
      const again = await createWarden(validateConfig({ dataDir: t.dir, logLevel: 'silent', tools: configured }));
      try {
        expect(await again.tools.get('forum.post')).toMatchObject({ categories: ['read'], source: 'admin' });
        expect(await again.store.log.size()).toBe(size);
      } finally {
        await again.close();
      }
    } finally {
      await t.close();
    }
  });

  it('writes no entry on a restart with unchanged configuration', async () => {
    const t = await testWarden({ tools: configured });
    try {
      const size = await t.warden.store.log.size();
      const again = await createWarden(validateConfig({ dataDir: t.dir, logLevel: 'silent', tools: configured }));
      try {
        expect(await again.store.log.size()).toBe(size);
      } finally {
        await again.close();
      }
    } finally {
      await t.close();
    }
  });
});

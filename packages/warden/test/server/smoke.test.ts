import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';

describe('smoke', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
  });
  afterAll(() => t.close());

  it('registers and reads an agent', async () => {
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'forum-helper', name: 'Forum helper', owner: 'human:alice', scope: ['forum.*'] } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.privateKey.d).toBeTypeOf('string');
    const got = await t.request('GET', '/v1/agents/forum-helper', { key: t.keys.viewer });
    expect(got.statusCode).toBe(200);
    expect(got.json().privateKey).toBeUndefined();
    expect(await t.warden.store.log.size()).toBeGreaterThan(4);
  });

  it('rejects bad json', async () => {
    const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, payload: '{bad' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_JSON');
  });
});

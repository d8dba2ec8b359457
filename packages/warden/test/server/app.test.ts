/** The application's request logs: structured, and never holding a key or token. */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions } from '../../src/server/app.js';
import { testWarden, type TestWarden } from '../helpers.js';

describe('request logs', () => {
  let t: TestWarden;
  let app: FastifyInstance;
  const lines: string[] = [];
  let created = '';

  beforeAll(async () => {
    t = await testWarden();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    app = await buildApp(t.warden, { logger: { ...(loggerOptions('trace') as object), stream } });
    const auth = (key: string) => ({ authorization: `Bearer ${key}` });
    await app.inject({ method: 'GET', url: '/v1/agents', headers: auth(t.keys.admin) });
    await app.inject({ method: 'GET', url: `/v1/agents?key=${t.keys.viewer}&token=${t.keys.auditor}&access_token=${t.keys.approver}`, headers: auth(t.keys.admin) });
    await app.inject({ method: 'GET', url: '/v1/agents', headers: auth(`wk_${'Q'.repeat(43)}`) });
    created = (await app.inject({ method: 'POST', url: '/v1/keys', headers: auth(t.keys.admin), payload: { owner: 'human:log', role: 'viewer' } })).json().key;
    await app.inject({ method: 'POST', url: '/v1/agents', headers: auth(t.keys.admin), payload: { id: 'logged', name: 'L', owner: 'human:log' } });
    await app.inject({ method: 'POST', url: '/v1/agents', headers: { ...auth(t.keys.admin), 'content-type': 'application/json' }, payload: '{bad' });
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('writes one JSON object per line, with the request method and url', () => {
    expect(lines.length).toBeGreaterThan(0);
    const parsed = lines.map((l) => JSON.parse(l) as { req?: { method: string; url: string } });
    expect(parsed.filter((p) => p.req !== undefined).map((p) => p.req?.method)).toContain('POST');
  });

  it('redacts keys and tokens passed in the query string', () => {
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url: string } }).flatMap((p) => (p.req ? [p.req.url] : []));
    expect(urls).toContain('/v1/agents?key=[redacted]&token=[redacted]&access_token=[redacted]');
  });

  it('never writes an API key: presented, unknown or newly created', () => {
    const all = lines.join('\n');
    expect(created).toMatch(/^wk_/);
    expect(all).not.toContain('wk_');
  });

  it('never writes the generated private key', () => {
    expect(lines.join('\n')).not.toContain('"d":');
  });
});

/**
 * Bad input on every route that takes a body, and on URLs: malformed JSON → 400
 * INVALID_JSON, over 1 MiB → 413 PAYLOAD_TOO_LARGE, odd but valid JSON → 400
 * INVALID_REQUEST. Never a 500, never a change, never a crash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/server/app.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { expectError, expectUnchanged, snapshot } from './state.js';

const MUTATIONS = [
  { method: 'POST', url: '/v1/agents' },
  { method: 'PATCH', url: '/v1/agents/known' },
  { method: 'POST', url: '/v1/agents/known/suspend' },
  { method: 'POST', url: '/v1/agents/paused/resume' },
  { method: 'PUT', url: '/v1/tools/forum.post' },
  { method: 'POST', url: '/v1/keys' },
] as const;

/** A JSON text of exactly `bytes` bytes: an object with one padded string. */
function jsonOfSize(bytes: number): string {
  const text = JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });
  if (Buffer.byteLength(text) !== bytes) throw new Error('size mismatch');
  return text;
}

const MALFORMED: Array<[string, string]> = [
  ['an unclosed object', '{bad'],
  ['a truncated member', '{"id":'],
  ['single quotes', "{'id':'x'}"],
  ['a trailing comma', '{"id":"x",}'],
  ['NaN', 'NaN'],
  ['undefined', 'undefined'],
  ['two documents', '{"a":1}{"b":2}'],
  ['a bare word', 'hello'],
  ['an empty body', ''],
  ['a NUL byte', '\u0000'],
  ['a prototype-poisoning key', '{"__proto__":{"polluted":true}}'],
  ['a nested prototype-poisoning key', '{"a":{"__proto__":{"polluted":true}}}'],
  ['a constructor.prototype key', '{"constructor":{"prototype":{"polluted":true}}}'],
];

/** Valid JSON that is not the object any route wants. Each is 400 INVALID_REQUEST. */
const ODD: Array<[string, string]> = [
  ['null', 'null'],
  ['an empty array', '[]'],
  ['an array of objects', '[{"id":"x","name":"x","owner":"human:x"}]'],
  ['zero', '0'],
  ['a negative number', '-1'],
  ['a huge number', '1e308'],
  ['an overflowing number', '1e999'],
  ['true', 'true'],
  ['false', 'false'],
  ['an empty string', '""'],
  ['a string of 900 KiB', JSON.stringify('x'.repeat(900 * 1024))],
  ['arrays nested 100000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
  ['objects nested 50000 deep', `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`],
  ['20000 keys', JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])))],
  ['a key of 500 KiB', JSON.stringify({ ['k'.repeat(500 * 1024)]: 1 })],
  ['a lone surrogate', '{"id":"\\ud800","name":"\\udfff","owner":"human:x"}'],
  ['a NUL inside a value', '{"id":"a\\u0000b","name":"x","owner":"human:x","reason":"\\u0000","categories":["\\u0000"],"role":"\\u0000"}'],
  ['every field of the wrong type', '{"id":1,"name":[],"owner":{},"reason":[],"categories":{},"role":1,"ttlDays":"x"}'],
];

describe('bad request bodies', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'known', name: 'Known', owner: 'human:alice' } });
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'paused', name: 'Paused', owner: 'human:alice' } });
    await t.request('POST', '/v1/agents/paused/suspend', { key: t.keys.admin });
    await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['write'] } });
  });
  afterAll(() => t.close());

  async function expectRejected(method: string, url: string, payload: string | Buffer, status: number, code: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    const before = await snapshot(t);
    const res = await t.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${t.keys.admin}`, ...headers }, payload });
    expectError(res, status, code);
    await expectUnchanged(t, before);
  }

  for (const route of MUTATIONS) {
    describe(`${route.method} ${route.url}`, () => {
      it.each(MALFORMED)('answers 400 INVALID_JSON to %s', async (_name, payload) => {
        await expectRejected(route.method, route.url, payload, 400, 'INVALID_JSON');
      });

      it.each(ODD)('answers 400 INVALID_REQUEST to %s', async (_name, payload) => {
        await expectRejected(route.method, route.url, payload, 400, 'INVALID_REQUEST');
      });

      it('answers 413 PAYLOAD_TOO_LARGE to a body one byte over 1 MiB', async () => {
        await expectRejected(route.method, route.url, jsonOfSize(BODY_LIMIT + 1), 413, 'PAYLOAD_TOO_LARGE');
      });

      it('reads a body of exactly 1 MiB (and rejects its content, not its size)', async () => {
        await expectRejected(route.method, route.url, jsonOfSize(BODY_LIMIT), 400, 'INVALID_REQUEST');
      });

      it('answers 400 INVALID_REQUEST to a Content-Length that does not match the body', async () => {
        await expectRejected(route.method, route.url, '{"reason":"x"}', 400, 'INVALID_REQUEST', { 'content-type': 'application/json', 'content-length': '3' });
      });

      it.each(['application/octet-stream', 'multipart/form-data; boundary=x', 'application/xml'])('answers 415 UNSUPPORTED_MEDIA_TYPE to %s', async (type) => {
        await expectRejected(route.method, route.url, 'a=b', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'content-type': type });
      });

      it('answers 400 INVALID_REQUEST to a text/plain body', async () => {
        await expectRejected(route.method, route.url, 'hello', 400, 'INVALID_REQUEST', { 'content-type': 'text/plain' });
      });
    });
  }

  it('answers 413 before authenticating, so an anonymous flood is cut off at the limit', async () => {
    const before = await snapshot(t);
    const res = await t.request('POST', '/v1/agents', { payload: jsonOfSize(BODY_LIMIT + 1) });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    await expectUnchanged(t, before);
  });

  it('has not polluted any prototype', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('is still up and ready after all of it', async () => {
    expect((await t.request('GET', '/healthz')).statusCode).toBe(200);
    expect((await t.request('GET', '/readyz')).statusCode).toBe(200);
    expect((await t.request('GET', '/v1/agents/known', { key: t.keys.viewer })).json()).toMatchObject({ id: 'known', name: 'Known', status: 'active' });
  });
});

describe('bad URLs', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
  });
  afterAll(() => t.close());

  it.each(['/v1/agents/%zz', '/v1/tools/%E0%A4%A', '/v1/keys/%'])('answers 400 INVALID_REQUEST to the bad percent-encoding in %s, without echoing it', async (url) => {
    const res = await t.request(url.startsWith('/v1/keys') ? 'DELETE' : 'GET', url, { key: t.keys.admin });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.json().error.message).toBe('the url is not valid');
  });

  it('checks a long agent id against the slug rule (400 naming `id`)', async () => {
    expectError(await t.request('GET', `/v1/agents/${'a'.repeat(101)}`, { key: t.keys.viewer }), 400, 'INVALID_REQUEST', 'id');
  });

  it('answers 414 URI_TOO_LONG to a path segment over 600 characters', async () => {
    const res = await t.request('GET', `/v1/agents/${'a'.repeat(601)}`, { key: t.keys.viewer });
    expectError(res, 414, 'URI_TOO_LONG');
    expect(res.body).not.toContain('a'.repeat(601));
  });

  it('takes a 200-character tool name even fully percent-encoded', async () => {
    const res = await t.request('PUT', `/v1/tools/${'%41'.repeat(200)}`, { key: t.keys.admin, body: { categories: ['read'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('A'.repeat(200));
  });

  it.each([
    ['GET', '/v1/nothing'],
    ['DELETE', '/v1/agents/known'],
    ['PUT', '/v1/agents'],
    ['POST', '/v1/tools'],
    ['GET', '/v1/agents/a/b/c'],
  ])('answers 404 NOT_FOUND to %s %s', async (method, url) => {
    const res = await t.request(method, url, { key: t.keys.admin });
    expectError(res, 404, 'NOT_FOUND');
    expect(res.json().error.message).toBe(`no route \`${method} ${url}\``);
  });
});

/** The application's request logs: one line per request, structured, never holding a key or token. */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, loggerOptions, redactUrl } from '../../src/server/app.js';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { testWarden, type TestWarden } from '../helpers.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string; id: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** An app over `warden` logging at `level` into `lines`. */
function loggedApp(warden: TestWarden['warden'], level: string, lines: string[]): Promise<FastifyInstance> {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return buildApp(warden, { logger: { ...(loggerOptions(level) as object), stream } });
}

describe('request logs', () => {
  let t: TestWarden;
  let app: FastifyInstance;
  const lines: string[] = [];
  let created = '';

  beforeAll(async () => {
    t = await testWarden();
    app = await loggedApp(t.warden, 'trace', lines);
    const auth = (key: string) => ({ authorization: `Bearer ${key}` });
    await app.inject({ method: 'GET', url: '/v1/agents', headers: auth(t.keys.admin) });
    await app.inject({ method: 'GET', url: `/v1/agents?key=${t.keys.viewer}&token=${t.keys.auditor}&access_token=${t.keys.approver}`, headers: auth(t.keys.admin) });
    await app.inject({ method: 'GET', url: '/v1/agents?subject_token=eyJ.SECRET1&client_assertion=eyJ.SECRET2&api_key=SECRET3&client_secret=SECRET4&limit=5', headers: auth(t.keys.admin) });
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

  it('writes one line per request, when it is answered, with its status and time', () => {
    const completed = lines.map((l) => JSON.parse(l) as Line).filter((l) => l.req !== undefined);
    // Seven requests, seven lines: none on arrival.
    expect(completed).toHaveLength(7);
    expect(completed.every((l) => l.msg === 'request completed' && typeof l.responseTime === 'number' && l.reqId === l.req?.id)).toBe(true);
    expect(completed.map((l) => l.res?.statusCode)).toEqual([200, 200, 200, 401, 201, 201, 400]);
  });

  it('redacts keys and tokens passed in the query string', () => {
    const urls = lines.map((l) => JSON.parse(l) as { req?: { url: string } }).flatMap((p) => (p.req ? [p.req.url] : []));
    expect(urls).toContain('/v1/agents?key=[redacted]&token=[redacted]&access_token=[redacted]');
    expect(urls).toContain('/v1/agents?subject_token=[redacted]&client_assertion=[redacted]&api_key=[redacted]&client_secret=[redacted]&limit=5');
    expect(lines.join('\n')).not.toContain('SECRET');
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

describe('request logs on the agents\' hot path', () => {
  let t: DecisionTest;
  let token = '';

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('logged', ['docs.*']);
    await t.categorise('docs.read', ['read']);
    token = await t.grant('logged', ['docs.read']);
  });
  afterAll(async () => {
    await t.close();
  });

  /**
   * The lines an app logging at `level` writes for: an answered decision, a refused body,
   * the decision's outcome, an MCP message (to an upstream that does not exist) and an
   * admin read.
   */
  async function linesAt(level: string): Promise<Line[]> {
    const lines: string[] = [];
    const app = await loggedApp(t.warden, level, lines);
    try {
      const inject = (url: string, payload?: Record<string, unknown>) =>
        app.inject({ method: payload === undefined ? 'GET' : 'POST', url, headers: { authorization: `Bearer ${payload === undefined ? t.keys.viewer : token}` }, ...(payload === undefined ? {} : { payload }) });
      const decided = await inject('/v1/decisions', { tool: 'docs.read' });
      expect(decided.statusCode).toBe(200);
      expect((await inject('/v1/decisions', { tool: 'docs.read', extra: 1 })).statusCode).toBe(400);
      expect((await inject(`/v1/decisions/${decided.json().id}/outcome`, { status: 'succeeded' })).statusCode).toBe(200);
      expect((await inject('/mcp/nowhere', { jsonrpc: '2.0', id: 1, method: 'tools/list' })).statusCode).toBe(404);
      expect((await inject('/v1/agents')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    return lines.map((l) => JSON.parse(l) as Line).filter((l) => l.req !== undefined);
  }

  it('logs an answered decision and its outcome at debug only: they are on the audit record already', async () => {
    const info = await linesAt('info');
    expect(info.map((l) => [l.req?.method, l.req?.url.replace(/dec_[\w-]+/, 'dec_…'), l.res?.statusCode])).toEqual([
      ['POST', '/v1/decisions', 400],
      ['POST', '/mcp/nowhere', 404],
      ['GET', '/v1/agents', 200],
    ]);
    const debug = await linesAt('debug');
    expect(debug.map((l) => [l.req?.url.replace(/dec_[\w-]+/, 'dec_…'), l.res?.statusCode, l.level])).toEqual([
      ['/v1/decisions', 200, 20],
      ['/v1/decisions', 400, 30],
      ['/v1/decisions/dec_…/outcome', 200, 20],
      ['/mcp/nowhere', 404, 30],
      ['/v1/agents', 200, 30],
    ]);
  });

  it('logs, at info, a request whose client left before its answer was complete', async () => {
    const lines: string[] = [];
    const app = await loggedApp(t.warden, 'info', lines);
    try {
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const abort = new AbortController();
      // An event stream: its answer is never complete while the client stays.
      const res = await fetch(`${url}/v1/events`, { headers: { authorization: `Bearer ${t.keys.viewer}` }, signal: abort.signal });
      expect(res.status).toBe(200);
      abort.abort();
      await expect.poll(() => lines.some((l) => l.includes('/v1/events')), { timeout: 5000 }).toBe(true);
    } finally {
      await app.close();
    }
    const parsed = lines.map((l) => JSON.parse(l) as Line).filter((l) => l.req?.url === '/v1/events');
    expect(parsed.map((l) => [l.msg, l.level, l.res?.statusCode])).toEqual([['connection closed before the answer was complete', 30, 200]]);
  });
});

describe('redactUrl', () => {
  it.each([
    ['/v1/agents?token=a&limit=5', '/v1/agents?token=[redacted]&limit=5'],
    ['/oauth/token?subject_token=a&client_assertion=b&api_key=c&client_secret=d&password=e&signature=f&code=g', '/oauth/token?subject_token=[redacted]&client_assertion=[redacted]&api_key=[redacted]&client_secret=[redacted]&password=[redacted]&signature=[redacted]&code=[redacted]'],
    ['/x?Access_Token=a', '/x?Access_Token=[redacted]'],
    ['/x?jwt=a&sig=b&credential=c&aut%68=d&bearer=e&limit=5', '/x?jwt=[redacted]&sig=[redacted]&credential=[redacted]&aut%68=[redacted]&bearer=[redacted]&limit=5'],
    ['/x?%74oken=SECRET', '/x?%74oken=[redacted]'],
    ['/x?access%5Ftoken=SECRET', '/x?access%5Ftoken=[redacted]'],
    ['/x?%E0%A4%A=1&token=SECRET', '/x?%E0%A4%A=1&token=[redacted]'],
    ['/x?token', '/x?token'],
    ['/x?a=1&&b=token', '/x?a=1&&b=token'],
    ['/v1/agents', '/v1/agents'],
  ])('redacts %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('takes a parameter name of any length as it comes, in one pass', () => {
    const name = 'key'.repeat(5300);
    expect(redactUrl(`/v1/agents?${name}`)).toBe(`/v1/agents?${name}`);
    expect(redactUrl(`/v1/agents?${name}=SECRET`)).toBe(`/v1/agents?${name}=[redacted]`);
  });
});

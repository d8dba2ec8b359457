/**
 * The streamable-HTTP gateway end to end: `warden serve`'s app listening on a real port,
 * the real decision pipeline, real upstream servers (server-everything,
 * server-filesystem) and the official SDK client as the agent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WAITS_PER_CALLER } from '../../src/approvals/queue.js';
import { buildApp, loggerOptions } from '../../src/server/app.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { agentToken, alive, connect, eventually, EVERYTHING, FILESYSTEM, FLAKY, pendingApproval, textOf } from './helpers.js';

const node = process.execPath;
let t: TestWarden;
let base: string;
let files: string;
const clients: Client[] = [];

function client(name: string, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/${name}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  return connect(transport).then((c) => {
    clients.push(c);
    return c;
  });
}

async function decisionsFor(tool: string, agent?: string): Promise<Array<{ id: string; decision: string; target: string | null; outcome: { status: string } | null; reasons: Array<{ code: string }> }>> {
  const res = await t.request('GET', `/v1/decisions?tool=${encodeURIComponent(tool)}${agent ? `&agent=${agent}` : ''}`, { key: t.keys.auditor });
  return res.json().decisions;
}

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'warden-mcp-files-'));
  t = await testWarden({
    upstreams: [
      { name: 'everything', command: [node, EVERYTHING, 'stdio'] },
      { name: 'filesystem', command: [node, FILESYSTEM, files] },
      { name: 'quick', command: [node, EVERYTHING, 'stdio'], approvalTimeoutSeconds: 1 },
      { name: 'flaky', command: [node, FLAKY] },
    ],
  });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = address;
});

afterEach(async () => {
  while (clients.length > 0) await clients.pop()?.close();
});

afterAll(async () => {
  await t.close();
  rmSync(files, { recursive: true, force: true });
});

describe('authentication', () => {
  it('answers 401 with the resource metadata URL when there is no token', async () => {
    const res = await fetch(`${base}/mcp/everything`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp/everything"`);
  });

  it('serves the protected-resource metadata (RFC 9728) for each upstream and for the server', async () => {
    const res = await fetch(`${base}/.well-known/oauth-protected-resource/mcp/everything`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      resource: `${base}/mcp/everything`,
      authorization_servers: [t.warden.identity.issuer],
      bearer_methods_supported: ['header'],
      resource_name: 'Warden MCP gateway: everything',
    });
    const root = await (await fetch(`${base}/.well-known/oauth-protected-resource`)).json();
    expect(root).toMatchObject({ resource: base, authorization_servers: [t.warden.identity.issuer] });
    expect((await fetch(`${base}/.well-known/oauth-protected-resource/mcp/nope`)).status).toBe(404);
  });

  it('answers 401 invalid_token to a forged token', async () => {
    const res = await fetch(`${base}/mcp/everything`, { method: 'POST', headers: { authorization: 'Bearer eyJhbGciOiJFZERTQSJ9.e30.AAAA', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="[^"]+", error="invalid_token", error_description="TOKEN_[A-Z_]+"$/);
  });

  it('answers 401 to a human api key (humans do not act through the gateway)', async () => {
    const res = await fetch(`${base}/mcp/everything`, { method: 'POST', headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('answers 401 to a revoked token, even inside an open session', async () => {
    const token = await agentToken(t, 'revokee', ['everything.*']);
    const c = await client('everything', token);
    expect(textOf(await c.callTool({ name: 'echo', arguments: { message: 'before' } }))).toBe('Echo: before');
    const { jti } = (await t.request('POST', '/oauth/introspect', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` })).json();
    expect((await t.request('POST', `/v1/credentials/${jti}/revoke`, { key: t.keys.admin, body: {} })).statusCode).toBe(200);
    const err = await c.callTool({ name: 'echo', arguments: { message: 'after' } }).catch((e: unknown) => e);
    expect((err as { code?: number }).code).toBe(401);
    expect((err as Error).message).toContain('TOKEN_REVOKED');
    expect(await decisionsFor('everything.echo', 'revokee')).toHaveLength(1);
  });

  it('answers 404 for an upstream that is not configured', async () => {
    const token = await agentToken(t, 'lost', ['*']);
    const res = await fetch(`${base}/mcp/nope`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('UPSTREAM_NOT_FOUND');
  });
});

describe('governed calls', () => {
  it('forwards an allowed call, returns the real result, and records decision and outcome', async () => {
    const token = await agentToken(t, 'echoer', ['everything.*']);
    const c = await client('everything', token);
    const result = await c.callTool({ name: 'echo', arguments: { message: 'hello warden' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hello warden' }]);
    const [d] = await decisionsFor('everything.echo');
    expect(d?.decision).toBe('allow');
    await eventually(async () => ((await decisionsFor('everything.echo'))[0]?.outcome?.status === 'succeeded' ? true : undefined), 'the outcome');
    const tool = await t.warden.tools.get('everything.echo');
    expect(tool).toMatchObject({ categories: ['read'], source: 'mcp', server: 'everything' });
  });

  it('refuses a call outside the scope with the reasons', async () => {
    const token = await agentToken(t, 'narrow', ['everything.echo']);
    const c = await client('everything', token);
    const result = await c.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("- `everything.get-sum` is outside the credential's scope `everything.echo` [SCOPE_DENIED]");
    expect((await decisionsFor('everything.get-sum')).some((d) => d.decision === 'deny')).toBe(true);
  });

  it('lists only the tools the scope could ever allow', async () => {
    const token = await agentToken(t, 'lister', ['everything.echo', 'everything.get-sum']);
    const c = await client('everything', token);
    expect((await c.listTools()).tools.map((x) => x.name).sort()).toEqual(['echo', 'get-sum']);
  });

  it('refuses a write under server-filesystem with a read-only scope, and the file is untouched', async () => {
    writeFileSync(join(files, 'notes.txt'), 'the original');
    const token = await agentToken(t, 'reader', ['filesystem.read_*', 'filesystem.list_*']);
    const c = await client('filesystem', token);
    const names = (await c.listTools()).tools.map((x) => x.name);
    expect(names).toContain('read_text_file');
    expect(names).not.toContain('write_file');
    expect(textOf(await c.callTool({ name: 'read_text_file', arguments: { path: join(files, 'notes.txt') } }))).toBe('the original');
    const result = await c.callTool({ name: 'write_file', arguments: { path: join(files, 'notes.txt'), content: 'overwritten' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('[SCOPE_DENIED]');
    expect(readFileSync(join(files, 'notes.txt'), 'utf8')).toBe('the original');
    const [d] = await decisionsFor('filesystem.write_file');
    expect(d).toMatchObject({ decision: 'deny', target: join(files, 'notes.txt') });
    expect(await t.warden.tools.get('filesystem.write_file')).toMatchObject({ categories: ['delete', 'write'], source: 'mcp' });
  });

  it('holds a call for approval, with progress, and completes it once approved through the API', async () => {
    const put = await t.request('PUT', '/v1/tools/everything.get-sum', { key: t.keys.admin, body: { categories: ['publish'] } });
    expect(put.statusCode).toBe(200);
    const token = await agentToken(t, 'publisher', ['everything.*']);
    const c = await client('everything', token);
    await c.listTools();
    // The listing did not override the administrator's categories.
    expect(await t.warden.tools.get('everything.get-sum')).toMatchObject({ categories: ['publish'], source: 'admin' });
    const progress: Progress[] = [];
    const call = c.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }, undefined, { onprogress: (p) => progress.push(p), timeout: 30_000, resetTimeoutOnProgress: true });
    const approval = await pendingApproval(t, 'everything.get-sum');
    await eventually(() => (progress.length > 0 ? true : undefined), 'a progress notification');
    const res = await t.request('POST', `/v1/approvals/${approval.id}/approve`, { key: t.keys.approver, body: { comment: 'fine' } });
    expect(res.statusCode).toBe(200);
    const result = await call;
    expect(textOf(result)).toBe('The sum of 2 and 3 is 5.');
    expect(progress[0]?.message).toContain(`approval \`${approval.id}\``);
    const ds = await decisionsFor('everything.get-sum', 'publisher');
    expect(ds.map((d) => d.decision).sort()).toEqual(['allow', 'pending']);
  });

  it('refuses a held call a human denies through the API, and records the final deny', async () => {
    await t.request('PUT', '/v1/tools/everything.get-env', { key: t.keys.admin, body: { categories: ['publish'] } });
    const token = await agentToken(t, 'refused-publisher', ['everything.*']);
    const c = await client('everything', token);
    const call = c.callTool({ name: 'get-env', arguments: {} }, undefined, { timeout: 30_000, resetTimeoutOnProgress: true });
    const approval = await pendingApproval(t, 'everything.get-env');
    const res = await t.request('POST', `/v1/approvals/${approval.id}/deny`, { key: t.keys.approver, body: { comment: 'not the environment' } });
    expect(res.statusCode).toBe(200);
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('not the environment');
    const ds = await decisionsFor('everything.get-env', 'refused-publisher');
    expect(ds.map((d) => d.decision).sort()).toEqual(['deny', 'pending']);
    expect(ds.find((d) => d.decision === 'deny')?.reasons.map((r) => r.code)).toContain('APPROVAL_DENIED');
  });

  it('refuses a held call nobody approves within the upstream approval timeout', async () => {
    await t.request('PUT', '/v1/tools/quick.echo', { key: t.keys.admin, body: { categories: ['publish'] } });
    const token = await agentToken(t, 'impatient', ['quick.*']);
    const c = await client('quick', token);
    const result = await c.callTool({ name: 'echo', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('nobody decided within 1 s, so it was not made');
  });

  it('refuses a held call, without waiting, while its agent already holds the most waiting requests it may', async () => {
    await t.request('PUT', '/v1/tools/everything.get-tiny-image', { key: t.keys.admin, body: { categories: ['publish'] } });
    const token = await agentToken(t, 'crowded', ['everything.*']);
    const slots = Array.from({ length: MAX_WAITS_PER_CALLER }, () => t.warden.approvals.reserveWait('agent:crowded'));
    try {
      const c = await client('everything', token);
      const result = await c.callTool({ name: 'get-tiny-image', arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain('would not keep it waiting: this agent already has as many calls waiting for humans as it may [TOO_MANY_WAITS]');
      expect(textOf(result)).toMatch(/Approval `apr_[A-Za-z0-9_-]+` stays open until/);
      // The call was decided, and stays held for a human; only the wait was refused.
      expect((await decisionsFor('everything.get-tiny-image', 'crowded')).map((d) => d.decision)).toEqual(['pending']);
    } finally {
      for (const release of slots) release();
    }
    expect(t.warden.approvals.waitingRequests('agent:crowded')).toBe(0);
  });

  it('governs resources/read as a read of the URI', async () => {
    const token = await agentToken(t, 'doc-reader', ['everything.*']);
    const c = await client('everything', token);
    const uri = 'demo://resource/static/document/architecture.md';
    expect((await c.readResource({ uri })).contents[0]?.uri).toBe(uri);
    const [d] = await decisionsFor('everything.resources/read');
    expect(d).toMatchObject({ decision: 'allow', target: uri });
  });

  it('refuses resources/read when the scope does not cover it', async () => {
    const token = await agentToken(t, 'no-docs', ['everything.echo']);
    const c = await client('everything', token);
    expect((await c.listResources()).resources).toEqual([]);
    const err = await c.readResource({ uri: 'demo://resource/static/document/architecture.md' }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(-32003);
    expect((err as McpError).message).toContain('[SCOPE_DENIED]');
  });
});

describe('sessions', () => {
  it('gives each agent its own upstream process', async () => {
    const a = await client('flaky', await agentToken(t, 'agent-a', ['flaky.*']));
    const b = await client('flaky', await agentToken(t, 'agent-b', ['flaky.*']));
    const pidA = textOf(await a.callTool({ name: 'ok' }));
    const pidB = textOf(await b.callTool({ name: 'ok' }));
    expect(pidA).toMatch(/^ok \d+$/);
    expect(pidB).toMatch(/^ok \d+$/);
    expect(pidA).not.toBe(pidB);
  });

  it("answers 404 to an agent presenting another agent's session id", async () => {
    const tokenA = await agentToken(t, 'owner-a', ['everything.*']);
    const tokenB = await agentToken(t, 'intruder-b', ['everything.*']);
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/everything`), { requestInit: { headers: { authorization: `Bearer ${tokenA}` } } });
    clients.push(await connect(transport));
    const sid = transport.sessionId as string;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    const res = await fetch(`${base}/mcp/everything`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenB}`, 'mcp-session-id': sid, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'steal' } } }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    expect(await decisionsFor('everything.echo', 'intruder-b')).toEqual([]);
  });

  it('answers 404 to a session id used on another upstream', async () => {
    const token = await agentToken(t, 'hopper', ['*']);
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/everything`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    clients.push(await connect(transport));
    const res = await fetch(`${base}/mcp/flaky`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'mcp-session-id': transport.sessionId as string, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(404);
  });

  it('ends the upstream process when the client ends the session', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp/flaky`), { requestInit: { headers: { authorization: `Bearer ${await agentToken(t, 'leaver', ['flaky.*'])}` } } });
    const c = await connect(transport);
    const pid = Number(textOf(await c.callTool({ name: 'ok' })).split(' ')[1]);
    expect(alive(pid)).toBe(true);
    await transport.terminateSession();
    await c.close();
    await eventually(() => (alive(pid) ? undefined : true), 'the upstream to exit');
  });

  it('gives an error, not a hang, when the upstream crashes; then 404, and a new session works', async () => {
    const token = await agentToken(t, 'crasher', ['flaky.*']);
    const c = await client('flaky', token);
    const before = textOf(await c.callTool({ name: 'ok' }));
    const err = await c.callTool({ name: 'crash' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).message).toContain('upstream `flaky` closed the connection before answering `tools/call`');
    const gone = await c.callTool({ name: 'ok' }).catch((e: unknown) => e);
    expect((gone as { code?: number }).code).toBe(404);
    const fresh = await client('flaky', token);
    const after = textOf(await fresh.callTool({ name: 'ok' }));
    expect(after).toMatch(/^ok \d+$/);
    expect(after).not.toBe(before);
  });
});

describe('shutdown', () => {
  it('ends every upstream process when the server closes', async () => {
    const own = await testWarden({ upstreams: [{ name: 'flaky', command: [node, FLAKY] }] });
    const addr = await own.app.listen({ port: 0, host: '127.0.0.1' });
    const token = await agentToken(own, 'closer', ['flaky.*']);
    const c = await connect(new StreamableHTTPClientTransport(new URL(`${addr}/mcp/flaky`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const pid = Number(textOf(await c.callTool({ name: 'ok' })).split(' ')[1]);
    expect(alive(pid)).toBe(true);
    await own.close();
    await eventually(() => (alive(pid) ? undefined : true), 'the upstream to exit');
    await c.close().catch(() => undefined);
  });
});

describe('request logs', () => {
  it('logs MCP messages at info: a session opened or a tool list fetched is on no other record', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const app = await buildApp(t.warden, { logger: { ...(loggerOptions('info') as object), stream } });
    const own = await app.listen({ port: 0, host: '127.0.0.1' });
    const token = await agentToken(t, 'logged-lister', ['everything.*']);
    const transport = new StreamableHTTPClientTransport(new URL(`${own}/mcp/everything`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
    const c = await connect(transport);
    try {
      expect((await c.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await c.close();
      await app.close();
    }
    const posts = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; req?: { method: string; url: string }; res?: { statusCode: number } })
      .filter((l) => l.msg === 'request completed' && l.req?.method === 'POST' && l.req.url === '/mcp/everything');
    // initialize, the initialized notification, tools/list: each at info, each answered 2xx.
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect(posts.every((l) => l.level === 30 && (l.res?.statusCode ?? 0) < 300)).toBe(true);
  });
});

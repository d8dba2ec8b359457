/**
 * The governed proxy, with a scripted decider in front of the real upstream servers
 * (server-everything, server-filesystem) and a deliberately broken one, driven by the
 * official SDK client over an in-memory link.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayRpcErrors } from '../../src/mcp/errors.js';
import { GovernedProxy } from '../../src/mcp/proxy.js';
import { META_KEY } from '../../src/mcp/refusal.js';
import { DEFAULT_TIMEOUTS, type GatewayTimeouts } from '../../src/mcp/types.js';
import { Upstream, type UpstreamSpec } from '../../src/mcp/upstream.js';
import { alive, connect, eventually, EVERYTHING, FakeDecider, FILESYSTEM, FLAKY, response, textOf } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function governed(spec: UpstreamSpec, decider: FakeDecider, timeouts: Partial<GatewayTimeouts> = {}, token: () => string = () => 'tok') {
  const upstream = await Upstream.connect(spec, { connectTimeoutMs: 15_000, stderr: 'ignore' });
  const proxy = new GovernedProxy({ upstream, decider, token, timeouts: { ...DEFAULT_TIMEOUTS, ...timeouts } });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await proxy.server.connect(serverSide);
  const client = await connect(clientSide);
  cleanups.push(async () => {
    await client.close();
    await proxy.close();
    await upstream.close();
  });
  return { client, proxy, upstream };
}

const everything: UpstreamSpec = { name: 'everything', command: [process.execPath, EVERYTHING, 'stdio'] };

describe('tools/call', () => {
  it('forwards an allowed call and returns the upstream result, then records the outcome', async () => {
    const d = new FakeDecider();
    const { client, proxy } = await governed(everything, d);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hello' }]);
    expect(result.isError).toBeUndefined();
    expect(d.requests).toEqual([{ token: 'tok', tool: 'everything.echo', args: { message: 'hello' } }]);
    await proxy.settle();
    expect(d.outcomes).toEqual([{ token: 'tok', id: (result._meta as Record<string, { id: string }>)[META_KEY]?.id, status: 'succeeded' }]);
  });

  it('passes the target taken from the arguments', async () => {
    const d = new FakeDecider();
    const dir = mkdtempSync(join(tmpdir(), 'warden-mcp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'a.txt'), 'alpha');
    const { client } = await governed({ name: 'filesystem', command: [process.execPath, FILESYSTEM, dir] }, d);
    const result = await client.callTool({ name: 'read_text_file', arguments: { path: join(dir, 'a.txt') } });
    expect(textOf(result)).toBe('alpha');
    expect(d.requests[0]).toMatchObject({ tool: 'filesystem.read_text_file', target: join(dir, 'a.txt') });
  });

  it('refuses a denied call with the reasons and never reaches the upstream', async () => {
    const d = new FakeDecider();
    const dir = mkdtempSync(join(tmpdir(), 'warden-mcp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'keep.txt'), 'original');
    d.answer = (req) =>
      response('deny', {
        reasons: [
          { code: 'AUTHENTICATED', message: 'credential `j` is valid and unrevoked' },
          { code: 'SCOPE_DENIED', message: `\`${req.tool}\` is outside the credential's scope \`filesystem.read_*\`` },
        ],
      });
    const { client, proxy } = await governed({ name: 'filesystem', command: [process.execPath, FILESYSTEM, dir] }, d);
    const result = await client.callTool({ name: 'write_file', arguments: { path: join(dir, 'keep.txt'), content: 'overwritten' } });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain('Warden refused the call to `write_file`, so it was not made.');
    expect(text).toContain("- `filesystem.write_file` is outside the credential's scope `filesystem.read_*` [SCOPE_DENIED]");
    expect(text).toContain("this task's credential does not cover `filesystem.write_file`. Do not retry it");
    expect(text).not.toContain('AUTHENTICATED');
    expect((result._meta as Record<string, { decision: string; gatewayCode: string }>)[META_KEY]).toMatchObject({ decision: 'deny', gatewayCode: 'CALL_DENIED' });
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('original');
    await proxy.settle();
    expect(d.outcomes).toEqual([]);
  });

  it('holds a pending call, reports progress, and forwards it once approved', async () => {
    const d = new FakeDecider();
    d.answer = (_req, n) => (n === 1 ? response('pending', { approval: { id: 'apr_1', status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' } }) : response('allow'));
    const { client } = await governed(everything, d, { progressIntervalMs: 50, approvalTimeoutSeconds: 30 });
    const progress: Progress[] = [];
    const call = client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }, undefined, { onprogress: (p) => progress.push(p), timeout: 20_000 });
    await eventually(() => (progress.length >= 2 ? true : undefined), 'progress while held');
    d.resolve('apr_1', 'approved');
    const result = await call;
    expect(textOf(result)).toBe('The sum of 2 and 3 is 5.');
    expect(d.requests).toHaveLength(2);
    expect(d.requests[1]).toEqual(d.requests[0]);
    expect(progress[0]?.message).toContain('waiting for a human to approve the call to `get-sum` (approval `apr_1`');
    const values = progress.map((p) => p.progress);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(new Set(values).size).toBe(values.length);
  });

  it('refuses a held call a human refused, with the comment', async () => {
    const d = new FakeDecider();
    d.answer = () => response('pending', { approval: { id: 'apr_2', status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' } });
    const { client } = await governed(everything, d, { progressIntervalMs: 50 });
    const call = client.callTool({ name: 'echo', arguments: { message: 'x' } });
    await eventually(() => (d.waits.length > 0 ? true : undefined), 'the gateway to wait');
    d.resolve('apr_2', 'denied', 'not today');
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('- a human refused approval `apr_2`: not today [APPROVAL_DENIED]');
    expect(textOf(result)).toContain('a human refused this call. Do not retry it');
    expect(d.requests).toHaveLength(1);
  });

  it('refuses a held call whose approval expired', async () => {
    const d = new FakeDecider();
    d.answer = () => response('pending', { approval: { id: 'apr_3', status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' } });
    const { client } = await governed(everything, d, { progressIntervalMs: 50 });
    const call = client.callTool({ name: 'echo', arguments: { message: 'x' } });
    await eventually(() => (d.waits.length > 0 ? true : undefined), 'the gateway to wait');
    d.resolve('apr_3', 'expired');
    expect(textOf(await call)).toContain('[APPROVAL_EXPIRED]');
  });

  it('refuses a held call nobody decided within the timeout, saying how to retry', async () => {
    const d = new FakeDecider();
    d.answer = () => response('pending', { approval: { id: 'apr_4', status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' } });
    const { client } = await governed(everything, d, { progressIntervalMs: 100, approvalTimeoutSeconds: 1 });
    const result = await client.callTool({ name: 'echo', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('nobody decided within 1 s, so it was not made');
    expect(textOf(result)).toContain('Approval `apr_4` stays open until 2030-01-01T00:00:00.000Z.');
    expect((result._meta as Record<string, { gatewayCode: string }>)[META_KEY]?.gatewayCode).toBe('APPROVAL_TIMEOUT');
    expect(d.requests).toHaveLength(1);
  });

  it('stops waiting when the client cancels the held call', async () => {
    const d = new FakeDecider();
    d.answer = () => response('pending', { approval: { id: 'apr_5', status: 'pending', expiresAt: '2030-01-01T00:00:00.000Z' } });
    const { client } = await governed(everything, d, { progressIntervalMs: 10_000, approvalTimeoutSeconds: 600 });
    const abort = new AbortController();
    const call = client.callTool({ name: 'echo', arguments: { message: 'x' } }, undefined, { signal: abort.signal });
    await eventually(() => (d.waits.length > 0 ? true : undefined), 'the gateway to wait');
    abort.abort();
    await expect(call).rejects.toThrow();
    // The wait ended: no second slice was started for the cancelled call.
    await new Promise((r) => setTimeout(r, 100));
    expect(d.waits).toHaveLength(1);
  });

  it('refuses (fails closed) when Warden cannot be asked', async () => {
    const d = new FakeDecider();
    d.answer = () => {
      throw Object.assign(new Error('token expired'), { code: 'TOKEN_EXPIRED' });
    };
    const { client } = await governed(everything, d);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Warden could not authorise the call to `echo`, so it was not made: token expired [TOKEN_EXPIRED]');
    expect(textOf(result)).toContain('needs a fresh Warden token');
  });

  it('records a failed outcome when the upstream answers with an error result', async () => {
    const d = new FakeDecider();
    const dir = mkdtempSync(join(tmpdir(), 'warden-mcp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { client, proxy } = await governed({ name: 'filesystem', command: [process.execPath, FILESYSTEM, dir] }, d);
    const result = await client.callTool({ name: 'read_text_file', arguments: { path: '/etc/passwd' } });
    expect(result.isError).toBe(true);
    await proxy.settle();
    expect(d.outcomes[0]?.status).toBe('failed');
  });

  it('refuses to run a tool as a task (a way around the hold), before any decision', async () => {
    const d = new FakeDecider();
    const { client } = await governed(everything, d);
    const call = client.request({ method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' }, task: { ttl: 1000 } } }, CallToolResultSchema);
    await expect(call).rejects.toThrow(/does not support task creation/);
    expect(d.requests).toHaveLength(0);
    expect(client.getServerCapabilities()?.tasks).toBeUndefined();
  });
});

describe('tools/list', () => {
  it('shows only the tools the scope could ever allow', async () => {
    const d = new FakeDecider();
    d.scope = ['everything.echo', 'everything.get-*'];
    const { client } = await governed(everything, d);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['echo', 'get-annotated-message', 'get-env', 'get-resource-links', 'get-resource-reference', 'get-structured-content', 'get-sum', 'get-tiny-image']);
  });

  it('offers every listed tool to the catalog with the categories its annotations suggest, once', async () => {
    const d = new FakeDecider();
    d.scope = ['nothing.*'];
    const { client } = await governed(everything, d);
    expect((await client.listTools()).tools).toEqual([]);
    await client.listTools();
    const by = new Map(d.suggestions.map((s) => [s.name, s]));
    expect(by.size).toBe(d.suggestions.length);
    expect(by.get('everything.echo')).toMatchObject({ categories: ['read'], server: 'everything' });
    expect(by.get('everything.gzip-file-as-resource')?.categories).toEqual(['network', 'write']);
    expect(by.get('everything.toggle-simulated-logging')?.categories).toEqual(['write']);
  });

  it('learns the catalog before deciding a call made without listing first', async () => {
    const d = new FakeDecider();
    const { client } = await governed(everything, d);
    await client.callTool({ name: 'echo', arguments: { message: 'x' } });
    expect(d.suggestions.some((s) => s.name === 'everything.echo')).toBe(true);
  });

  it('answers an error when the credential does not verify', async () => {
    const d = new FakeDecider();
    const { client } = await governed(everything, d, {}, () => 'bad-token');
    const err = await client.listTools().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(GatewayRpcErrors.DENIED);
    expect((err as McpError).message).toContain('[TOKEN_EXPIRED]');
  });
});

describe('resources', () => {
  it('decides resources/read as a read of the URI and returns the upstream content', async () => {
    const d = new FakeDecider();
    const { client } = await governed(everything, d);
    const uri = 'demo://resource/static/document/architecture.md';
    const res = await client.readResource({ uri });
    expect(res.contents[0]?.uri).toBe(uri);
    expect(d.requests).toEqual([{ token: 'tok', tool: 'everything.resources/read', target: uri, args: { uri } }]);
    expect(d.suggestions.find((s) => s.name === 'everything.resources/read')?.categories).toEqual(['read']);
  });

  it('refuses a denied read with a JSON-RPC error carrying the reasons', async () => {
    const d = new FakeDecider();
    d.answer = () => response('deny', { reasons: [{ code: 'POLICY_FORBID', message: 'policy `no-docs` forbids it' }] });
    const { client } = await governed(everything, d);
    const err = await client.readResource({ uri: 'demo://resource/static/document/architecture.md' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(GatewayRpcErrors.DENIED);
    expect((err as McpError).message).toContain('Warden refused reading `demo://resource/static/document/architecture.md`');
    expect((err as McpError).message).toContain('policy `no-docs` forbids it [POLICY_FORBID]');
  });

  it('lists no resources to an agent whose scope cannot read them', async () => {
    const d = new FakeDecider();
    d.scope = ['everything.echo'];
    const { client } = await governed(everything, d);
    expect((await client.listResources()).resources).toEqual([]);
    d.scope = ['everything.*'];
    expect((await client.listResources()).resources.length).toBeGreaterThan(0);
  });

  it('passes prompts through', async () => {
    const d = new FakeDecider();
    const { client } = await governed(everything, d);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain('simple-prompt');
  });
});

describe('a failing upstream', () => {
  const flaky: UpstreamSpec = { name: 'flaky', command: [process.execPath, FLAKY] };

  it('gives a clear error when the upstream crashes during a call, and for every call after', async () => {
    const d = new FakeDecider();
    const { client, upstream, proxy } = await governed(flaky, d);
    const pid = upstream.pid as number;
    const err = await client.callTool({ name: 'crash' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(GatewayRpcErrors.UPSTREAM);
    expect((err as McpError).message).toContain('upstream `flaky` closed the connection before answering `tools/call`');
    const again = await client.callTool({ name: 'ok' }).catch((e: unknown) => e);
    expect((again as McpError).message).toContain('upstream `flaky` is not running');
    expect(alive(pid)).toBe(false);
    await proxy.settle();
    expect(d.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
  });

  it('times out a call the upstream never answers', async () => {
    const d = new FakeDecider();
    const { client } = await governed(flaky, d, { callTimeoutMs: 300 });
    const err = await client.callTool({ name: 'hang' }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(-32001);
    expect((err as McpError).message).toContain('upstream `flaky` did not answer `tools/call` within 0.3 s');
    // The connection survives one hung request.
    expect(textOf(await client.callTool({ name: 'ok' }))).toMatch(/^ok \d+$/);
  });

  it('times out an upstream that writes garbage instead of answering', async () => {
    const d = new FakeDecider();
    const { client } = await governed(flaky, d, { callTimeoutMs: 300 });
    const err = await client.callTool({ name: 'garbage' }).catch((e: unknown) => e);
    expect((err as McpError).message).toContain('did not answer `tools/call` within 0.3 s');
  });

  it('reports an answer that is not valid MCP', async () => {
    const d = new FakeDecider();
    const { client } = await governed(flaky, d);
    const err = await client.callTool({ name: 'malformed' }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(GatewayRpcErrors.UPSTREAM);
    expect((err as McpError).message).toContain('upstream `flaky` answered `tools/call` with something that is not valid MCP');
  });

  it('fails to start, clearly, when the upstream never answers initialize, and leaves no child', async () => {
    const before = Date.now();
    const err = await Upstream.connect({ name: 'stuck', command: [process.execPath, FLAKY], env: { FLAKY_HANG_INIT: '1' } }, { connectTimeoutMs: 500, stderr: 'ignore' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('could not start upstream `stuck`: it did not answer `initialize` within 1 s');
    expect(Date.now() - before).toBeLessThan(10_000);
  });

  it('fails to start, clearly, when the command does not exist', async () => {
    const err = await Upstream.connect({ name: 'missing', command: ['/nonexistent/mcp-server'] }, { connectTimeoutMs: 5000, stderr: 'ignore' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^could not start upstream `missing`: .*ENOENT/);
  });

  it('ends the child process when closed', async () => {
    const upstream = await Upstream.connect(everything, { connectTimeoutMs: 15_000, stderr: 'ignore' });
    const pid = upstream.pid as number;
    expect(alive(pid)).toBe(true);
    await upstream.close();
    await eventually(() => (alive(pid) ? undefined : true), 'the child to exit');
  });
});

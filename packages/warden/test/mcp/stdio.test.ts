/**
 * `warden mcp wrap` end to end: the CLI spawned as an MCP client would spawn it (node with
 * tsx, from source), real upstream servers as its children, the official SDK client on
 * its stdio, and the real decision pipeline, in-process on a shared data directory or
 * through a running Warden (`--server`). Approvals are given through the HTTP API while
 * the client waits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { McpError, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';
import { agentToken, alive, cleanEnv, eventually, EVERYTHING, FILESYSTEM, FLAKY, pendingApproval, textOf, wrapCommand } from './helpers.js';

const node = process.execPath;

interface Wrapped {
  client: Client;
  transport: StdioClientTransport;
  /** Errors the client saw on the wire (a line on stdout that is not MCP would be one). */
  wireErrors: Error[];
  stderr(): string;
}

const open: Wrapped[] = [];

async function wrap(t: TestWarden, flags: string[], server: string[]): Promise<Wrapped> {
  const { command, args } = wrapCommand([...flags, '--', ...server]);
  const transport = new StdioClientTransport({ command, args, env: cleanEnv(), cwd: t.dir, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const wireErrors: Error[] = [];
  client.onerror = (e) => wireErrors.push(e);
  try {
    await client.connect(transport);
  } catch (e) {
    throw new Error(`wrapper did not start: ${(e as Error).message}\n${err}`);
  }
  const w = { client, transport, wireErrors, stderr: () => err };
  open.push(w);
  return w;
}

function tokenFile(t: TestWarden, token: string): string {
  const file = join(t.dir, `token-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

async function decisionsOf(t: TestWarden, agent: string): Promise<Array<{ tool: string; decision: string; target: string | null }>> {
  return (await t.request('GET', `/v1/decisions?agent=${agent}`, { key: t.keys.auditor })).json().decisions;
}

afterEach(async () => {
  while (open.length > 0) await open.pop()?.client.close();
});

describe('warden mcp wrap, in-process', () => {
  let t: TestWarden;
  let files: string;
  beforeAll(async () => {
    t = await testWarden();
    files = mkdtempSync(join(tmpdir(), 'warden-wrap-files-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('forwards an allowed call and returns the real result, with nothing but MCP on stdout', async () => {
    const token = await agentToken(t, 'wrap-echo', ['everything.*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir], [node, EVERYTHING, 'stdio']);
    const result = await w.client.callTool({ name: 'echo', arguments: { message: 'through the wrapper' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: through the wrapper' }]);
    expect(await decisionsOf(t, 'wrap-echo')).toMatchObject([{ tool: 'everything.echo', decision: 'allow' }]);
    expect(w.wireErrors).toEqual([]);
    expect(w.stderr()).toContain('governing `everything`');
  });

  it('refuses a call outside the scope, with the reasons', async () => {
    const token = await agentToken(t, 'wrap-narrow', ['everything.echo']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir, '--name', 'everything'], [node, EVERYTHING, 'stdio']);
    expect((await w.client.listTools()).tools.map((x) => x.name)).toEqual(['echo']);
    const result = await w.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("- `everything.get-sum` is outside the credential's scope `everything.echo` [SCOPE_DENIED]");
  });

  it('holds a call for approval and completes it once a human approves through the API', async () => {
    await t.request('PUT', '/v1/tools/everything.get-sum', { key: t.keys.admin, body: { categories: ['publish'] } });
    const token = await agentToken(t, 'wrap-held', ['everything.*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir], [node, EVERYTHING, 'stdio']);
    const progress: Progress[] = [];
    const call = w.client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } }, undefined, { onprogress: (p) => progress.push(p), timeout: 30_000, resetTimeoutOnProgress: true });
    const approval = await pendingApproval(t, 'everything.get-sum');
    expect((await t.request('POST', `/v1/approvals/${approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    expect(textOf(await call)).toBe('The sum of 20 and 22 is 42.');
    expect(progress.length).toBeGreaterThan(0);
  });

  it('refuses a write under server-filesystem with a read-only scope, and the file is untouched', async () => {
    writeFileSync(join(files, 'plan.md'), 'keep me');
    const token = await agentToken(t, 'wrap-reader', ['filesystem.read_*', 'filesystem.list_*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir], [node, FILESYSTEM, files]);
    const names = (await w.client.listTools()).tools.map((x) => x.name);
    expect(names).not.toContain('write_file');
    expect(names).toContain('read_text_file');
    const result = await w.client.callTool({ name: 'write_file', arguments: { path: join(files, 'plan.md'), content: 'gone' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('[SCOPE_DENIED]');
    expect(readFileSync(join(files, 'plan.md'), 'utf8')).toBe('keep me');
    expect(textOf(await w.client.callTool({ name: 'read_text_file', arguments: { path: join(files, 'plan.md') } }))).toBe('keep me');
  });

  it('ends the wrapper and its child when the client goes away (stdin closes)', async () => {
    const token = await agentToken(t, 'wrap-leaver', ['flaky.*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir, '--name', 'flaky'], [node, FLAKY]);
    const child = Number(textOf(await w.client.callTool({ name: 'ok' })).split(' ')[1]);
    const wrapper = w.transport.pid as number;
    expect(alive(child)).toBe(true);
    await w.client.close();
    await eventually(() => (alive(child) || alive(wrapper) ? undefined : true), 'the wrapper and its child to exit');
  });

  it('ends its child on SIGTERM', async () => {
    const token = await agentToken(t, 'wrap-term', ['flaky.*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir, '--name', 'flaky'], [node, FLAKY]);
    const child = Number(textOf(await w.client.callTool({ name: 'ok' })).split(' ')[1]);
    process.kill(w.transport.pid as number, 'SIGTERM');
    await eventually(() => (alive(child) || alive(w.transport.pid ?? child) ? undefined : true), 'the child to exit');
  });

  it('gives an error, not a hang, when the upstream crashes or hangs', async () => {
    const token = await agentToken(t, 'wrap-flaky', ['flaky.*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--data-dir', t.dir, '--name', 'flaky', '--call-timeout', '1'], [node, FLAKY]);
    const hung = await w.client.callTool({ name: 'hang' }).catch((e: unknown) => e);
    expect((hung as McpError).message).toContain('upstream `flaky` did not answer `tools/call` within 1 s');
    const crashed = await w.client.callTool({ name: 'crash' }).catch((e: unknown) => e);
    expect((crashed as McpError).message).toContain('upstream `flaky` closed the connection before answering `tools/call`');
    const after = await w.client.callTool({ name: 'ok' }).catch((e: unknown) => e);
    expect((after as McpError).message).toContain('upstream `flaky` is not running');
    expect(w.stderr()).toContain('upstream `flaky` stopped');
  });

  it('refuses every call when the token does not verify', async () => {
    const w = await wrap(t, ['--token-file', tokenFile(t, 'not-a-token'), '--data-dir', t.dir], [node, EVERYTHING, 'stdio']);
    const result = await w.client.callTool({ name: 'echo', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Warden could not authorise the call to `echo`, so it was not made: .*\[TOKEN_MALFORMED\]/);
  });

  async function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const { command, args: argv } = wrapCommand(args);
    const child = spawn(command, argv, { env: cleanEnv(), cwd: t.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, out, err };
  }

  it('exits with a message on stderr when the token file is missing', async () => {
    const r = await run(['--token-file', join(t.dir, 'missing'), '--data-dir', t.dir, '--', node, EVERYTHING, 'stdio']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`cannot read the token file \`${join(t.dir, 'missing')}\` (TOKEN_FILE_UNREADABLE)`);
  });

  it('exits with a message on stderr when the server cannot start, leaving its flags to it', async () => {
    const token = await agentToken(t, 'wrap-nostart', ['server.*']);
    const r = await run(['--token-file', tokenFile(t, token), '--data-dir', t.dir, '--', '/nonexistent/server', '-y', '--verbose']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/could not start upstream `server`: .*ENOENT/);
  });
});

describe('warden mcp wrap --server', () => {
  let t: TestWarden;
  let base: string;
  beforeAll(async () => {
    t = await testWarden();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('asks the running Warden: allowed, denied, and held until approved', async () => {
    // A remote wrapper cannot write the catalog: the administrator categorises.
    await t.request('PUT', '/v1/tools/everything.echo', { key: t.keys.admin, body: { categories: ['read'] } });
    const token = await agentToken(t, 'remote', ['everything.echo', 'everything.get-sum']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--server', base], [node, EVERYTHING, 'stdio']);
    expect((await w.client.listTools()).tools.map((x) => x.name).sort()).toEqual(['echo', 'get-sum']);
    expect(textOf(await w.client.callTool({ name: 'echo', arguments: { message: 'remote' } }))).toBe('Echo: remote');

    const denied = await w.client.callTool({ name: 'get-env', arguments: {} });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain('[SCOPE_DENIED]');

    // Not in the catalog: `unknown`, which the default pack holds for a human.
    const call = w.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    const approval = await pendingApproval(t, 'everything.get-sum');
    expect((await t.request('POST', `/v1/approvals/${approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    expect(textOf(await call)).toBe('The sum of 1 and 2 is 3.');

    expect((await decisionsOf(t, 'remote')).map((d) => `${d.tool}:${d.decision}`).sort()).toEqual([
      'everything.echo:allow',
      'everything.get-env:deny',
      'everything.get-sum:allow',
      'everything.get-sum:pending',
    ]);
    expect(await t.warden.tools.get('everything.get-sum')).toBeUndefined();
  });

  it('refuses (fails closed) when the Warden is unreachable', async () => {
    const token = await agentToken(t, 'stranded', ['everything.*']);
    const w = await wrap(t, ['--token-file', tokenFile(t, token), '--server', 'http://127.0.0.1:1'], [node, EVERYTHING, 'stdio']);
    const result = await w.client.callTool({ name: 'echo', arguments: { message: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('could not reach warden at `http://127.0.0.1:1`');
    expect(textOf(result)).toContain('[WARDEN_UNREACHABLE]');
  });
});

/**
 * Shared by the MCP gateway tests: where the real upstream servers are, a scripted
 * decider for the proxy's unit tests, agents and tokens on a test Warden, and small waits.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { DecisionRequest, DecisionResponse } from '../../src/decisions/types.js';
import type { ApprovalState, GatewayDecider, ToolSuggestion } from '../../src/mcp/types.js';
import type { TestWarden } from '../helpers.js';

export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const EVERYTHING = `${REPO}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
export const FILESYSTEM = `${REPO}node_modules/@modelcontextprotocol/server-filesystem/dist/index.js`;
export const FLAKY = fileURLToPath(new URL('./fixtures/flaky-server.mjs', import.meta.url));
export const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url));
export const TSX = pathToFileURL(`${REPO}node_modules/tsx/dist/loader.mjs`).href;

/** The command line of `warden mcp wrap …` run from source. */
export function wrapCommand(args: string[]): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', TSX, CLI_ENTRY, 'mcp', 'wrap', ...args] };
}

/** The environment without any WARDEN_* variable of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WARDEN_') && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

export async function connect(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Polls `probe` until it returns something other than undefined. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Registers `agent` (admin key) and grants it a task with `scope` (approver key); the token. */
export async function agentToken(t: TestWarden, agent: string, scope: string[], intent = 'work on files for the test'): Promise<string> {
  const reg = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: agent, name: agent, owner: 'human:admin-user', scope: ['*'] } });
  if (reg.statusCode !== 201 && reg.statusCode !== 409) throw new Error(`could not register ${agent}: ${reg.body}`);
  const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent, intent, scope } });
  if (res.statusCode !== 201) throw new Error(`could not grant ${agent}: ${res.body}`);
  return (res.json() as { token: string }).token;
}

/** The first pending approval for `tool`, once it exists. */
export function pendingApproval(t: TestWarden, tool: string): Promise<{ id: string; call: { target: string | null } }> {
  return eventually(async () => {
    const res = await t.request('GET', '/v1/approvals?status=pending', { key: t.keys.approver });
    return (res.json() as { approvals: Array<{ id: string; call: { tool: string; target: string | null } }> }).approvals.find((a) => a.call.tool === tool);
  }, `a pending approval for ${tool}`);
}

/** Text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}

let seq = 0;

export function response(decision: DecisionResponse['decision'], extra: Partial<DecisionResponse> = {}): DecisionResponse {
  seq++;
  return {
    id: `dec_fake${seq}`,
    decision,
    reasons: [{ code: 'AUTHENTICATED', message: 'credential `j` is valid and unrevoked' }],
    risk: { score: 0, factors: [] },
    policy: { version: 'v1', determining: [] },
    receipt: { index: seq, leafHash: 'AAAA' },
    ...extra,
  };
}

/**
 * A decider whose answers a test scripts: `answer` maps each request to a response;
 * approvals are resolved by the test with `resolve(id, status)`.
 */
export class FakeDecider implements GatewayDecider {
  readonly requests: DecisionRequest[] = [];
  readonly outcomes: Array<{ token: string; id: string; status: string; summary?: string }> = [];
  readonly suggestions: ToolSuggestion[] = [];
  readonly waits: Array<{ token: string; id: string }> = [];
  scope: string[] = ['*'];
  answer: (req: DecisionRequest, n: number) => DecisionResponse | Promise<DecisionResponse> = () => response('allow');
  private readonly states = new Map<string, { status: ApprovalState; comment?: string }>();
  private readonly wake = new Set<() => void>();

  async decide(req: DecisionRequest): Promise<DecisionResponse> {
    this.requests.push(req);
    return this.answer(req, this.requests.length);
  }

  resolve(id: string, status: ApprovalState, comment?: string): void {
    this.states.set(id, { status, ...(comment === undefined ? {} : { comment }) });
    for (const w of [...this.wake]) w();
  }

  async waitForApproval(token: string, id: string, seconds: number, signal?: AbortSignal): Promise<{ status: ApprovalState; comment?: string | null }> {
    this.waits.push({ token, id });
    const now = () => this.states.get(id) ?? { status: 'pending' as const };
    if (now().status !== 'pending') return now();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, seconds * 1000);
      this.wake.add(done);
      signal?.addEventListener('abort', done);
    });
    return now();
  }

  async recordOutcome(token: string, id: string, outcome: { status: 'succeeded' | 'failed'; summary?: string }): Promise<unknown> {
    this.outcomes.push({ token, id, ...outcome });
    return { id };
  }

  async scopeOf(token: string): Promise<string[]> {
    if (token === 'bad-token') throw Object.assign(new Error('the token has expired'), { code: 'TOKEN_EXPIRED' });
    return this.scope;
  }

  async suggestTools(tools: ToolSuggestion[]): Promise<void> {
    this.suggestions.push(...tools);
  }
}

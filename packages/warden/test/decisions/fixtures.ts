/**
 * Fixtures for the decision and approval tests: a Warden whose clock and risk scorer a
 * test chooses (a neutral scorer by default, so a decision depends only on scope, tool
 * categories and policy), with helpers to register agents, categorise tools, grant tasks
 * over HTTP and ask for decisions.
 */
import { rmSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { validateConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { RiskScorer } from '../../src/decisions/types.js';
import { buildApp } from '../../src/server/app.js';
import type { Role } from '../../src/store/types.js';
import { createWarden, type WardenOptions } from '../../src/warden.js';
import { tempDir, type TestWarden } from '../helpers.js';

/** Scores every action 0 with no factors: what the issue allows before behaviour lands. */
export const NEUTRAL_RISK: RiskScorer = {
  score: async () => ({ score: 0, factors: [], findings: [] }),
  learn: async () => undefined,
  attempted: async () => undefined,
};

export interface DecisionTest extends TestWarden {
  /** `POST /v1/decisions[?wait=]` with `token`. */
  decide(token: string, body: unknown, wait?: number): Promise<LightMyRequestResponse>;
  /** Registers an agent over HTTP (201 or throws). */
  register(id: string, scope: string[]): Promise<void>;
  /** `PUT /v1/tools/:name` (200 or throws). */
  categorise(name: string, categories: string[]): Promise<void>;
  /** `POST /v1/grants` with `key` (the approver's by default); returns the token. */
  grant(agent: string, scope: string[], key?: string, extra?: Record<string, unknown>): Promise<string>;
  /** An API key for another human (`human:<id>`). */
  humanKey(id: string, role: Role): Promise<string>;
}

/**
 * Starts a Warden on a fresh data directory with `options` (clock, risk scorer) passed to
 * `createWarden`; the risk scorer is NEUTRAL_RISK unless `options.risk` says otherwise.
 */
export async function decisionWarden(overrides: Partial<ConfigInput> = {}, options: WardenOptions = {}): Promise<DecisionTest> {
  const dir = tempDir('warden-decisions-');
  const config = validateConfig({ dataDir: dir, logLevel: 'silent', ...overrides });
  const warden = await createWarden(config, { risk: NEUTRAL_RISK, ...options });
  const app = await buildApp(warden);
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'approver', 'auditor', 'viewer'] as const) {
    keys[role] = (await warden.keys.create({ owner: `human:${role}-user`, role }, 'system')).key;
  }
  const request: TestWarden['request'] = (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
    const payload = opts.payload ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    return app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
  };
  const expectStatus = (res: LightMyRequestResponse, status: number, what: string) => {
    if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  };
  return {
    warden,
    app,
    dir,
    keys,
    request,
    decide: (token, body, wait) => request('POST', `/v1/decisions${wait === undefined ? '' : `?wait=${wait}`}`, { key: token, body }),
    async register(id, scope) {
      expectStatus(await request('POST', '/v1/agents', { key: keys.admin, body: { id, name: id, owner: 'human:platform-team', scope } }), 201, `register ${id}`);
    },
    async categorise(name, categories) {
      expectStatus(await request('PUT', `/v1/tools/${name}`, { key: keys.admin, body: { categories } }), 200, `categorise ${name}`);
    },
    async grant(agent, scope, key = keys.approver, extra = {}) {
      const res = await request('POST', '/v1/grants', { key, body: { agent, intent: 'answer forum questions', scope, ...extra } });
      expectStatus(res, 201, `grant ${agent}`);
      return res.json().token as string;
    },
    async humanKey(id, role) {
      return (await warden.keys.create({ owner: `human:${id}`, role }, 'system')).key;
    },
    async close() {
      await app.close();
      await warden.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers `agent:worker` (scope `docs.*`), catalogs `docs.read` as a read and returns a
 * token granted `docs.read`: a caller whose calls are allowed.
 */
export async function docsReader(t: DecisionTest): Promise<string> {
  await t.register('worker', ['docs.*']);
  await t.categorise('docs.read', ['read']);
  return t.grant('worker', ['docs.read']);
}

/** The reason codes of a decision answer, in order. */
export function codes(answer: { reasons: Array<{ code: string }> }): string[] {
  return answer.reasons.map((r) => r.code);
}

/** Polls `check` every 10 ms until it returns a value (at most ~5 s). */
export async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition never held');
}

/** A risk scorer that can hold the next call inside scoring until released. */
export function gatedScorer() {
  let gate: Promise<void> | undefined;
  let open = () => undefined as void;
  let entered = () => undefined as void;
  let reached = Promise.resolve();
  const risk: RiskScorer = {
    score: async () => {
      if (gate) {
        entered();
        await gate;
      }
      return { score: 0, factors: [], findings: [] };
    },
    learn: async () => undefined,
    attempted: async () => undefined,
  };
  return {
    risk,
    /** The next call to reach scoring waits there; resolves once it has. */
    hold(): Promise<void> {
      gate = new Promise<void>((resolve) => (open = resolve));
      reached = new Promise<void>((resolve) => (entered = resolve));
      return reached;
    },
    release(): void {
      gate = undefined;
      open();
    },
  };
}

/** Stores a policy version past the upload check, as an earlier release or a damaged row would have. */
export async function storeVersion(warden: TestWarden['warden'], version: string, text: string): Promise<void> {
  await warden.store.policies.insert(
    { version, text, createdAt: new Date().toISOString(), createdBy: 'human:admin-user' },
    { type: 'policy.updated', actor: 'human:admin-user', subject: 'policy', data: { version } },
  );
}

/** Test fixtures: a Warden on a fresh temporary data directory, its app, and keys per role. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { validateConfig } from '../src/config/load.js';
import type { ConfigInput } from '../src/config/schema.js';
import { buildApp } from '../src/server/app.js';
import type { Role } from '../src/store/types.js';
import { createWarden, type Warden } from '../src/warden.js';

export interface TestWarden {
  warden: Warden;
  app: FastifyInstance;
  dir: string;
  /** A key per role, owned by `human:<role>-user`. */
  keys: Record<Role, string>;
  request(method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string>; payload?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'warden-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function testWarden(overrides: Partial<ConfigInput> = {}, options: { now?: () => Date } = {}): Promise<TestWarden> {
  const dir = tempDir();
  const config = validateConfig({ dataDir: dir, logLevel: 'silent', ...overrides });
  const warden = await createWarden(config, options);
  const app = await buildApp(warden);
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'approver', 'auditor', 'viewer'] as const) {
    keys[role] = (await warden.keys.create({ owner: `human:${role}-user`, role }, 'system')).key;
  }
  return {
    warden,
    app,
    dir,
    keys,
    request(method, url, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
      const payload = opts.payload ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
      return app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
    },
    async close() {
      await app.close();
      await warden.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The composition root: opens the store and builds every domain service from the
 * configuration. The server, the CLI and the MCP gateway all start from here, so each
 * entry point governs agents with the same pieces.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from './config/schema.js';
import { readOrCreateSecret } from './config/secrets.js';
import { ApiKeys } from './identity/api-keys.js';
import { AgentRegistry } from './inventory/agents.js';
import { ToolCatalog } from './inventory/tools.js';
import { createSqliteStore, type SqliteStore } from './store/sqlite/index.js';

export interface WardenOptions {
  now?: () => Date;
}

export interface Warden {
  readonly config: Config;
  readonly dataDir: string;
  readonly store: SqliteStore;
  readonly agents: AgentRegistry;
  readonly tools: ToolCatalog;
  readonly keys: ApiKeys;
  readonly now: () => Date;
  close(): Promise<void>;
}

export function keyPath(dataDir: string, name: string): string {
  return join(dataDir, 'keys', name);
}

export async function createWarden(config: Config, options: WardenOptions = {}): Promise<Warden> {
  const now = options.now ?? (() => new Date());
  const dataDir = resolve(config.dataDir);
  const hmacKey = readOrCreateSecret(keyPath(dataDir, 'audit-hmac.key'), () => Buffer.from(randomBytes(32).toString('base64')), config.masterKey);
  const store = createSqliteStore(join(dataDir, 'warden.db'), { hmacKey, now });
  const agents = new AgentRegistry(store, now);
  const tools = new ToolCatalog(store, now);
  const keys = new ApiKeys(store, now);

  // Tool categories from the config file: applied when they differ from what is stored,
  // unless an administrator has set that tool since.
  for (const t of config.tools) {
    const existing = await store.tools.get(t.name);
    if (existing?.source === 'admin') continue;
    const same = existing && JSON.stringify(existing.categories) === JSON.stringify([...new Set(t.categories)].sort());
    if (!same) {
      await tools.put(t.name, { categories: t.categories as never, description: t.description, server: t.server }, 'system', 'config');
    }
  }

  let closed = false;
  return {
    config,
    dataDir,
    store,
    agents,
    tools,
    keys,
    now,
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
    },
  };
}

/**
 * The SQLite store's promise that a change and its audit entry commit together: a change
 * that fails leaves no entry, and an entry is never written without its change.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import type { Agent } from '../../src/store/types.js';
import { tempDir } from '../helpers.js';

const AGENT: Agent = {
  id: 'a',
  name: 'A',
  owner: 'human:alice',
  description: '',
  scope: [],
  groups: [],
  riskTier: 'medium',
  status: 'active',
  publicKey: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: null,
};
const event = (type: string) => ({ type, actor: 'system', subject: 'agent:a', data: {} });

describe('SQLite store writes', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = tempDir();
    store = createSqliteStore(join(dir, 'warden.db'), { hmacKey: Buffer.alloc(32, 1) });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits an insert and its entry together', async () => {
    const receipt = await store.agents.insert(AGENT, event('agent.registered'));
    expect(receipt.index).toBe(0);
    expect(await store.agents.get('a')).toEqual(AGENT);
    expect(await store.log.size()).toBe(1);
  });

  it('writes no entry for an insert that fails', async () => {
    await store.agents.insert(AGENT, event('agent.registered'));
    await expect(store.agents.insert(AGENT, event('agent.registered'))).rejects.toThrow(/UNIQUE/);
    expect(await store.log.size()).toBe(1);
  });

  it('writes no entry for an update of an agent that is not there', async () => {
    await expect(store.agents.update({ ...AGENT, id: 'ghost' }, event('agent.updated'))).rejects.toThrow();
    expect(await store.log.size()).toBe(0);
  });

  it('fails one append of a batch without failing the others', async () => {
    await store.agents.insert(AGENT, event('agent.registered'));
    const results = await Promise.allSettled([
      store.agents.update({ ...AGENT, name: 'B' }, event('agent.updated')),
      store.agents.insert(AGENT, event('agent.registered')),
      store.agents.update({ ...AGENT, name: 'C' }, event('agent.updated')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const entries = await store.log.entries(0, 10);
    expect(entries.map((e) => [e.index, e.entry.type])).toEqual([
      [0, 'agent.registered'],
      [1, 'agent.updated'],
      [2, 'agent.updated'],
    ]);
    expect((await store.agents.get('a'))?.name).toBe('C');
  });

  it('refuses appends once closed', async () => {
    await store.close();
    await expect(store.agents.insert(AGENT, event('agent.registered'))).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    // Reopen so afterEach can close cleanly.
    store = createSqliteStore(join(dir, 'warden.db'), { hmacKey: Buffer.alloc(32, 1) });
    expect(await store.log.size()).toBe(0);
  });
});

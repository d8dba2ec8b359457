/**
 * The behaviour service keeps baselines in memory and writes changed ones back in batches.
 * A write that fails must not lose what it was writing: the next flush writes it, and
 * eviction does not drop it while memory allows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BehaviorService } from '../../src/behavior/service.js';
import type { RiskInput } from '../../src/decisions/types.js';
import type { BaselineStore } from '../../src/store/decision-types.js';

/** A baseline store in memory whose writes can be made to fail. */
class FlakyStore implements BaselineStore {
  readonly rows = new Map<string, string>();
  failing = false;
  writes = 0;

  async get(agent: string): Promise<string | undefined> {
    return this.rows.get(agent);
  }

  async putMany(rows: Array<{ agent: string; data: string; at: string }>): Promise<void> {
    this.writes++;
    if (this.failing) throw new Error('disk I/O error');
    for (const r of rows) this.rows.set(r.agent, r.data);
  }
}

const action = (agent: string, i = 0): RiskInput => ({ time: new Date(Date.UTC(2026, 10, 25, 10, 0, i)), agent, tool: 'docs.read', categories: ['read'], depth: 0 });

/** How many actions the stored baseline of `agent` has learned. */
function learned(store: FlakyStore, agent: string): number {
  const data = store.rows.get(agent);
  return data === undefined ? 0 : (JSON.parse(data) as { total: number }).total;
}

describe('BehaviorService writing baselines back', () => {
  const services: BehaviorService[] = [];
  const service = (store: BaselineStore, maxCached?: number) => {
    const s = new BehaviorService(store, { flushIntervalMs: 60_000, ...(maxCached === undefined ? {} : { maxCached }) });
    services.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of services.splice(0)) void s.close().catch(() => undefined);
  });

  it('writes, on the next flush, what a failed flush could not', async () => {
    const store = new FlakyStore();
    const behavior = service(store);
    await behavior.learn(action('a'));
    await behavior.learn(action('b'));
    store.failing = true;
    await expect(behavior.flush()).rejects.toThrow('disk I/O error');
    expect(store.rows.size).toBe(0);
    store.failing = false;
    await behavior.flush();
    expect([learned(store, 'a'), learned(store, 'b')]).toEqual([1, 1]);
  });

  it('keeps what was learned while a failing flush was in flight', async () => {
    const store = new FlakyStore();
    const behavior = service(store);
    await behavior.learn(action('a'));
    store.failing = true;
    const flushing = behavior.flush();
    await behavior.learn(action('a', 1));
    await expect(flushing).rejects.toThrow();
    store.failing = false;
    await behavior.flush();
    expect(learned(store, 'a')).toBe(2);
  });

  it('does not evict a baseline a flush is still writing, and writes it later if that flush fails', async () => {
    // A store whose next write hangs until the test makes it fail.
    const store = new FlakyStore();
    let failWrite: () => void = () => undefined;
    const putMany = store.putMany.bind(store);
    let hold = false;
    store.putMany = async (rows) => {
      if (hold) {
        hold = false;
        await new Promise<void>((_, reject) => (failWrite = () => reject(new Error('disk I/O error'))));
      }
      return putMany(rows);
    };
    const behavior = service(store, 2);
    await behavior.learn(action('a'));
    hold = true;
    const flushing = behavior.flush(); // as the timer's flush would be, in flight
    // Two more agents push `a` past the bound while its write is in flight.
    await behavior.score(action('b'));
    await behavior.score(action('c'));
    failWrite();
    await expect(flushing).rejects.toThrow('disk I/O error');
    await behavior.flush();
    expect(learned(store, 'a')).toBe(1);
  });

  it('does not evict a baseline it could not write, and still scores', async () => {
    const store = new FlakyStore();
    const behavior = service(store, 2);
    await behavior.learn(action('a'));
    store.failing = true;
    // Two more agents push `a` past the bound while the store refuses writes.
    await behavior.score(action('b'));
    const scored = await behavior.score(action('c'));
    expect(scored.score).toBeGreaterThanOrEqual(0);
    store.failing = false;
    await behavior.flush();
    expect(learned(store, 'a')).toBe(1);
  });

  it('evicts even unwritten baselines past twice its bound: memory stays bounded', async () => {
    const store = new FlakyStore();
    const behavior = service(store, 2);
    store.failing = true;
    for (const agent of ['a', 'b', 'c', 'd', 'e', 'f']) await behavior.learn(action(agent));
    store.failing = false;
    await behavior.flush();
    // At most 2 × 2 baselines were kept: the oldest were dropped unwritten.
    expect(store.rows.size).toBeLessThanOrEqual(4);
    expect(learned(store, 'f')).toBe(1);
  });
});

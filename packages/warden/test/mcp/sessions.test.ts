/** The HTTP gateway's session registry: ownership, limits, idling, dead upstreams. */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/mcp/sessions.js';
import { SessionRegistry } from '../../src/mcp/sessions.js';

function fake(id: string, agent: string, opts: { upstreamName?: string; lastSeen?: number; inflight?: number; running?: boolean } = {}) {
  const closed: string[] = [];
  const s = {
    id,
    agent,
    upstreamName: opts.upstreamName ?? 'fs',
    lastSeen: opts.lastSeen ?? 0,
    inflight: opts.inflight ?? 0,
    transport: { close: async () => void closed.push('transport') },
    proxy: { close: async () => void closed.push('proxy') },
    upstream: { running: opts.running ?? true, close: async () => void closed.push('upstream') },
  } as unknown as Session;
  return { s, closed };
}

describe('SessionRegistry', () => {
  const limits = { maxPerAgent: 2, maxTotal: 3, idleTimeoutMs: 1000 };

  it('finds a session only for the agent that owns it, on its own upstream', () => {
    const r = new SessionRegistry(limits);
    const { s } = fake('s1', 'agent:a');
    r.add(s);
    expect(r.find('s1', 'agent:a', 'fs')).toBe(s);
    expect(r.find('s1', 'agent:b', 'fs')).toBeUndefined();
    expect(r.find('s1', 'agent:a', 'other')).toBeUndefined();
    expect(r.find('nope', 'agent:a', 'fs')).toBeUndefined();
  });

  it("closes an agent's oldest idle session to make room for its next, and everything of it", async () => {
    const r = new SessionRegistry(limits);
    const old = fake('s1', 'agent:a', { lastSeen: 1 });
    const newer = fake('s2', 'agent:a', { lastSeen: 2 });
    r.add(old.s);
    r.add(newer.s);
    expect(await r.makeRoom('agent:a')).toBe(true);
    expect(old.closed).toEqual(['transport', 'proxy', 'upstream']);
    expect(newer.closed).toEqual([]);
    expect(r.find('s1', 'agent:a', 'fs')).toBeUndefined();
  });

  it('counts sessions still being opened: concurrent initializes cannot exceed the per-agent limit', async () => {
    const r = new SessionRegistry(limits);
    const answers = await Promise.all([r.makeRoom('agent:a'), r.makeRoom('agent:a'), r.makeRoom('agent:a')]);
    expect(answers).toEqual([true, true, false]);
    // Once one of them is added (or given up), room is counted from the sessions again.
    r.add(fake('s1', 'agent:a', { inflight: 1 }).s);
    r.release('agent:a');
    expect(await r.makeRoom('agent:a')).toBe(false);
    r.release('agent:a');
    expect(await r.makeRoom('agent:a')).toBe(true);
  });

  it('counts sessions still being opened against the total', async () => {
    const r = new SessionRegistry(limits);
    const answers = await Promise.all(['agent:a', 'agent:b', 'agent:c', 'agent:d'].map((a) => r.makeRoom(a)));
    expect(answers).toEqual([true, true, true, false]);
  });

  it('refuses room when every session of the agent is busy', async () => {
    const r = new SessionRegistry(limits);
    r.add(fake('s1', 'agent:a', { inflight: 1 }).s);
    r.add(fake('s2', 'agent:a', { inflight: 1 }).s);
    expect(await r.makeRoom('agent:a')).toBe(false);
    expect(r.size).toBe(2);
  });

  it("never closes another agent's session to make room, and refuses past the total", async () => {
    const r = new SessionRegistry(limits);
    const others = ['s1', 's2', 's3'].map((id, i) => fake(id, `agent:o${i}`));
    for (const o of others) r.add(o.s);
    expect(await r.makeRoom('agent:a')).toBe(false);
    expect(others.every((o) => o.closed.length === 0)).toBe(true);
  });

  it('sweeps idle sessions and sessions whose upstream stopped, not busy ones', async () => {
    const r = new SessionRegistry(limits);
    const idle = fake('s1', 'agent:a', { lastSeen: 0 });
    const busy = fake('s2', 'agent:b', { lastSeen: 0, inflight: 1 });
    const dead = fake('s3', 'agent:c', { lastSeen: 9_500, running: false });
    const fresh = fake('s4', 'agent:d', { lastSeen: 9_500 });
    for (const x of [idle, busy, dead, fresh]) r.add(x.s);
    expect(await r.sweep(10_000)).toBe(2);
    expect(idle.closed).toHaveLength(3);
    expect(dead.closed).toHaveLength(3);
    expect(busy.closed).toEqual([]);
    expect(fresh.closed).toEqual([]);
  });

  it('closes a session once, however often asked', async () => {
    const r = new SessionRegistry(limits);
    const x = fake('s1', 'agent:a');
    r.add(x.s);
    await Promise.all([r.close(x.s), r.close(x.s), r.closeAll()]);
    expect(x.closed).toEqual(['transport', 'proxy', 'upstream']);
  });
});

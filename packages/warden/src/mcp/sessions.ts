/**
 * The HTTP gateway's sessions. Isolation is structural: each MCP session has its own
 * transport, its own governed proxy and its own upstream connection (its own child
 * process for a command upstream, its own upstream session for a URL upstream), so no
 * state, notification or result of one session can reach another. A session belongs to
 * the agent that opened it: a request naming another agent's session id is answered as if
 * the session did not exist.
 *
 * Bounded: at most `maxPerAgent` sessions per agent (a new one replaces that agent's
 * oldest idle session) and `maxTotal` in all; a session idle for `idleTimeoutMs` is
 * closed, and its child with it. A session whose upstream stopped (crashed) is closed once
 * its requests in flight have had their error: the client's next request gets 404, and
 * MCP clients answer a 404 by opening a new session, with a new upstream.
 */
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { GovernedProxy } from './proxy.js';
import type { Upstream } from './upstream.js';

export interface Session {
  id: string;
  upstreamName: string;
  /** `agent:<id>`: the actor of the token that opened it. */
  agent: string;
  transport: StreamableHTTPServerTransport;
  proxy: GovernedProxy;
  upstream: Upstream;
  lastSeen: number;
  /** POST requests in progress (an open GET stream does not keep a session from idling). */
  inflight: number;
}

export interface SessionLimits {
  maxPerAgent: number;
  maxTotal: number;
  idleTimeoutMs: number;
}

export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = Object.freeze({ maxPerAgent: 8, maxTotal: 256, idleTimeoutMs: 15 * 60_000 });

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly closing = new Map<Session, Promise<void>>();
  /** Sessions being opened (room made, not yet added), per agent and in all. */
  private readonly opening = new Map<string, number>();
  private openingTotal = 0;

  constructor(readonly limits: SessionLimits) {}

  /** The session `id` if `agent` owns it on `upstreamName`; otherwise undefined, whatever the reason. */
  find(id: string, agent: string, upstreamName: string): Session | undefined {
    const s = this.sessions.get(id);
    return s && s.agent === agent && s.upstreamName === upstreamName ? s : undefined;
  }

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Makes room for one more session of `agent` and holds it until `release(agent)`; false
   * when there is none to make. Sessions still being opened count: the check and the hold
   * happen before anything is awaited, so concurrent initializes cannot all slip past.
   */
  async makeRoom(agent: string): Promise<boolean> {
    const mine = [...this.sessions.values()].filter((s) => s.agent === agent);
    const opening = this.opening.get(agent) ?? 0;
    let closing: Promise<void> | undefined;
    if (mine.length + opening >= this.limits.maxPerAgent) {
      const idle = mine.filter((s) => s.inflight === 0).sort((a, b) => a.lastSeen - b.lastSeen)[0];
      if (!idle) return false;
      // Leaves `sessions` at once; the rest of closing it is awaited below.
      closing = this.close(idle);
    }
    if (this.sessions.size + this.openingTotal >= this.limits.maxTotal) {
      await closing;
      return false;
    }
    this.opening.set(agent, opening + 1);
    this.openingTotal++;
    await closing;
    return true;
  }

  /** Ends the hold `makeRoom` took: the session was added, or will never be. */
  release(agent: string): void {
    const n = this.opening.get(agent) ?? 0;
    if (n <= 0) return;
    if (n === 1) this.opening.delete(agent);
    else this.opening.set(agent, n - 1);
    this.openingTotal--;
  }

  /** Closes a session: the client side, the outcomes still being recorded, then the child. */
  close(session: Session): Promise<void> {
    let p = this.closing.get(session);
    if (!p) {
      this.sessions.delete(session.id);
      p = (async () => {
        await session.transport.close().catch(() => undefined);
        await session.proxy.close();
        await session.upstream.close();
      })();
      this.closing.set(session, p);
      void p.finally(() => this.closing.delete(session));
    }
    return p;
  }

  /** Closes the sessions idle for longer than the limit, and those whose upstream has stopped; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    const stale = [...this.sessions.values()].filter((s) => s.inflight === 0 && (now - s.lastSeen > this.limits.idleTimeoutMs || !s.upstream.running));
    await Promise.all(stale.map((s) => this.close(s)));
    return stale.length;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
    await Promise.all([...this.closing.values()]);
  }
}

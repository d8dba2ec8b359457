/**
 * The human-in-the-loop queue. Rules that hold whatever the entry point:
 * - only humans resolve approvals (the HTTP layer admits approver keys only; agents never);
 * - an approval is bound to one exact call and is used at most once (see decisions/);
 * - it expires (then the call is denied);
 * - for tools in category `permissions`, the approver must not be a human in the action's
 *   own chain (four eyes).
 */
import { WardenError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { ApprovalRecord, ApprovalStatus, ApprovalStore } from '../store/decision-types.js';
import { ApprovalCodes } from './errors.js';

export interface ApprovalQueueDeps {
  approvals: ApprovalStore;
  events: EventBus;
  now: () => Date;
}

/** How often a waiter re-reads the store, for resolutions made by another process. */
const POLL_MS = 250;

/**
 * Requests one caller (an agent, a human's key) may hold waiting (`?wait=`) at once: as
 * many as an agent may have calls pending. Each holds a connection and a timer.
 */
export const MAX_WAITS_PER_CALLER = 100;
/** Requests this process holds waiting at once for agents, all together. */
export const MAX_WAITS = 10_000;
/** The same for humans (approvers' long polls), apart: agents filling theirs cannot shut approvers out. */
export const MAX_HUMAN_WAITS = 1_000;

export class ApprovalQueue {
  /** What waiters watch, by approval id: one poll and one event listener serve them all. */
  private readonly watched = new Map<string, Set<() => void>>();
  private poller: NodeJS.Timeout | undefined;
  private polling = false;
  /** The one event-bus listener, while anything is watched. */
  private unsubscribe: (() => void) | undefined;
  /** Wait slots held, by caller. */
  private readonly waits = new Map<string, number>();
  /** Slots held in all, by agents and by humans. */
  private readonly held = { agents: 0, humans: 0 };

  constructor(private readonly deps: ApprovalQueueDeps) {}

  async get(id: string): Promise<ApprovalRecord> {
    const rec = await this.deps.approvals.get(id);
    if (!rec) throw new WardenError(ApprovalCodes.APPROVAL_NOT_FOUND, `no approval \`${id}\``);
    return this.withLazyExpiry(rec);
  }

  async list(q: { status?: ApprovalStatus; agent?: string; limit: number }): Promise<ApprovalRecord[]> {
    await this.sweep();
    return this.deps.approvals.list(q);
  }

  approve(id: string, approver: string, comment?: string): Promise<ApprovalRecord> {
    return this.resolve(id, 'approved', approver, comment);
  }

  deny(id: string, approver: string, comment?: string): Promise<ApprovalRecord> {
    return this.resolve(id, 'denied', approver, comment);
  }

  private async resolve(id: string, status: 'approved' | 'denied', approver: string, comment: string | undefined): Promise<ApprovalRecord> {
    if (!approver.startsWith('human:')) {
      // INVARIANT: agents never approve; the HTTP layer already refuses them, this is the backstop.
      throw new WardenError('FORBIDDEN', 'only a human may resolve an approval');
    }
    const rec = await this.get(id);
    if (rec.status === 'expired') throw new WardenError(ApprovalCodes.APPROVAL_EXPIRED, `approval \`${id}\` expired at ${rec.expiresAt}`);
    if (rec.status !== 'pending') throw new WardenError(ApprovalCodes.APPROVAL_NOT_PENDING, `approval \`${id}\` is already ${rec.status}`);
    if (status === 'approved' && rec.categories.includes('permissions') && (rec.origin === approver || rec.chain.includes(approver))) {
      throw new WardenError(
        ApprovalCodes.SELF_APPROVAL,
        `\`${approver}\` is in this action's own chain and may not approve a permission change: another approver must`,
      );
    }
    const at = this.deps.now().toISOString();
    const ok = await this.deps.approvals.resolve(id, status, approver, at, comment ?? null, {
      type: `approval.${status}`,
      actor: approver,
      subject: `approval:${id}`,
      time: at,
      data: { id, decision: rec.decisionId, agent: rec.agent, tool: rec.tool, argsDigest: rec.argsDigest, ...(comment ? { comment } : {}) },
    });
    if (!ok) {
      const now = await this.get(id);
      if (now.status === 'expired') throw new WardenError(ApprovalCodes.APPROVAL_EXPIRED, `approval \`${id}\` expired at ${now.expiresAt}`);
      if (now.status === 'pending') {
        throw new WardenError(
          ApprovalCodes.APPROVAL_AGENT_INACTIVE,
          `an agent of approval \`${id}\`'s chain (${now.chain.map((a) => `\`${a}\``).join(', ')}) is not active: nothing of it may be approved`,
        );
      }
      throw new WardenError(ApprovalCodes.APPROVAL_NOT_PENDING, `approval \`${id}\` is already ${now.status}`);
    }
    const after = await this.get(id);
    this.deps.events.emit('approval.resolved', { id, status, by: approver, agent: rec.agent, tool: rec.tool }, at);
    return after;
  }

  /** Expires every pending approval whose time is up; each expiry is an audit entry. */
  async sweep(): Promise<number> {
    const now = this.deps.now().toISOString();
    const overdue = await this.deps.approvals.overdue(now, 500);
    let n = 0;
    for (const rec of overdue) if (await this.expire(rec, now)) n++;
    return n;
  }

  /** Expires one overdue pending approval, on the record; false if it was not (any more). */
  private async expire(rec: ApprovalRecord, now: string): Promise<boolean> {
    const ok = await this.deps.approvals.resolve(rec.id, 'expired', null, now, null, {
      type: 'approval.expired',
      actor: 'system',
      subject: `approval:${rec.id}`,
      time: now,
      data: { id: rec.id, decision: rec.decisionId, agent: rec.agent, tool: rec.tool },
    });
    if (ok) this.deps.events.emit('approval.resolved', { id: rec.id, status: 'expired', by: null, agent: rec.agent, tool: rec.tool }, now);
    return ok;
  }

  /**
   * Withdraws every open approval of a suspended agent: pending ones are denied, and approved
   * ones not yet used are voided, so nothing approved before the kill switch can be let
   * through after a resume.
   */
  async cancelForAgent(agent: string, actor: string): Promise<number> {
    const now = this.deps.now().toISOString();
    let n = 0;
    for (const rec of await this.deps.approvals.pendingForAgent(agent)) {
      const ok = await this.deps.approvals.resolve(rec.id, 'denied', actor, now, 'agent suspended', {
        type: 'approval.denied',
        actor,
        subject: `approval:${rec.id}`,
        time: now,
        data: { id: rec.id, decision: rec.decisionId, agent, tool: rec.tool, comment: 'agent suspended' },
      });
      if (ok) {
        n++;
        this.deps.events.emit('approval.resolved', { id: rec.id, status: 'denied', by: actor, agent, tool: rec.tool }, now);
      }
    }
    for (const rec of await this.deps.approvals.unusedApprovedForAgent(agent)) {
      const ok = await this.deps.approvals.void(rec.id, now, {
        type: 'approval.voided',
        actor,
        subject: `approval:${rec.id}`,
        time: now,
        data: { id: rec.id, decision: rec.decisionId, agent, tool: rec.tool, reason: 'agent suspended' },
      });
      if (ok) n++;
    }
    return n;
  }

  /**
   * Waits until the approval leaves `pending` or `seconds` pass, whichever is first; resolves
   * with the approval as it then is. Hears resolutions in this process at once, and those
   * made by another process (the CLI) within a poll interval.
   */
  async waitFor(id: string, seconds: number, signal?: AbortSignal): Promise<ApprovalRecord> {
    const first = await this.get(id);
    if (first.status !== 'pending' || seconds <= 0) return first;
    const deadline = Date.now() + seconds * 1000;
    return new Promise<ApprovalRecord>((resolve) => {
      let done = false;
      const finish = async () => {
        if (done) return;
        done = true;
        unwatch();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(await this.get(id).catch(() => first));
      };
      const unwatch = this.watch(id, () => void finish());
      const remaining = Math.max(0, deadline - Date.now());
      // An approval that expires while we wait ends the wait too.
      const expiresIn = Math.max(0, Date.parse(first.expiresAt) - this.deps.now().getTime());
      const timer = setTimeout(() => void finish(), Math.min(remaining, expiresIn + 5));
      const onAbort = () => void finish();
      signal?.addEventListener('abort', onAbort);
      // A client gone before we listened: no one is waiting, stop now.
      if (signal?.aborted) void finish();
    });
  }

  /** Requests waiting now: `caller`'s, or everyone's. */
  waitingRequests(caller?: string): number {
    return caller === undefined ? this.held.agents + this.held.humans : (this.waits.get(caller) ?? 0);
  }

  /**
   * Takes one of `caller`'s wait slots (`agent:…`, `human:…`) for as long as a `?wait=`
   * request holds its connection, and returns its release. Refuses, before anything is
   * decided or read, past MAX_WAITS_PER_CALLER for the caller, or past MAX_WAITS for all
   * agents (MAX_HUMAN_WAITS for all humans) together.
   *
   * @example
   * const release = queue.reserveWait('agent:forum-helper');
   * try { await queue.waitFor(id, 30); } finally { release(); }
   * // or: await queue.holdingWaitSlot('agent:forum-helper', () => queue.waitFor(id, 30));
   */
  reserveWait(caller: string): () => void {
    const mine = this.waits.get(caller) ?? 0;
    if (mine >= MAX_WAITS_PER_CALLER) {
      throw new WardenError(
        ApprovalCodes.TOO_MANY_WAITS,
        `\`${caller}\` already has ${MAX_WAITS_PER_CALLER} requests waiting; let one end, or ask without \`wait\` and read the approval later`,
      );
    }
    const pool = caller.startsWith('human:') ? 'humans' : 'agents';
    const bound = pool === 'humans' ? MAX_HUMAN_WAITS : MAX_WAITS;
    if (this.held[pool] >= bound) {
      throw new WardenError(ApprovalCodes.TOO_MANY_WAITS, `this server already holds ${bound} waiting requests from ${pool}; ask without \`wait\` and read the approval later`);
    }
    this.waits.set(caller, mine + 1);
    this.held[pool]++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.waits.get(caller) ?? 1) - 1;
      if (left === 0) this.waits.delete(caller);
      else this.waits.set(caller, left);
      this.held[pool]--;
    };
  }

  /** Runs `f` holding one of `caller`'s wait slots (`reserveWait`); with no caller, none. */
  async holdingWaitSlot<T>(caller: string | undefined, f: () => Promise<T>): Promise<T> {
    const release = caller === undefined ? undefined : this.reserveWait(caller);
    try {
      return await f();
    } finally {
      release?.();
    }
  }

  /**
   * Calls `resolved` once the approval is heard resolved on the event bus or seen out of
   * `pending` by the shared poll, which reads each watched id once per interval however
   * many wait for it. One listener serves every waiter, so an event costs the same however
   * many wait. Returns the unwatch.
   */
  private watch(id: string, resolved: () => void): () => void {
    let waiters = this.watched.get(id);
    if (waiters === undefined) {
      waiters = new Set();
      this.watched.set(id, waiters);
    }
    waiters.add(resolved);
    this.poller ??= setInterval(() => void this.poll(), POLL_MS);
    this.unsubscribe ??= this.deps.events.subscribe((e) => {
      if (e.type !== 'approval.resolved' || typeof e.data.id !== 'string') return;
      for (const done of [...(this.watched.get(e.data.id) ?? [])]) done();
    });
    return () => {
      waiters.delete(resolved);
      if (waiters.size === 0 && this.watched.get(id) === waiters) this.watched.delete(id);
      if (this.watched.size > 0) return;
      if (this.poller !== undefined) clearInterval(this.poller);
      this.poller = undefined;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    };
  }

  private async poll(): Promise<void> {
    // A slow store must not pile polls on top of each other.
    if (this.polling) return;
    this.polling = true;
    try {
      for (const [id, waiters] of [...this.watched]) {
        const rec = await this.get(id).catch(() => undefined);
        if (rec !== undefined && rec.status !== 'pending') for (const resolved of [...waiters]) resolved();
      }
    } finally {
      this.polling = false;
    }
  }

  private async withLazyExpiry(rec: ApprovalRecord): Promise<ApprovalRecord> {
    if (rec.status !== 'pending' || Date.parse(rec.expiresAt) > this.deps.now().getTime()) return rec;
    // This one itself, not only what a sweep of the oldest reaches: a backlog of overdue
    // approvals must not leave this one reading `pending`.
    await this.expire(rec, this.deps.now().toISOString());
    await this.sweep();
    return (await this.deps.approvals.get(rec.id)) ?? rec;
  }
}

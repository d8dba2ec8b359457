/**
 * The policy in force: the latest version accepted by `PUT /v1/policies` (the default pack
 * until then), compiled once per version. A version written by another process is noticed
 * on the next decision (one indexed read of the latest sequence number).
 */
import { WardenError } from '../errors.js';
import type { AuditEvent } from '../store/audit-types.js';
import type { DecisionRecord, DecisionStore, PolicyInput, PolicyStore } from '../store/decision-types.js';
import type { PolicyEvaluator, PolicyOutcome } from '../decisions/types.js';
import { PolicyEngine, type CallRequest, type DelegateRequest, type PolicyEvaluation } from './engine.js';
import { readDefaultPolicies } from './pack.js';

export interface SimulationChange {
  decisionId: string;
  time: string;
  agent: string;
  tool: string;
  recorded: 'allow' | 'deny' | 'pending';
  simulated: 'allow' | 'deny' | 'pending';
  determining: string[];
}

export interface SimulationReport {
  from: string;
  to: string;
  candidateVersion: string;
  /** Decisions the policy actually evaluated in the window (out-of-scope ones never reach it). */
  replayed: number;
  unchanged: number;
  changes: SimulationChange[];
}

const RECHECK_MS = 1000;

/** Why a version did not load: Cedar's messages (with line and column) when there are some. */
function whyNot(err: unknown): string {
  const messages = err instanceof WardenError ? err.details?.messages : undefined;
  if (Array.isArray(messages) && messages.length > 0) return messages.join('; ');
  return err instanceof Error ? err.message : String(err);
}

export class PolicyService implements PolicyEvaluator {
  private engine: PolicyEngine | undefined;
  private seq = -1;
  private checkedAt = 0;
  /** The version in force that did not load, and why: thrown until another is stored. */
  private failure: { seq: number; error: unknown } | undefined;
  private readonly defaultText = readDefaultPolicies()
    .map((s) => s.text)
    .join('\n');

  constructor(
    private readonly store: PolicyStore,
    private readonly decisions: DecisionStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The engine for the version in force, reloaded only when a new version was stored. A PUT
   * in this process takes effect at once; one made by another process within
   * `RECHECK_MS` (the store is asked at most that often, not on every decision).
   */
  async current(): Promise<PolicyEngine> {
    const nowMs = Date.now();
    if (nowMs - this.checkedAt < RECHECK_MS) {
      if (this.engine !== undefined) return this.engine;
      if (this.failure !== undefined) throw this.failure.error;
    }
    this.checkedAt = nowMs;
    const seq = await this.store.currentSeq();
    if (this.failure?.seq === seq) throw this.failure.error;
    if (this.engine === undefined || seq !== this.seq) {
      const rec = seq === 0 ? undefined : await this.store.current();
      try {
        this.engine = PolicyEngine.load({ policies: rec?.text ?? this.defaultText, accepted: true });
      } catch (error) {
        // INVARIANT: only the version in force decides. One that does not load leaves no
        // engine, and every decision is denied until another is stored: the version
        // before it does not go on answering.
        this.engine = undefined;
        this.failure = { seq, error };
        throw error;
      }
      this.failure = undefined;
      this.seq = seq;
    }
    return this.engine;
  }

  /**
   * The version in force and its text. One that does not load is shown too, with why
   * (`error`), so that an operator can see what to replace: decisions are denied meanwhile.
   */
  async text(): Promise<{ version: string; policies: string; source: 'default' | 'stored'; error?: string }> {
    try {
      const engine = await this.current();
      const rec = this.seq === 0 ? undefined : await this.store.current();
      return { version: engine.version, policies: rec?.text ?? this.defaultText, source: rec ? 'stored' : 'default' };
    } catch (err) {
      const rec = await this.store.current();
      if (rec === undefined) throw err;
      return { version: rec.version, policies: rec.text, source: 'stored', error: `this version does not load, so every decision is denied: ${whyNot(err)}` };
    }
  }

  async version(): Promise<string> {
    return (await this.current()).version;
  }

  async evaluate(input: PolicyInput): Promise<PolicyOutcome> {
    const engine = await this.current();
    const result = engine.evaluate(input as unknown as CallRequest);
    return { version: engine.version, decision: result.decision, determining: [...result.determining], reasons: [...result.reasons] };
  }

  /** Cedar's `delegate` action: may this agent hand work to that one? */
  async evaluateDelegation(input: DelegateRequest): Promise<PolicyEvaluation> {
    return (await this.current()).evaluateDelegation(input);
  }

  /**
   * Validates `text` against the schema (throws INVALID_POLICY with Cedar's messages, and
   * nothing changes) and makes it the version in force. Each accepted version is an audit entry.
   */
  async put(text: string, actor: string): Promise<{ version: string }> {
    const engine = PolicyEngine.load({ policies: text });
    const at = this.now().toISOString();
    const event: AuditEvent = {
      type: 'policy.updated',
      actor,
      subject: 'policy',
      time: at,
      data: { version: engine.version, policies: engine.policies.map((p) => ({ id: p.id, effect: p.effect, ...(p.approval ? { approval: p.approval } : {}) })), text },
    };
    await this.store.insert({ version: engine.version, text, createdAt: at, createdBy: actor }, event);
    this.checkedAt = 0;
    return { version: engine.version };
  }

  /**
   * Replays the decisions recorded in [from, to) under candidate policy text and lists
   * what would change. Nothing is recorded.
   */
  async simulate(text: string, from: string, to: string, limit = 10_000): Promise<SimulationReport> {
    const candidate = PolicyEngine.load({ policies: text });
    const recorded = await this.decisions.search({ from, to, limit });
    const changes: SimulationChange[] = [];
    let replayed = 0;
    for (const [i, d] of recorded.entries()) {
      // A long replay runs in slices, so the server keeps answering decisions meanwhile.
      if (i > 0 && i % SIMULATE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      if (d.policyInput === null) continue;
      const before = policyOutcomeOf(d);
      if (before === undefined) continue;
      replayed++;
      const after = candidate.evaluate(d.policyInput as unknown as CallRequest);
      if (after.decision !== before) {
        changes.push({ decisionId: d.id, time: d.time, agent: d.agent, tool: d.tool, recorded: before, simulated: after.decision, determining: [...after.determining] });
      }
    }
    return { from, to, candidateVersion: candidate.version, replayed, unchanged: replayed - changes.length, changes };
  }
}

/** Replayed decisions between two turns of the event loop (about 10–20 ms of evaluation here). */
const SIMULATE_SLICE = 1000;

/**
 * What the policy said at the time: a held call that was later approved, refused or left
 * to expire, or denied only because its agent's approval queue was full, was `pending`.
 */
function policyOutcomeOf(d: DecisionRecord): 'allow' | 'deny' | 'pending' | undefined {
  const codes = new Set(d.reasons.map((r) => r.code));
  if (codes.has('DECISION_ERROR')) return undefined;
  if (codes.has('APPROVAL_USED') || codes.has('APPROVAL_DENIED') || codes.has('APPROVAL_EXPIRED') || codes.has('APPROVAL_QUEUE_FULL')) return 'pending';
  return d.decision;
}

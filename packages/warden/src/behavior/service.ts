/**
 * Behaviour as the decision pipeline uses it: each agent's baseline loaded once and kept in
 * a bounded cache, every action scored against it, allowed actions folded in (O(1)), and
 * changed baselines written back in batches (once a second and at shutdown) rather than on
 * the decision path.
 *
 * Baselines are derived data: a crash loses at most the last second of learning, never a
 * decision (those are in the audit log).
 */
import type { RiskInput, RiskResult, RiskScorer } from '../decisions/types.js';
import type { BaselineStore } from '../store/decision-types.js';
import { emptyBaseline, noteAttempt, parseBaseline, updateBaseline, type Baseline } from './baseline.js';
import type { ResolvedScoreConfig, ScoreConfigInput } from './config.js';
import { resolveScoreConfig } from './config.js';
import type { IntentJudge } from './intent.js';
import { scoreAction, scoreActionWithJudge } from './score.js';
import { summarizeBaseline, type BaselineSummary } from './summary.js';
import { FactorCodes } from './types.js';

/** Factor codes that come from reading the arguments: the policy sees them as `context.findings`. */
const DETECTOR_CODES: ReadonlySet<string> = new Set([
  FactorCodes.SECRET_IN_ARGS,
  FactorCodes.PII_IN_ARGS,
  FactorCodes.PERMISSION_WIDENING,
  FactorCodes.DESTRUCTIVE_COMMAND,
  FactorCodes.OUTBOUND_URL,
  FactorCodes.DATA_EXFILTRATION,
  FactorCodes.ENCODED_BLOB,
  FactorCodes.BULK_READ,
]);

export interface BehaviorOptions {
  config?: ScoreConfigInput;
  /** An extra opinion on intent (a model); the lexicon is always consulted. */
  judge?: IntentJudge;
  sensitiveTargets?: readonly string[];
  /** Baselines kept in memory at most; the least recently used are written back and dropped. */
  maxCached?: number;
  flushIntervalMs?: number;
  now?: () => Date;
}

export interface ImportEvent {
  time: string;
  agent: string;
  tool: string;
  categories: string[];
  target?: string;
  intent?: string;
}

export class BehaviorService implements RiskScorer {
  private readonly cache = new Map<string, Baseline>();
  private readonly dirty = new Set<string>();
  /** Agents whose baselines a flush is writing now (how many flushes): not evicted meanwhile. */
  private readonly writing = new Map<string, number>();
  private readonly config: ResolvedScoreConfig;
  private readonly maxCached: number;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => Date;

  constructor(
    private readonly store: BaselineStore,
    private readonly options: BehaviorOptions = {},
  ) {
    this.config = resolveScoreConfig(options.config);
    this.maxCached = options.maxCached ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.timer = setInterval(() => void this.flush().catch(() => undefined), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  async score(input: RiskInput): Promise<RiskResult> {
    const baseline = await this.baseline(input.agent);
    // No spreads on this path: V8 keeps objects built this way fast.
    const scoreInput = {
      baseline,
      action: { time: input.time, agent: input.agent, tool: input.tool, categories: input.categories, target: input.target, args: input.args },
      task: input.intent === undefined ? undefined : { intent: input.intent },
      // The scorer counts agents in the chain; the credential counts hops below the first.
      chain: { depth: input.depth + 1 },
      sensitiveTargets: this.options.sensitiveTargets,
      config: this.config,
    };
    const result = this.options.judge ? await scoreActionWithJudge(scoreInput, this.options.judge) : scoreAction(scoreInput);
    return {
      score: result.score,
      factors: result.factors,
      findings: result.factors.filter((f) => DETECTOR_CODES.has(f.code)).map((f) => f.code),
    };
  }

  async learn(input: RiskInput): Promise<void> {
    const baseline = await this.baseline(input.agent);
    updateBaseline(baseline, { time: input.time, tool: input.tool, categories: input.categories, target: input.target, intent: input.intent }, { lexicon: this.config.judge.lexicon });
    this.dirty.add(input.agent);
  }

  async attempted(input: RiskInput): Promise<void> {
    noteAttempt(await this.baseline(input.agent), input.time);
    this.dirty.add(input.agent);
  }

  /** Seeds baselines from past activity, oldest first. Returns how many actions per agent. */
  async import(events: readonly ImportEvent[]): Promise<Record<string, number>> {
    const sorted = [...events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    const counts: Record<string, number> = {};
    for (const e of sorted) {
      await this.learn({ time: new Date(e.time), agent: e.agent, tool: e.tool, categories: e.categories, ...(e.target === undefined ? {} : { target: e.target }), ...(e.intent === undefined ? {} : { intent: e.intent }), depth: 0 });
      counts[e.agent] = (counts[e.agent] ?? 0) + 1;
    }
    await this.flush();
    return counts;
  }

  async summary(agent: string): Promise<BaselineSummary> {
    return summarizeBaseline(await this.baseline(agent), { agent });
  }

  /**
   * Writes changed baselines back in one transaction. If the write fails, they are still
   * changed: marked again, so the next flush writes them (and eviction keeps them).
   */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const at = this.now().toISOString();
    const rows: Array<{ agent: string; data: string; at: string }> = [];
    for (const agent of this.dirty) {
      const b = this.cache.get(agent);
      if (b) rows.push({ agent, data: JSON.stringify(b), at });
    }
    this.dirty.clear();
    for (const row of rows) this.writing.set(row.agent, (this.writing.get(row.agent) ?? 0) + 1);
    try {
      await this.store.putMany(rows);
    } catch (err) {
      for (const row of rows) this.dirty.add(row.agent);
      throw err;
    } finally {
      for (const row of rows) {
        const n = (this.writing.get(row.agent) ?? 1) - 1;
        if (n > 0) this.writing.set(row.agent, n);
        else this.writing.delete(row.agent);
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async baseline(agent: string): Promise<Baseline> {
    const cached = this.cache.get(agent);
    if (cached) {
      // Most recently used last: Map keeps insertion order.
      this.cache.delete(agent);
      this.cache.set(agent, cached);
      return cached;
    }
    const stored = await this.store.get(agent);
    let b: Baseline;
    try {
      b = stored === undefined ? emptyBaseline() : parseBaseline(stored);
    } catch {
      // A baseline is derived data: a corrupt one is relearned, never a reason to refuse.
      b = emptyBaseline();
    }
    this.cache.set(agent, b);
    if (this.cache.size > this.maxCached) await this.evict(agent);
    return b;
  }

  /** Drops the least recently used baselines down to the bound, never `keep` (the one asked for). */
  private async evict(keep: string): Promise<void> {
    try {
      await this.flush();
    } catch {
      // Baselines are derived data: a store that cannot take them is no reason to refuse a
      // score. What could not be written stays in memory, marked, up to twice the bound.
    }
    for (const key of this.cache.keys()) {
      if (this.cache.size <= this.maxCached) break;
      // Unwritten (changed, or being written by a flush that may yet fail) stays, bounded.
      const unwritten = this.dirty.has(key) || this.writing.has(key);
      if (key === keep || (unwritten && this.cache.size <= 2 * this.maxCached)) continue;
      this.cache.delete(key);
      this.dirty.delete(key);
    }
  }
}

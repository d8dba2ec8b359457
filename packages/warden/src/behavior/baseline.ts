/**
 * The per-agent baseline: what this agent usually does, in a plain JSON object the store
 * persists as one blob, updated in O(1) amortised per action.
 *
 * Memory is bounded whatever the history: every count map has a cap, and when a new key
 * arrives at the cap the least-counted keys (oldest first among equals) are evicted down
 * to 80% of it. Every `decayEvery` actions all counts are halved and keys that fall
 * below one half are dropped, so old habits fade and rare keys age out.
 *
 * Maps are null-prototype objects: tool names and targets are outside input, and a
 * target called `__proto__` or `constructor` must count like any other.
 */
import type { Category } from './types.js';
import { hourOfWeek, normalizeCategories, toMillis } from './types.js';
import type { CompiledLexicon } from './lexicon.js';
import { defaultLexicon } from './lexicon.js';
import { targetPrefix } from './targets.js';

export const BASELINE_VERSION = 1;

/** A capped count map. `size` is kept so the cap check is O(1). */
export interface CountMap {
  size: number;
  /** Keys evicted or aged out so far (for the summary). */
  evicted: number;
  counts: Record<string, number>;
}

export interface Baseline {
  version: typeof BASELINE_VERSION;
  /** Actions seen, ever (not decayed). */
  total: number;
  /** Epoch milliseconds of the first and last action, `null` before any. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Tool of the last action, for transitions. */
  lastTool: string | null;
  tools: CountMap;
  categories: CountMap;
  /** Target prefixes (`targetPrefix`): the first two path segments. */
  targets: CountMap;
  /** `from → to` within one session. */
  transitions: CountMap;
  /** Intent action word (`draft`) and action word × category (`draft>publish`). */
  intents: CountMap;
  /** 168 bins, hour of the week in UTC, Monday 00:00 first. */
  hours: number[];
  /** Sum of `hours` (decays with it). */
  hoursTotal: number;
  rate: {
    /** Time constant of `recent`, in milliseconds. */
    tauMs: number;
    /**
     * Exponentially decayed count of recent attempts, learned or not (`updateBaseline`
     * and `noteAttempt`): at a steady r per ms, ≈ r · tauMs.
     */
    recent: number;
    /** Epoch milliseconds `recent` was last brought up to date, `null` before any. */
    at: number | null;
    /** EWMA of `recent` as seen at each learned action: the agent's usual level. */
    typical: number;
    /** Consecutive attempts whose gap to the one before was faster than the agent ever goes. */
    fastStreak: number;
  };
  /**
   * Gaps between learned actions within a session, in 16 bins: bin i holds gaps in
   * [250·2^i, 250·2^(i+1)) ms (bin 0 also everything shorter). The agent's pace.
   */
  gaps: number[];
  gapsTotal: number;
  /** Times counts were halved. */
  decays: number;
  /** Actions since the last halving. */
  sinceDecay: number;
}

export interface BaselineLimits {
  tools: number;
  categories: number;
  targets: number;
  transitions: number;
  intents: number;
  /** Halve every count after this many actions. */
  decayEvery: number;
  /** A pause longer than this ends a session: no transition is counted across it. */
  sessionGapMs: number;
  /** Time constant of the rate's decayed count (set when the baseline is created). */
  rateTauMs: number;
  /** Weight of each new observation in the usual rate. */
  typicalAlpha: number;
  /** A gap is fast when the agent's gaps this short or shorter are under this share … */
  fastGapShare: number;
  /** … of at least this many recorded gaps. */
  fastGapMinHistory: number;
}

export const DEFAULT_BASELINE_LIMITS: Readonly<BaselineLimits> = Object.freeze({
  tools: 200,
  categories: 32,
  targets: 200,
  transitions: 500,
  intents: 500,
  decayEvery: 20_000,
  sessionGapMs: 30 * 60_000,
  rateTauMs: 10 * 60_000,
  typicalAlpha: 0.02,
  fastGapShare: 0.01,
  fastGapMinHistory: 50,
});

export const GAP_BINS = 16;
const GAP_UNIT_MS = 250;

/** Bin of a gap in `gaps`. */
export function gapBin(ms: number): number {
  if (ms < 2 * GAP_UNIT_MS) return 0;
  return Math.min(GAP_BINS - 1, Math.floor(Math.log2(ms / GAP_UNIT_MS)));
}

/**
 * Is `gapMs` faster than this agent goes: its gaps in that bin or shorter are under
 * `fastGapShare` of a long enough history?
 */
export function isFastGap(b: Baseline, gapMs: number, limits: Readonly<BaselineLimits> = DEFAULT_BASELINE_LIMITS): boolean {
  if (gapMs < 0 || b.gapsTotal < limits.fastGapMinHistory) return false;
  const bin = gapBin(gapMs);
  let below = 0;
  for (let i = 0; i <= bin; i++) below += b.gaps[i] ?? 0;
  return below / b.gapsTotal < limits.fastGapShare;
}

/** Longest key kept in a count map. */
const MAX_KEY = 200;

function emptyMap(): CountMap {
  return { size: 0, evicted: 0, counts: Object.create(null) as Record<string, number> };
}

/**
 * A baseline with no history.
 *
 * @example
 * const b = emptyBaseline();
 * JSON.stringify(b); // safe to persist as is
 */
export function emptyBaseline(limits: Partial<BaselineLimits> = {}): Baseline {
  return {
    version: BASELINE_VERSION,
    total: 0,
    firstSeen: null,
    lastSeen: null,
    lastTool: null,
    tools: emptyMap(),
    categories: emptyMap(),
    targets: emptyMap(),
    transitions: emptyMap(),
    intents: emptyMap(),
    hours: new Array<number>(168).fill(0),
    hoursTotal: 0,
    rate: { tauMs: limits.rateTauMs ?? DEFAULT_BASELINE_LIMITS.rateTauMs, recent: 0, at: null, typical: 0, fastStreak: 0 },
    gaps: new Array<number>(GAP_BINS).fill(0),
    gapsTotal: 0,
    decays: 0,
    sinceDecay: 0,
  };
}

/** What `updateBaseline` needs of an action. */
export interface BaselineAction {
  time: number | string | Date;
  tool: string;
  categories: readonly string[];
  target?: string;
  /** The task's declared intent, if any. */
  intent?: string;
}

export interface UpdateOptions {
  limits?: Partial<BaselineLimits>;
  /** The lexicon that turns intents into words (the scoring one). Default: the default lexicon. */
  lexicon?: CompiledLexicon;
}

/** Key of a transition in `transitions`. */
export function transitionKey(from: string, to: string): string {
  return `${from} → ${to}`;
}

/** Key of an intent word × category in `intents`. */
export function intentKey(word: string, category: Category): string {
  return `${word}>${category}`;
}

/**
 * Folds one action into the baseline (mutates and returns it). O(1) amortised.
 *
 * @example
 * updateBaseline(b, { time: Date.now(), tool: 'forum.read', categories: ['read'], target: 'forum/q/4721' });
 */
export function updateBaseline(b: Baseline, action: BaselineAction, options: UpdateOptions = {}): Baseline {
  const lim = options.limits ? { ...DEFAULT_BASELINE_LIMITS, ...options.limits } : DEFAULT_BASELINE_LIMITS;
  const t = toMillis(action.time);
  const tool = clip(action.tool);
  const cats = normalizeCategories(action.categories);

  const recent = advanceRate(b, t, lim);
  b.rate.typical = b.total === 0 ? recent : b.rate.typical + lim.typicalAlpha * (recent - b.rate.typical);

  const dt = b.lastSeen === null ? Infinity : t - b.lastSeen;
  if (dt >= 0 && dt <= lim.sessionGapMs) {
    const bin = gapBin(dt);
    b.gaps[bin] = (b.gaps[bin] ?? 0) + 1;
    b.gapsTotal += 1;
  }
  if (b.lastTool !== null && dt >= 0 && dt <= lim.sessionGapMs) {
    bump(b.transitions, transitionKey(b.lastTool, tool), lim.transitions);
  }
  bump(b.tools, tool, lim.tools);
  for (const c of cats) bump(b.categories, c, lim.categories);
  if (typeof action.target === 'string' && action.target !== '') {
    const prefix = targetPrefix(action.target);
    if (prefix !== '') bump(b.targets, prefix, lim.targets);
  }
  if (typeof action.intent === 'string' && action.intent !== '') {
    const parsed = (options.lexicon ?? defaultLexicon()).parse(action.intent);
    if (parsed !== null) {
      for (const w of parsed.actions) {
        bump(b.intents, w, lim.intents);
        for (const c of cats) bump(b.intents, intentKey(w, c), lim.intents);
      }
    }
  }
  const how = hourOfWeek(t);
  b.hours[how] = (b.hours[how] ?? 0) + 1;
  b.hoursTotal += 1;

  b.total += 1;
  if (b.firstSeen === null || t < b.firstSeen) b.firstSeen = t;
  if (b.lastSeen === null || t >= b.lastSeen) {
    b.lastSeen = t;
    b.lastTool = tool;
  }
  if (++b.sinceDecay >= lim.decayEvery) decay(b);
  return b;
}

/**
 * Counts an attempt that is not learned from (held, denied) in the agent's recent pace,
 * and in nothing else. Call it for every scored action that `updateBaseline` does not
 * get: a burst of refused calls is still a burst. O(1).
 *
 * @example
 * if (decision !== 'allow') noteAttempt(b, Date.now());
 */
export function noteAttempt(b: Baseline, time: number | string | Date, options: Pick<UpdateOptions, 'limits'> = {}): Baseline {
  advanceRate(b, toMillis(time), options.limits ? { ...DEFAULT_BASELINE_LIMITS, ...options.limits } : DEFAULT_BASELINE_LIMITS);
  return b;
}

/**
 * Brings `recent` to time `t` and adds one; extends or ends the fast streak. Out-of-order
 * times count as simultaneous.
 */
function advanceRate(b: Baseline, t: number, lim: Readonly<BaselineLimits>): number {
  const dt = b.rate.at === null ? Infinity : Math.max(0, t - b.rate.at);
  const recent = (dt === Infinity ? 0 : b.rate.recent * Math.exp(-dt / b.rate.tauMs)) + 1;
  b.rate.recent = recent;
  b.rate.fastStreak = dt !== Infinity && isFastGap(b, dt, lim) ? b.rate.fastStreak + 1 : 0;
  if (b.rate.at === null || t > b.rate.at) b.rate.at = t;
  return recent;
}

function clip(key: string): string {
  return key.length > MAX_KEY ? key.slice(0, MAX_KEY) : key;
}

function bump(m: CountMap, rawKey: string, cap: number): void {
  const key = clip(rawKey);
  const c = m.counts[key];
  if (c !== undefined) {
    m.counts[key] = c + 1;
    return;
  }
  // INVARIANT: size <= cap after every update; pruning to 80% makes it O(log cap) amortised.
  if (m.size >= cap) prune(m, Math.floor(cap * 0.8) - 1);
  m.counts[key] = 1;
  m.size += 1;
}

/** Keeps the `keep` most-counted keys; ties go to the most recently inserted. */
function prune(m: CountMap, keep: number): void {
  const entries = Object.entries(m.counts);
  if (entries.length <= keep) return;
  // Stable sort: among equal counts, insertion order, so older keys go first.
  entries.sort((a, b) => a[1] - b[1]);
  const drop = entries.length - Math.max(0, keep);
  for (let i = 0; i < drop; i++) delete m.counts[(entries[i] as [string, number])[0]];
  m.size = entries.length - drop;
  m.evicted += drop;
}

/** Halves every count; keys below one half go. O(caps), once every `decayEvery` actions. */
function decay(b: Baseline): void {
  for (const m of [b.tools, b.categories, b.targets, b.transitions, b.intents]) {
    let size = 0;
    for (const k of Object.keys(m.counts)) {
      const v = (m.counts[k] as number) / 2;
      if (v < 0.5) {
        delete m.counts[k];
        m.evicted += 1;
      } else {
        m.counts[k] = v;
        size += 1;
      }
    }
    m.size = size;
  }
  let sum = 0;
  for (let i = 0; i < 168; i++) {
    const v = (b.hours[i] ?? 0) / 2;
    b.hours[i] = v;
    sum += v;
  }
  b.hoursTotal = sum;
  sum = 0;
  for (let i = 0; i < GAP_BINS; i++) {
    const v = (b.gaps[i] ?? 0) / 2;
    b.gaps[i] = v;
    sum += v;
  }
  b.gapsTotal = sum;
  b.decays += 1;
  b.sinceDecay = 0;
}

export { summarizeBaseline } from './summary.js';
export type { BaselineSummary } from './summary.js';
export { parseBaseline } from './baseline-json.js';

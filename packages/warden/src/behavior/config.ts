/**
 * Scoring configuration: every threshold and every point value in one place, with
 * defaults that `docs/behavior.md` documents and the evaluation measures.
 *
 * Callers pass a partial configuration; it is resolved (defaults laid under it, the
 * lexicon compiled) once per configuration object and cached, so passing the same
 * object on every call costs nothing.
 */
import type { IntentLexicon } from './lexicon.js';
import { DEFAULT_LEXICON, extendLexicon } from './lexicon.js';
import type { IntentPoints } from './intent.js';
import { LexiconJudge } from './intent.js';
import type { DetectorConfig, DetectorConfigInput } from './detectors/config.js';
import { resolveDetectorConfig } from './detectors/config.js';
import { DEFAULT_BASELINE_LIMITS } from './baseline.js';

export interface HabitPoints {
  firstTool: number;
  firstCategory: number;
  /** First use of `publish`, `permissions`, `pii`, `delete` or `financial`. */
  firstSensitiveCategory: number;
  firstTarget: number;
  rareTransition: number;
  /** A burst just over the threshold … */
  rateBurst: number;
  /** … and one at four times the threshold or more. */
  rateBurstMax: number;
  /** An hour just under the rare share … */
  unusualHour: number;
  /** … and one never seen in a long history. */
  unusualHourMax: number;
  sensitiveTarget: number;
  /** A learning agent acting in a sensitive category. */
  sensitiveCategoryLearning: number;
  longChain: number;
  longChainPerHop: number;
  longChainMax: number;
}

export interface ScoreConfig {
  /** Below this many actions an agent is learning: history-based factors are damped. */
  learningActions: number;
  /** Weight of history-based factors for an agent with no history; rises linearly to 1. */
  learningFloor: number;
  points: HabitPoints;
  transitions: {
    /** Uses of the previous tool needed before a transition can be called rare. */
    minFrom: number;
    /** Share of the previous tool's uses under which a transition is rare. */
    rareShare: number;
    /** A longer pause ends the session: no transition across it. */
    sessionGapMs: number;
  };
  rate: {
    /** Actions needed before bursts are judged. */
    minActions: number;
    /** A burst is at least `ratio` times the usual level … */
    ratio: number;
    /** … and at least `minExcess` actions above it (within about ten minutes). */
    minExcess: number;
    /** Or: this many gaps in a row faster than the agent ever goes (machine pace). */
    fastStreak: number;
  };
  hours: {
    /** Actions needed before hours are judged. */
    minActions: number;
    /** Share of actions within ±1 hour (of day, UTC) under which the hour is unusual. */
    rareShare: number;
    /** Share of actions on this weekday (UTC) under which the day is unusual. */
    rareDayShare: number;
    /** History at which an unusual hour gets its full points. */
    fullConfidenceActions: number;
  };
  chain: {
    /** Delegation depth (number of agents in the chain) from which a chain is long. */
    longDepth: number;
  };
  intent: {
    /** Laid over the default lexicon (`extendLexicon`). */
    lexicon?: Partial<IntentLexicon>;
    points?: Partial<IntentPoints>;
  };
  detectors: DetectorConfigInput;
}

export type ScoreConfigInput = {
  [K in keyof ScoreConfig]?: ScoreConfig[K] extends number ? number : Partial<ScoreConfig[K]>;
};

export const DEFAULT_SCORE_CONFIG: Readonly<ScoreConfig> = Object.freeze({
  learningActions: 50,
  learningFloor: 0.2,
  points: Object.freeze({
    firstTool: 20,
    firstCategory: 15,
    firstSensitiveCategory: 25,
    firstTarget: 10,
    rareTransition: 10,
    rateBurst: 30,
    rateBurstMax: 50,
    unusualHour: 15,
    unusualHourMax: 35,
    sensitiveTarget: 25,
    sensitiveCategoryLearning: 20,
    longChain: 10,
    longChainPerHop: 5,
    longChainMax: 25,
  }),
  transitions: Object.freeze({ minFrom: 20, rareShare: 0.01, sessionGapMs: DEFAULT_BASELINE_LIMITS.sessionGapMs }),
  rate: Object.freeze({ minActions: 20, ratio: 3, minExcess: 6, fastStreak: 3 }),
  hours: Object.freeze({ minActions: 100, rareShare: 0.01, rareDayShare: 0.02, fullConfidenceActions: 500 }),
  chain: Object.freeze({ longDepth: 3 }),
  intent: Object.freeze({}),
  detectors: Object.freeze({}),
});

/** A configuration ready for scoring. */
export interface ResolvedScoreConfig extends Omit<ScoreConfig, 'detectors' | 'intent'> {
  judge: LexiconJudge;
  detectors: DetectorConfig;
}

const cache = new WeakMap<object, ResolvedScoreConfig>();
let defaults: ResolvedScoreConfig | undefined;

/**
 * Resolves a partial configuration (cached per object). Throws `INVALID_LEXICON` on a
 * bad lexicon: validate configuration at start by calling this once.
 *
 * @example
 * const cfg = resolveScoreConfig({ detectors: { allowedHosts: ['acme.com'] } });
 */
export function resolveScoreConfig(input?: ScoreConfigInput | ResolvedScoreConfig): ResolvedScoreConfig {
  if (input === undefined) {
    defaults ??= build({});
    return defaults;
  }
  if ('judge' in input && input.judge instanceof LexiconJudge) return input as ResolvedScoreConfig;
  let r = cache.get(input);
  if (!r) {
    r = build(input as ScoreConfigInput);
    cache.set(input, r);
  }
  return r;
}

function build(input: ScoreConfigInput): ResolvedScoreConfig {
  const d = DEFAULT_SCORE_CONFIG;
  const lexInput = input.intent?.lexicon;
  const judge = new LexiconJudge({
    lexicon: lexInput ? extendLexicon(DEFAULT_LEXICON, lexInput) : undefined,
    points: input.intent?.points,
  });
  return Object.freeze({
    learningActions: input.learningActions ?? d.learningActions,
    learningFloor: input.learningFloor ?? d.learningFloor,
    points: { ...d.points, ...input.points },
    transitions: { ...d.transitions, ...input.transitions },
    rate: { ...d.rate, ...input.rate },
    hours: { ...d.hours, ...input.hours },
    chain: { ...d.chain, ...input.chain },
    judge,
    detectors: resolveDetectorConfig(input.detectors),
  });
}

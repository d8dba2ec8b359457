/**
 * Factors from the agent's own history: first use of a tool, a category or a target; a
 * rare transition; a burst against its own pace; an unusual hour.
 *
 * Each weighs in proportion to how much history backs it: a learning agent's "first
 * use" of everything says little, so these factors are damped until the agent has
 * `learningActions` actions, from `learningFloor` up to full weight.
 */
import type { Baseline } from './baseline.js';
import { isFastGap, transitionKey } from './baseline.js';
import type { ResolvedScoreConfig } from './config.js';
import type { Category, Factor } from './types.js';
import { DAY_NAMES, FactorCodes, SENSITIVE_CATEGORIES, hourOfWeek } from './types.js';
import { percent, plural, tick } from './format.js';

/** The action as the habit factors need it. */
export interface HabitAction {
  time: number;
  agent: string;
  tool: string;
  categories: readonly Category[];
  /** `targetPrefix` of the target, or `null` without one. */
  prefix: string | null;
}

/** 1 for an agent with enough history, down to `learningFloor` for none. */
export function maturity(b: Baseline, cfg: ResolvedScoreConfig): number {
  if (b.total >= cfg.learningActions) return 1;
  return cfg.learningFloor + ((1 - cfg.learningFloor) * b.total) / cfg.learningActions;
}

/** Appends the history-based factors for `a` to `out`. */
export function habitFactors(b: Baseline, a: HabitAction, cfg: ResolvedScoreConfig, out: Factor[]): void {
  const w = maturity(b, cfg);
  const p = cfg.points;
  const who = tick(a.agent);
  const never = b.decays === 0 ? 'has never used' : 'has not used recently';
  const scaled = (points: number) => Math.round(points * w);

  const firstTool = b.tools.counts[a.tool] === undefined;
  if (firstTool) {
    out.push({ code: FactorCodes.FIRST_TOOL, points: scaled(p.firstTool), message: `${who} ${never} ${tick(a.tool)} before` });
  }

  let firstCat: Category | null = null;
  for (const c of a.categories) {
    if (c === 'unknown' || b.categories.counts[c] !== undefined) continue;
    if (firstCat === null || (SENSITIVE_CATEGORIES.has(c) && !SENSITIVE_CATEGORIES.has(firstCat))) firstCat = c;
  }
  if (firstCat !== null) {
    const sensitive = SENSITIVE_CATEGORIES.has(firstCat);
    out.push({
      code: FactorCodes.FIRST_CATEGORY,
      points: scaled(sensitive ? p.firstSensitiveCategory : p.firstCategory),
      message: `${who} has never acted in category ${tick(firstCat)} before`,
    });
  }

  if (a.prefix !== null && b.targets.counts[a.prefix] === undefined) {
    out.push({
      code: FactorCodes.FIRST_TARGET,
      points: scaled(p.firstTarget),
      message: `${who} has not touched ${tick(a.prefix)} before`,
    });
  }

  // A new tool is a new transition by definition; counting both would count one fact twice.
  if (!firstTool && b.lastTool !== null && b.lastSeen !== null) {
    const gap = a.time - b.lastSeen;
    const from = b.tools.counts[b.lastTool] ?? 0;
    if (gap >= 0 && gap <= cfg.transitions.sessionGapMs && from >= cfg.transitions.minFrom) {
      const n = b.transitions.counts[transitionKey(b.lastTool, a.tool)] ?? 0;
      if (n / from < cfg.transitions.rareShare) {
        out.push({
          code: FactorCodes.RARE_TRANSITION,
          points: scaled(p.rareTransition),
          message: `${who} rarely goes from ${tick(b.lastTool)} to ${tick(a.tool)} (${Math.round(n)} of ${Math.round(from)} times)`,
        });
      }
    }
  }

  burst(b, a, cfg, out);
  unusualHour(b, a, cfg, out);
}

function burst(b: Baseline, a: HabitAction, cfg: ResolvedScoreConfig, out: Factor[]): void {
  if (b.total < cfg.rate.minActions || b.rate.at === null) return;
  const p = cfg.points;
  const gap = a.time - b.rate.at;
  const dt = Math.max(0, gap);
  const perMin = (level: number) => {
    // A decayed count sampled at each action runs half an action above the rate × tau.
    const r = (Math.max(0, level - 0.5) / b.rate.tauMs) * 60_000;
    return r >= 10 ? Math.round(r) : Math.round(r * 10) / 10;
  };
  let points = 0;
  let message = '';

  // Sustained: the decayed count of recent attempts against the agent's usual level.
  const now = b.rate.recent * Math.exp(-dt / b.rate.tauMs) + 1;
  const typical = b.rate.typical;
  const threshold = Math.max(cfg.rate.ratio * typical, typical + cfg.rate.minExcess);
  if (now >= threshold) {
    // Full points at four times the threshold.
    const k = Math.min(1, (now / threshold - 1) / 3);
    points = p.rateBurst + (p.rateBurstMax - p.rateBurst) * k;
    message = `${tick(a.agent)} is acting at about ${tick(perMin(now))} actions per minute, against its usual ${tick(perMin(typical))}`;
  }

  // Sudden: several gaps in a row shorter than any the agent usually leaves.
  const streak = isFastGap(b, gap) ? b.rate.fastStreak + 1 : 0;
  if (streak >= cfg.rate.fastStreak) {
    const sp = Math.min(p.rateBurstMax, p.rateBurst + 5 * (streak - cfg.rate.fastStreak));
    if (sp > points) {
      points = sp;
      message = `${tick(a.agent)} has acted ${streak} times in a row faster than it usually does (the last gap was ${tick(`${(dt / 1000).toFixed(1)} s`)})`;
    }
  }
  if (points === 0) return;
  out.push({ code: FactorCodes.RATE_BURST, points: Math.round(points * maturity(b, cfg)), message });
}

function unusualHour(b: Baseline, a: HabitAction, cfg: ResolvedScoreConfig, out: Factor[]): void {
  const h = cfg.hours;
  if (b.hoursTotal < h.minActions || b.total < cfg.learningActions) return;
  const how = hourOfWeek(a.time);
  const hod = how % 24;
  const dow = Math.floor(how / 24);
  let around = 0;
  for (let d = 0; d < 7; d++) {
    for (let k = -1; k <= 1; k++) around += b.hours[d * 24 + ((hod + k + 24) % 24)] ?? 0;
  }
  let day = 0;
  for (let k = 0; k < 24; k++) day += b.hours[dow * 24 + k] ?? 0;
  const hourShare = around / b.hoursTotal;
  const dayShare = day / b.hoursTotal;
  const confidence = Math.min(1, b.hoursTotal / h.fullConfidenceActions);
  const p = cfg.points;
  const pts = (share: number, rare: number) => Math.round(p.unusualHour + (p.unusualHourMax - p.unusualHour) * (1 - share / rare) * confidence);

  const hourPts = hourShare < h.rareShare ? pts(hourShare, h.rareShare) : 0;
  const dayPts = dayShare < h.rareDayShare ? pts(dayShare, h.rareDayShare) : 0;
  if (hourPts === 0 && dayPts === 0) return;
  const n = Math.round(b.hoursTotal);
  const hh = (x: number) => `${String((x + 24) % 24).padStart(2, '0')}:00`;
  const message =
    hourPts >= dayPts
      ? `${tick(a.agent)} rarely acts around ${tick(`${hh(hod)} UTC`)}: ${percent(hourShare)} of its ${plural(n, 'action')} fall between ${hh(hod - 1)} and ${hh(hod + 2)}`
      : `${tick(a.agent)} rarely acts on a ${tick(DAY_NAMES[dow])} (UTC): ${percent(dayShare)} of its ${plural(n, 'action')}`;
  out.push({ code: FactorCodes.UNUSUAL_HOUR, points: Math.max(hourPts, dayPts), message });
}

/**
 * A baseline as a person reads it (`GET /v1/agents/:id/baseline`): top tools, categories
 * and targets, usual hours, usual pace, and whether the agent is still learning.
 */
import type { Baseline, CountMap } from './baseline.js';
import { DAY_NAMES } from './types.js';
import { percent, tick } from './format.js';

export interface SummaryEntry {
  name: string;
  count: number;
  /** Share of the agent's (decayed) actions. */
  share: number;
}

export interface BaselineSummary {
  total: number;
  /** ISO 8601, `null` before any action. */
  firstSeen: string | null;
  lastSeen: string | null;
  learning: boolean;
  /** Actions needed before history-based factors count in full. */
  learningActions: number;
  topTools: SummaryEntry[];
  topCategories: SummaryEntry[];
  topTargets: SummaryEntry[];
  usualHours: {
    /** Ranges of UTC hours holding most of the activity, e.g. `08:00-17:00`. */
    utc: string[];
    /** Days (UTC) with a meaningful share of the activity. */
    days: string[];
  };
  rate: {
    /** The agent's usual pace while active. */
    usualPerHour: number;
    /** Its pace as of its last action. */
    recentPerHour: number;
  };
  /** Keys held per map and keys aged out so far: bounded memory made visible. */
  memory: { tools: number; targets: number; transitions: number; evicted: number };
  /** Sentences for the dashboard. */
  text: string[];
}

export interface SummaryOptions {
  agent?: string;
  learningActions?: number;
  top?: number;
}

const HOUR_SHARE = 0.02;
const DAY_SHARE = 0.04;

/**
 * Summarises a baseline for a person.
 *
 * @example
 * summarizeBaseline(b, { agent: 'forum-helper' }).text[0]
 * // '`forum-helper` has a baseline of 4210 actions since 2026-03-01'
 */
export function summarizeBaseline(b: Baseline, options: SummaryOptions = {}): BaselineSummary {
  const learningActions = options.learningActions ?? 50;
  const top = options.top ?? 5;
  const denom = b.hoursTotal > 0 ? b.hoursTotal : 1;
  const who = options.agent ? tick(options.agent) : 'The agent';

  const topTools = topOf(b.tools, top, denom);
  const topCategories = topOf(b.categories, top, denom);
  const topTargets = topOf(b.targets, top, denom);

  const hod = new Array<number>(24).fill(0);
  const dow = new Array<number>(7).fill(0);
  for (let i = 0; i < 168; i++) {
    const v = b.hours[i] ?? 0;
    hod[i % 24] = (hod[i % 24] as number) + v;
    dow[Math.floor(i / 24)] = (dow[Math.floor(i / 24)] as number) + v;
  }
  const utc = b.hoursTotal > 0 ? hourRanges(hod.map((v) => v / denom >= HOUR_SHARE)) : [];
  const days = b.hoursTotal > 0 ? DAY_NAMES.filter((_, i) => (dow[i] as number) / denom >= DAY_SHARE) : [];
  // A decayed count sampled at each action runs half an action above the rate × tau.
  const perHour = (level: number) => round1((Math.max(0, level - 0.5) / b.rate.tauMs) * 3_600_000);
  const usualPerHour = perHour(b.rate.typical);
  const learning = b.total < learningActions;

  const text: string[] = [];
  if (b.total === 0) text.push(`${who} has no recorded activity yet`);
  else if (learning) {
    text.push(`${who} is still learning its habits: ${b.total} of ${learningActions} actions seen`);
  } else {
    text.push(`${who} has a baseline of ${b.total} actions since ${iso(b.firstSeen)?.slice(0, 10)}`);
  }
  if (topTools.length > 0) text.push(`mostly uses ${list(topTools)}`);
  if (topCategories.length > 0) text.push(`acts in categories ${list(topCategories)}`);
  if (topTargets.length > 0) text.push(`usually touches ${list(topTargets)}`);
  if (utc.length > 0) text.push(`usually active ${utc.join(', ')} UTC on ${dayText(days)}`);
  if (b.total > 1) text.push(`usual pace about ${usualPerHour} actions per hour while active`);

  return {
    total: b.total,
    firstSeen: iso(b.firstSeen),
    lastSeen: iso(b.lastSeen),
    learning,
    learningActions,
    topTools,
    topCategories,
    topTargets,
    usualHours: { utc, days: [...days] },
    rate: { usualPerHour, recentPerHour: perHour(b.rate.recent) },
    memory: {
      tools: b.tools.size,
      targets: b.targets.size,
      transitions: b.transitions.size,
      evicted: b.tools.evicted + b.targets.evicted + b.transitions.evicted + b.categories.evicted + b.intents.evicted,
    },
    text,
  };
}

function topOf(m: CountMap, n: number, denom: number): SummaryEntry[] {
  return Object.entries(m.counts)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([name, count]) => ({ name, count: round1(count), share: Math.min(1, count / denom) }));
}

function list(entries: SummaryEntry[]): string {
  return entries.map((e) => `${tick(e.name)} (${percent(e.share)})`).join(', ');
}

/** Contiguous runs of active hours, wrapping midnight: `22:00-06:00`. */
function hourRanges(active: boolean[]): string[] {
  if (active.every(Boolean)) return ['00:00-24:00'];
  // Start just after an inactive hour so a run across midnight stays whole.
  const start = active.findIndex((a, i) => !a && active[(i + 1) % 24]);
  if (start < 0) return [];
  const out: string[] = [];
  let runStart = -1;
  for (let k = 1; k <= 24; k++) {
    const h = (start + k) % 24;
    if (active[h] && runStart < 0) runStart = h;
    if (!active[h] && runStart >= 0) {
      out.push(`${hh(runStart)}-${hh(h)}`);
      runStart = -1;
    }
  }
  if (runStart >= 0) out.push(`${hh(runStart)}-${hh((start + 1) % 24)}`);
  return out;
}

function dayText(days: readonly string[]): string {
  if (days.length === 7) return 'every day';
  if (days.length === 5 && !days.includes('Saturday') && !days.includes('Sunday')) return 'weekdays';
  return days.join(', ');
}

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
const round1 = (x: number) => Math.round(x * 10) / 10;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

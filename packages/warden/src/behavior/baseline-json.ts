/**
 * Reading a persisted baseline back. The store keeps a baseline as a JSON blob; what
 * comes back is checked field by field and its maps rebuilt as null-prototype objects
 * (`JSON.parse` would give `__proto__` keys an ordinary object to misbehave in).
 */
import type { Baseline, CountMap } from './baseline.js';
import { invalidBaseline } from './errors.js';

const MAX_KEYS = 10_000;
// A literal, not an import: baseline.ts re-exports this file, and the cycle stays type-only.
const BASELINE_VERSION: Baseline['version'] = 1;

/**
 * A baseline from its persisted form (a JSON string or the parsed value).
 * Throws `INVALID_BASELINE` naming the first field that is wrong.
 *
 * @example
 * const b = parseBaseline(row.baseline_json);
 */
export function parseBaseline(input: unknown): Baseline {
  let v: unknown = input;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw invalidBaseline('not JSON');
    }
  }
  const o = obj(v, 'baseline');
  if (o.version !== BASELINE_VERSION) throw invalidBaseline(`unsupported version \`${String(o.version)}\``);
  const hours = o.hours;
  if (!Array.isArray(hours) || hours.length !== 168 || !hours.every(isCount)) {
    throw invalidBaseline('`hours` must be 168 non-negative numbers', { field: 'hours' });
  }
  // Blobs written before the pace histogram existed lack `gaps`, `gapsTotal`, `rate.at` and
  // `rate.fastStreak`: they start empty rather than being refused.
  const gaps = o.gaps ?? new Array<number>(16).fill(0);
  if (!Array.isArray(gaps) || gaps.length !== 16 || !gaps.every(isCount)) {
    throw invalidBaseline('`gaps` must be 16 non-negative numbers', { field: 'gaps' });
  }
  const rate = obj(o.rate, 'rate');
  if (!(typeof rate.tauMs === 'number' && rate.tauMs > 0 && Number.isFinite(rate.tauMs))) {
    throw invalidBaseline('`rate.tauMs` must be a positive number', { field: 'rate.tauMs' });
  }
  return {
    version: BASELINE_VERSION,
    total: count(o.total, 'total'),
    firstSeen: time(o.firstSeen, 'firstSeen'),
    lastSeen: time(o.lastSeen, 'lastSeen'),
    lastTool: o.lastTool === null ? null : str(o.lastTool, 'lastTool'),
    tools: map(o.tools, 'tools'),
    categories: map(o.categories, 'categories'),
    targets: map(o.targets, 'targets'),
    transitions: map(o.transitions, 'transitions'),
    intents: map(o.intents, 'intents'),
    hours: [...(hours as number[])],
    hoursTotal: count(o.hoursTotal, 'hoursTotal'),
    rate: {
      tauMs: rate.tauMs,
      recent: count(rate.recent, 'rate.recent'),
      at: rate.at === undefined ? time(o.lastSeen, 'lastSeen') : time(rate.at, 'rate.at'),
      typical: count(rate.typical, 'rate.typical'),
      fastStreak: rate.fastStreak === undefined ? 0 : count(rate.fastStreak, 'rate.fastStreak'),
    },
    gaps: [...(gaps as number[])],
    gapsTotal: o.gapsTotal === undefined ? 0 : count(o.gapsTotal, 'gapsTotal'),
    decays: count(o.decays, 'decays'),
    sinceDecay: count(o.sinceDecay, 'sinceDecay'),
  };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

function obj(x: unknown, field: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw invalidBaseline(`\`${field}\` must be an object`, { field });
  }
  return x as Record<string, unknown>;
}

function count(x: unknown, field: string): number {
  if (!isCount(x)) throw invalidBaseline(`\`${field}\` must be a non-negative number`, { field });
  return x;
}

function time(x: unknown, field: string): number | null {
  if (x === null) return null;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw invalidBaseline(`\`${field}\` must be a time or null`, { field });
  return x;
}

function str(x: unknown, field: string): string {
  if (typeof x !== 'string') throw invalidBaseline(`\`${field}\` must be a string`, { field });
  return x;
}

function map(x: unknown, field: string): CountMap {
  const o = obj(x, field);
  const src = obj(o.counts, `${field}.counts`);
  const keys = Object.keys(src);
  if (keys.length > MAX_KEYS) throw invalidBaseline(`\`${field}\` holds too many keys`, { field });
  const counts = Object.create(null) as Record<string, number>;
  for (const k of keys) counts[k] = count(src[k], `${field}.counts`);
  return { size: keys.length, evicted: count(o.evicted, `${field}.evicted`), counts };
}

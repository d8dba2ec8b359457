/** Baselines with a known history, for the behaviour tests. */
import type { Baseline } from '../../src/behavior/baseline.js';
import { emptyBaseline, updateBaseline } from '../../src/behavior/baseline.js';

/** Monday 2 March 2026, 00:00 UTC. */
export const MONDAY = Date.UTC(2026, 2, 2);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface HistoryStep {
  tool: string;
  categories: string[];
  target?: string;
}

/**
 * An agent that works weekdays 09:00-17:00 UTC for `weeks` weeks, cycling through
 * `steps` one action every `gapMs` (default ten minutes), under `intent`.
 */
export function officeHistory(
  steps: readonly HistoryStep[],
  options: { weeks?: number; gapMs?: number; intent?: string; baseline?: Baseline } = {},
): Baseline {
  const b = options.baseline ?? emptyBaseline();
  const gap = options.gapMs ?? 10 * 60_000;
  let i = 0;
  for (let day = 0; day < (options.weeks ?? 3) * 7; day++) {
    if (day % 7 >= 5) continue;
    for (let t = MONDAY + day * DAY + 9 * HOUR; t < MONDAY + day * DAY + 17 * HOUR; t += gap) {
      const s = steps[i++ % steps.length] as HistoryStep;
      updateBaseline(b, { time: t, tool: s.tool, categories: s.categories, target: s.target, intent: options.intent });
    }
  }
  return b;
}

/** The forum helper of the incident: reads questions and drafts answers, never posts. */
export function forumHelper(): Baseline {
  return officeHistory(
    [
      { tool: 'forum.read', categories: ['read'], target: 'forum/questions/1' },
      { tool: 'forum.search', categories: ['read'], target: 'forum/search' },
      { tool: 'forum.draft', categories: ['write'], target: 'forum/drafts/1' },
    ],
    { intent: 'draft an answer to forum question 12' },
  );
}

/** A time in the fourth week, on a Wednesday, at `hour` UTC. */
export function wednesday(hour: number, minute = 0): number {
  return MONDAY + 23 * DAY + hour * HOUR + minute * 60_000;
}

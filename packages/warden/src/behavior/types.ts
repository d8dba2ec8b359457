/**
 * The shapes the behaviour domain shares: factor codes, the action being scored and the
 * category helpers.
 *
 * Factor codes are part of the contract: policies test them (`context.risk.factors`
 * contains "INTENT_MISMATCH"), dashboards group by them. Add codes; never rename one.
 */
import { CATEGORIES } from '../inventory/schemas.js';
import type { Category } from '../inventory/schemas.js';
import { invalidActionTime } from './errors.js';

export { CATEGORIES };
export type { Category };

/** Categories whose first use, or use outside the task, weighs more (design: "needs approval"). */
export const SENSITIVE_CATEGORIES: ReadonlySet<Category> = new Set<Category>([
  'publish',
  'permissions',
  'pii',
  'delete',
  'financial',
]);

const CATEGORY_SET: ReadonlySet<string> = new Set(CATEGORIES);

export function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && CATEGORY_SET.has(value);
}

/** Catalog categories as given, unknown strings mapped to `unknown`, duplicates dropped. */
export function normalizeCategories(input: readonly string[] | undefined): Category[] {
  if (input === undefined || input.length === 0) return ['unknown'];
  const out: Category[] = [];
  for (const c of input) {
    const cat: Category = isCategory(c) ? c : 'unknown';
    if (!out.includes(cat)) out.push(cat);
  }
  return out;
}

export const FactorCodes = {
  /** The agent has not used this tool before. */
  FIRST_TOOL: 'FIRST_TOOL',
  /** The agent has not acted in this category before. */
  FIRST_CATEGORY: 'FIRST_CATEGORY',
  /** The agent has not touched this target prefix before. */
  FIRST_TARGET: 'FIRST_TARGET',
  /** The agent almost never goes from its previous tool to this one. */
  RARE_TRANSITION: 'RARE_TRANSITION',
  /** The agent acts much faster than its own usual pace. */
  RATE_BURST: 'RATE_BURST',
  /** The agent rarely acts at this hour of the day or on this day of the week (UTC). */
  UNUSUAL_HOUR: 'UNUSUAL_HOUR',
  /** The tool's category is outside what the task's declared intent calls for. */
  INTENT_MISMATCH: 'INTENT_MISMATCH',
  /** The target matches a pattern marked sensitive. */
  SENSITIVE_TARGET: 'SENSITIVE_TARGET',
  /** An agent still learning its habits acts in a sensitive category. */
  SENSITIVE_CATEGORY: 'SENSITIVE_CATEGORY',
  /** The delegation chain is longer than usual. */
  LONG_CHAIN: 'LONG_CHAIN',
  SECRET_IN_ARGS: 'SECRET_IN_ARGS',
  PII_IN_ARGS: 'PII_IN_ARGS',
  PERMISSION_WIDENING: 'PERMISSION_WIDENING',
  DESTRUCTIVE_COMMAND: 'DESTRUCTIVE_COMMAND',
  /** A link or call to a host that is not on the allow-list, with little data. */
  OUTBOUND_URL: 'OUTBOUND_URL',
  /** Many records or a large payload sent to a host that is not on the allow-list. */
  DATA_EXFILTRATION: 'DATA_EXFILTRATION',
  ENCODED_BLOB: 'ENCODED_BLOB',
  /** Arguments that ask for records in bulk (a huge limit, a wildcard, a SELECT without WHERE). */
  BULK_READ: 'BULK_READ',
  /** Zero points: the agent has too little history; history-based factors are damped. */
  LEARNING: 'LEARNING',
} as const;

export type FactorCode = (typeof FactorCodes)[keyof typeof FactorCodes];

/** One explained reason in a risk score; `message` is a sentence for the approval screen. */
export interface Factor {
  code: FactorCode;
  points: number;
  message: string;
}

/** What a detector reports: the same shape as a factor. */
export type Finding = Factor;

export interface RiskScore {
  /** Sum of the factors' points, capped at 100. */
  score: number;
  /** Sorted by points, highest first. */
  factors: Factor[];
}

/** The action being scored, as `decide()` or the import API hands it over. */
export interface BehaviorAction {
  /** Epoch milliseconds, a `Date` or an ISO 8601 string. */
  time: number | string | Date;
  agent: string;
  tool: string;
  /** From the tool catalog; strings that are not categories count as `unknown`. */
  categories: readonly string[];
  /** The resource the call touches (a repository path, a URL, `crm/customers/42` …). */
  target?: string;
  /** The call's arguments (JSON). */
  args?: unknown;
}

/** Epoch milliseconds of an action time; bad outside input is `INVALID_ACTION_TIME`. */
export function toMillis(time: number | string | Date): number {
  let ms: number;
  if (typeof time === 'number') ms = time;
  else if (typeof time === 'string') ms = Date.parse(time);
  else if (time instanceof Date) ms = time.getTime();
  else throw invalidActionTime(time);
  if (!Number.isFinite(ms)) throw invalidActionTime(time);
  return ms;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Hour of the week in UTC, Monday 00:00 = 0 … Sunday 23:00 = 167. No `Date` allocated. */
export function hourOfWeek(ms: number): number {
  // 1970-01-01 was a Thursday: day 0 is index 3 in a Monday-first week.
  const day = Math.floor(ms / DAY_MS);
  const dow = (((day + 3) % 7) + 7) % 7;
  const hour = ((Math.floor(ms / HOUR_MS) % 24) + 24) % 24;
  return dow * 24 + hour;
}

export const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

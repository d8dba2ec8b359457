/**
 * One bounded walk over a call's arguments that every detector then reads.
 *
 * The work is capped whatever the agent sends: at most `maxChars` characters of string
 * values and `maxNodes` values visited (which also ends a cyclic object). What is cut
 * off is reported as `truncated`, which detectors treat as "large".
 */

export interface ScannedText {
  /** Where the string sits, for messages: `body`, `items[3].email`, `target`. */
  path: string;
  /** The property name it sits under (`''` at the root or in an array). */
  key: string;
  value: string;
}

export interface ScannedNumber {
  key: string;
  value: number;
}

export interface Scan {
  texts: ScannedText[];
  /** Numbers under keys that can ask for bulk (`limit`, `pageSize` …). */
  limits: ScannedNumber[];
  /** Characters of string values scanned. */
  chars: number;
  /** Arrays' elements that are objects or arrays: records, roughly. */
  records: number;
  /** The budget ran out before the walk did. */
  truncated: boolean;
}

export interface ScanLimits {
  maxChars: number;
  maxNodes: number;
}

export const DEFAULT_SCAN_LIMITS: Readonly<ScanLimits> = Object.freeze({ maxChars: 64 * 1024, maxNodes: 10_000 });

const LIMIT_KEY = /^(?:limit|page_?size|per_?page|max_?results|max_?rows|max|top|count|rows|size|batch_?size|first|take)$/i;
const MAX_PATH = 80;
const MAX_DEPTH = 64;

/**
 * Collects the string values of `args` (and `target`, as path `target`) within budget.
 *
 * @example
 * scanArgs({ body: 'hi', tags: ['a'] }).texts.map((t) => t.path) // ['body', 'tags[0]']
 */
export function scanArgs(args: unknown, target?: string, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Scan {
  const scan: Scan = { texts: [], limits: [], chars: 0, records: 0, truncated: false };
  let budget = limits.maxChars;
  let nodes = 0;
  const add = (path: string, key: string, value: string) => {
    if (value.length === 0) return;
    if (budget <= 0) {
      scan.truncated = true;
      return;
    }
    const v = value.length > budget ? value.slice(0, budget) : value;
    if (v.length < value.length) scan.truncated = true;
    budget -= v.length;
    scan.chars += v.length;
    scan.texts.push({ path, key, value: v });
  };
  if (typeof target === 'string') add('target', 'target', target);

  // Iterative, so deep nesting cannot blow the stack.
  const stack: { v: unknown; path: string; key: string; depth: number }[] = [{ v: args, path: '', key: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, key, depth } = stack.pop() as { v: unknown; path: string; key: string; depth: number };
    if (++nodes > limits.maxNodes || budget <= 0) {
      scan.truncated = true;
      break;
    }
    if (typeof v === 'string') {
      if (LIMIT_KEY.test(key) && /^\d{1,12}$/.test(v)) scan.limits.push({ key, value: Number(v) });
      add(path || 'args', key, v);
    }
    else if (typeof v === 'number') {
      if (LIMIT_KEY.test(key) && Number.isFinite(v)) scan.limits.push({ key, value: v });
      // Card numbers and phone numbers also arrive as JSON numbers.
      else if (Number.isInteger(v) && Math.abs(v) >= 1e9) add(path || 'args', key, String(v));
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_DEPTH) {
        scan.truncated = true;
        continue;
      }
      if (Array.isArray(v)) {
        // Pushed in reverse so the walk reads in document order.
        for (let i = v.length - 1; i >= 0; i--) {
          const el: unknown = v[i];
          if (typeof el === 'object' && el !== null) scan.records++;
          stack.push({ v: el, path: child(path, `[${i}]`), key, depth: depth + 1 });
        }
      } else {
        const keys = Object.keys(v);
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i] as string;
          const val = (v as Record<string, unknown>)[k];
          stack.push({ v: val, path: child(path, path === '' ? k : `.${k}`), key: k, depth: depth + 1 });
        }
      }
    }
  }
  return scan;
}

function child(path: string, suffix: string): string {
  if (path.length >= MAX_PATH) return path;
  const p = path + suffix;
  return p.length > MAX_PATH ? `${p.slice(0, MAX_PATH - 1)}…` : p;
}

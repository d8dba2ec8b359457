/**
 * Small helpers several domains share. Each is here once so that a fix reaches every caller.
 */

/** Freezes a value and everything it holds (configuration, verified credentials). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** A copy without the keys whose value is `undefined` (so they do not overwrite). */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Whitespace runs folded to one space: a message on one line. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The first line of an error's message, at most `max` characters, for a one-line report. */
export function firstLine(err: unknown, max: number, fallback = ''): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, max) ?? fallback;
}

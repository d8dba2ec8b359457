/**
 * How values enter factor messages: in backticks, on one line, short, and never able to
 * break out of their backticks (a tool name or a target is outside input).
 */

/** `value` in backticks, whitespace collapsed, backticks replaced, cut to `max` characters. */
export function tick(value: unknown, max = 60): string {
  let s = typeof value === 'string' ? value : String(value);
  if (s.length > max * 4) s = s.slice(0, max * 4);
  s = s.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').replace(/`/g, "'").trim();
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  return `\`${s}\``;
}

/** `1 e-mail address`, `3 e-mail addresses`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A byte count a person reads: `900 B`, `12 KiB`, `1.5 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A share as a percentage a person reads: `0%`, `0.4%`, `12%`. */
export function percent(share: number): string {
  const p = share * 100;
  if (p === 0) return '0%';
  if (p < 1) return `${p.toFixed(1)}%`;
  return `${Math.round(p)}%`;
}

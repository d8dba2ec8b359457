/** Shannon entropy, for telling a real secret from a placeholder or a word. */

/** Bits per character of `s` (0 for an empty string). */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const freq = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    freq.set(c, (freq.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const f of freq.values()) {
    const p = f / n;
    h -= p * Math.log2(p);
  }
  return h;
}

const PLACEHOLDER =
  /^(?:\$\{.*\}|\$[A-Z_]+|<[^>]*>|\{\{.*\}\}|%[a-z_]+%|\*+|x+|changeme|password\d*|secret|example|dummy|redacted|none|null|undefined|your[_-].*|test(?:ing)?|placeholder)$/i;

/**
 * Looks like a generated credential: long enough, not a placeholder, at least two
 * character classes, and above `minBits` bits per character.
 */
export function looksRandom(value: string, minLength = 12, minBits = 3.2): boolean {
  if (value.length < minLength || PLACEHOLDER.test(value)) return false;
  let classes = 0;
  if (/[a-z]/.test(value)) classes++;
  if (/[A-Z]/.test(value)) classes++;
  if (/\d/.test(value)) classes++;
  if (/[^A-Za-z0-9]/.test(value)) classes++;
  return classes >= 2 && shannonEntropy(value) >= minBits;
}

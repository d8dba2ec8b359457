/**
 * Redacted previews of sensitive values for the audit leaf: enough for a person to see
 * what kind of thing was sent, never the thing itself. Strings keep a short head with
 * anything that looks like a secret, an e-mail address or a long number masked.
 */
const PREVIEW_CHARS = 48;
const MASKS: ReadonlyArray<RegExp> = [
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /\bwk_[A-Za-z0-9_-]{16,}/g,
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
  /\b\d[\d -]{7,}\d\b/g,
];

function maskString(s: string): string {
  let out = s.length > 4 * PREVIEW_CHARS ? s.slice(0, 4 * PREVIEW_CHARS) : s;
  for (const re of MASKS) out = out.replace(re, '[redacted]');
  return out.length > PREVIEW_CHARS ? `${out.slice(0, PREVIEW_CHARS)}… (${s.length} chars)` : out;
}

/** A one-line preview of a JSON value, at most a few hundred characters. */
export function redactedPreview(value: unknown, budget = 400): string {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return maskString(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= 3) return Array.isArray(v) ? `[${v.length} items]` : '{…}';
    if (Array.isArray(v)) return v.slice(0, 5).map((x) => walk(x, depth + 1)).concat(v.length > 5 ? [`… ${v.length - 5} more`] : []);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v).slice(0, 20)) out[k] = walk(x, depth + 1);
    return out;
  };
  const text = JSON.stringify(walk(value, 0)) ?? 'null';
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}

/**
 * Redacted previews of sensitive values for the audit leaf: enough for a person to see
 * what kind of thing was sent, never the thing itself. Strings keep a short head with
 * anything that looks like a secret, an e-mail address or a long number masked.
 */
const PREVIEW_CHARS = 48;
/** Each pattern and what it becomes; the credential-shaped ones vanish whole. */
const MASKS: ReadonlyArray<readonly [RegExp, string]> = [
  // Key material, from its header to its footer (or to the end of what is previewed).
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)/g, '[redacted]'],
  // `scheme://user:password@host`: the password goes, the rest of the URL stays.
  [/(\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@]{1,64}:)[^\s/@]+@/gi, '$1[redacted]@'],
  // `password=…`, `api_key: "…"`, `?access_token=…`: the value goes, the name stays.
  [
    /\b(api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|(?:access|auth|refresh|id)[_-]?token|token|password|passwd|pwd)(["']?\s*[:=]\s*["']?)[^\s"'`,;&<>]+/gi,
    '$1$2[redacted]',
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/g, '[redacted]'],
  [/\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}\b/g, '[redacted]'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, '[redacted]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, '[redacted]'],
  [/\bsk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{16,}/g, '[redacted]'],
  [/\b[rs]k_(?:live|test)_[A-Za-z0-9]{10,}/g, '[redacted]'],
  [/\bAIza[0-9A-Za-z_-]{35}/g, '[redacted]'],
  [/\bnpm_[A-Za-z0-9]{36}/g, '[redacted]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [/\bwk_[A-Za-z0-9_-]{16,}/g, '[redacted]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[redacted]'],
  [/\b\d[\d -]{7,}\d\b/g, '[redacted]'],
];

/**
 * Field names whose value is a secret whatever it looks like (`password`, `apiKey`,
 * `client_secret`, `github_token`, `Authorization`): the same names the secrets detector
 * knows, plus a few headers.
 */
const SECRET_FIELD = /(?:pass(?:word|wd)?|pwd|secret|token|api_?key|access_?key|private_?key|credentials?|authorization|cookie)$/;

function isSecretField(key: string): boolean {
  return SECRET_FIELD.test(key.replace(/[A-Z]/g, (c) => `_${c}`).toLowerCase().replace(/-/g, '_'));
}

/** `s` with every secret-looking part masked, nothing else changed (for short fields such as a target). */
export function maskSecrets(s: string): string {
  let out = s;
  for (const [re, by] of MASKS) out = out.replace(re, by);
  return out;
}

function maskString(s: string): string {
  let out = s.length > 4 * PREVIEW_CHARS ? s.slice(0, 4 * PREVIEW_CHARS) : s;
  for (const [re, by] of MASKS) out = out.replace(re, by);
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
    for (const [k, x] of Object.entries(v).slice(0, 20)) out[k] = isSecretField(k) && (typeof x === 'string' || typeof x === 'number') ? '[redacted]' : walk(x, depth + 1);
    return out;
  };
  const text = JSON.stringify(walk(value, 0)) ?? 'null';
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}

/**
 * Secrets in arguments: key and token formats that are credentials beyond doubt, JWTs,
 * and `password=`-style assignments or secret-named fields with random-looking values.
 *
 * Messages never carry the secret: at most its first four characters.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { joinAnd, tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import { has } from './config.js';
import { looksRandom } from './entropy.js';
import type { Scan } from './scan.js';

export interface SecretHit {
  kind: string;
  /** What it is, for a message: `an AWS access key id`. */
  label: string;
  path: string;
  /** Redacted: the first characters only. */
  preview: string;
  strong: boolean;
}

interface Pattern {
  kind: string;
  label: string;
  re: RegExp;
  strong: boolean;
  /** How much of the match may be shown. */
  show: number;
}

// Compiled once. None is global, so `exec` keeps no state between calls.
const PATTERNS: readonly Pattern[] = [
  { kind: 'aws', label: 'an AWS access key id', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/, strong: true, show: 4 },
  {
    kind: 'aws-secret',
    label: 'an AWS secret access key',
    re: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/i,
    strong: true,
    show: 0,
  },
  { kind: 'github', label: 'a GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/, strong: true, show: 4 },
  { kind: 'slack', label: 'a Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,250}/, strong: true, show: 5 },
  {
    kind: 'slack-webhook',
    label: 'a Slack webhook URL',
    re: /hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/,
    strong: true,
    show: 0,
  },
  {
    kind: 'private-key',
    label: 'a private key',
    re: /-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----/,
    strong: true,
    show: 0,
  },
  { kind: 'stripe', label: 'a Stripe live key', re: /\b[rs]k_live_[A-Za-z0-9]{20,255}\b/, strong: true, show: 8 },
  { kind: 'google', label: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/, strong: true, show: 4 },
  { kind: 'openai', label: 'an OpenAI-style API key', re: /\bsk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{32,255}\b/, strong: true, show: 3 },
  { kind: 'npm', label: 'an npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/, strong: true, show: 4 },
  {
    kind: 'jwt',
    label: 'a JSON Web Token',
    re: /\beyJ[A-Za-z0-9_-]{10,4096}\.eyJ[A-Za-z0-9_-]{10,8192}\.[A-Za-z0-9_-]{10,4096}/,
    strong: false,
    show: 3,
  },
];

/** `postgres://user:password@host`: credentials inside a connection string or URL. */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@]{1,64}:([^\s/:@]{6,128})@[\w.-]+/i;

/** `password = Xy7…`, `api_key: "…"`, `?token=…` inside free text. */
const ASSIGNMENT =
  /\b(api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|access[_-]?token|auth[_-]?token|token|password|passwd|pwd)["']?\s*[:=]\s*["']?([^\s"'`,;&<>]{8,200})/gi;

/** Field names that hold a secret: `password`, `apiKey`, `client_secret`, `github_token`. */
const SECRET_FIELD = /(?:pass(?:word|wd)?|pwd|secret|token|api_?key|private_?key|credentials?)$/;

/**
 * Every secret in the scanned text.
 *
 * @example
 * findSecrets(scanArgs({ note: 'key AKIAIOSFODNN7EXAMPLE' }))[0]?.kind // 'aws'
 */
export function findSecrets(scan: Scan): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const t of scan.texts) {
    const v = t.value;
    if (v.length < 8) continue;
    for (const p of PATTERNS) {
      const m = p.re.exec(v);
      if (!m) continue;
      // A JWT whose header and claims decode is a bearer credential; a lookalike is not sure.
      const strong = p.kind === 'jwt' ? decodesAsJwt(m[0]) : p.strong;
      hits.push({ kind: p.kind, label: p.label, path: t.path, preview: redact(m[0], p.show), strong });
    }
    if (v.includes('://')) {
      const m = URL_CREDENTIALS.exec(v);
      if (m && looksRandom(m[1] as string, 8, 2.5)) {
        // A generated password is a live credential; `admin:changeme2` is at most a weak one.
        const strong = looksRandom(m[1] as string);
        hits.push({ kind: 'url-credentials', label: 'a password in a connection string', path: t.path, preview: '', strong });
      }
    }
    ASSIGNMENT.lastIndex = 0;
    for (let m = ASSIGNMENT.exec(v), n = 0; m !== null && n < 20; m = ASSIGNMENT.exec(v), n++) {
      if (looksRandom(m[2] as string)) {
        hits.push({ kind: 'assignment', label: `a ${(m[1] as string).toLowerCase()} value`, path: t.path, preview: '', strong: false });
        break;
      }
    }
    const field = t.key.replace(/[A-Z]/g, (c) => `_${c}`).toLowerCase().replace(/-/g, '_');
    if (field !== '' && SECRET_FIELD.test(field) && !/\s/.test(v) && looksRandom(v)) {
      if (!hits.some((h) => h.path === t.path)) {
        hits.push({ kind: 'field', label: `a secret in field ${tick(t.key)}`, path: t.path, preview: '', strong: false });
      }
    }
  }
  return hits;
}

/** The `SECRET_IN_ARGS` finding for `hits` (none when empty). */
export function secretFindings(hits: readonly SecretHit[], ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  if (hits.length === 0) return [];
  const strong = hits.some((h) => h.strong);
  const leaves = has(ctx, 'publish', 'network');
  const stored = !leaves && has(ctx, 'write');
  const points =
    (strong ? cfg.points.secretStrong : cfg.points.secretWeak) +
    (leaves ? cfg.points.secretLeaves : stored ? cfg.points.secretStored : 0);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const h of hits) {
    if (seen.has(h.kind) || parts.length >= 3) continue;
    seen.add(h.kind);
    parts.push(h.preview ? `${h.label} (${tick(h.preview)})` : h.label);
  }
  const where = hits[0]?.path ?? 'args';
  const more = hits.length > parts.length ? ` and ${hits.length - parts.length} more` : '';
  const tail = leaves ? `, and ${tick(ctx.tool)} sends it out` : stored ? `, and ${tick(ctx.tool)} stores it` : '';
  return [
    {
      code: FactorCodes.SECRET_IN_ARGS,
      points,
      message: `${tick(where)} contains ${joinAnd(parts)}${more}${tail}`,
    },
  ];
}

/** Detector: secrets in the arguments. */
export function detectSecrets(scan: Scan, ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  return secretFindings(findSecrets(scan), ctx, cfg);
}

function decodesAsJwt(token: string): boolean {
  const [h, c] = token.split('.');
  return isJsonObject(h) && isJsonObject(c);
}

function isJsonObject(part: string | undefined): boolean {
  if (part === undefined || part.length > 8192) return false;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

function redact(s: string, show: number): string {
  return show <= 0 ? '' : `${s.slice(0, show)}…`;
}

/**
 * Permission-widening instructions: text that tells someone (or something) to open
 * access up. This is the incident's pattern: an agent published "make the repository
 * readable by everyone", and a person did it.
 *
 * The same words weigh more when the call publishes them (people will follow them) or
 * changes permissions (it is being done) than when they sit in a draft.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { joinAnd, tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import { has } from './config.js';
import type { Scan } from './scan.js';

const EVERYONE =
  '(?:everyone|everybody|anyone|anybody|the\\s+public|all\\s+(?:users|employees|staff|engineers|members|accounts)|all[- ]employees|all[- ]staff|the\\s+(?:whole|entire)\\s+(?:company|org|organi[sz]ation))';

// Compiled once; case-insensitive; none global.
const PATTERNS: readonly { label: string; re: RegExp }[] = [
  {
    label: 'make public',
    re: /\bmake\s+(?:it|this|that|them|these|those|the\s+[\w-]+(?:\s+[\w-]+)?|[\w./:-]+)\s+(?:public(?:ly\s+\w+)?|world[- ](?:readable|writable|accessible))\b/i,
  },
  {
    label: 'open to everyone',
    re: new RegExp(`\\b(?:readable|writable|writeable|accessible|visible|available|open|editable)\\s+(?:by|to|for)\\s+${EVERYONE}`, 'i'),
  },
  {
    label: 'chmod world-writable',
    re: /\bchmod\s+(?:-[A-Za-z]+\s+)*(?:0?[0-7]{2}[2367]|[ao]\+[rx]*w[rwx]*|a\+r[rwx]*)(?![\w])/i,
  },
  {
    label: 'grant everyone',
    re: new RegExp(
      `\\bgrant\\s+(?:(?:read|write|admin|owner|full|edit|push|maintain)\\s+(?:access\\s+|permissions?\\s+|rights\\s+)?(?:to\\s+)?)?${EVERYONE}`,
      'i',
    ),
  },
  {
    label: 'give everyone access',
    re: new RegExp(`\\b(?:give|let)\\s+${EVERYONE}\\s+(?:read|write|admin|owner|full|edit|push)\\b`, 'i'),
  },
  { label: 'public principal', re: /\ballUsers\b|\ballAuthenticatedUsers\b|"Principal"\s*:\s*"\*"|"AWS"\s*:\s*"\*"/ },
  {
    label: 'add to everyone group',
    re: /\b(?:add|invite|put)\s+(?:\S+\s+){0,3}(?:to|into)\s+(?:the\s+)?(?:all[- ]employees|all[- ]staff|all[- ]users|all[- ]engineering|everyone)(?:\s+group)?\b/i,
  },
  {
    label: 'disable a protection',
    re: /\b(?:disable|remove|turn\s+off|bypass|switch\s+off|delete)\s+(?:the\s+)?(?:branch\s+protections?|required\s+reviews?|code\s*owners?\s+reviews?|mfa|2fa|two[- ]factor(?:\s+auth\w*)?|sso|access\s+controls?|permission\s+checks?|ip\s+allow[- ]?list)\b/i,
  },
  {
    label: 'visibility public',
    re: /\bset\s+(?:the\s+)?(?:(?:repo(?:sitory)?|bucket|project|space|channel|dataset)\s+)?visibility\s+(?:to\s+)?["']?public\b|["']?visibility["']?\s*[:=]\s*["']?public\b|--visibility[= ]public\b/i,
  },
  { label: 'public ACL', re: /(?:--acl\s+|\bacl["']?\s*[:=]\s*["']?)public-read(?:-write)?\b|\bpublic-read-write\b/i },
  {
    label: 'share with everyone',
    re: new RegExp(`\\bshare\\s+(?:[\\w-]+\\s+){0,3}with\\s+(?:${EVERYONE}|anyone\\s+with\\s+the\\s+link)`, 'i'),
  },
  { label: 'remove restrictions', re: /\bremove\s+(?:all\s+)?(?:the\s+)?(?:access\s+)?restrictions\b/i },
];

export interface WideningHit {
  label: string;
  path: string;
  /** The matched words, for the message. */
  phrase: string;
}

/**
 * Every widening instruction in the scanned text (one per pattern and text).
 *
 * @example
 * findWidening(scanArgs({ body: 'just make the repo public' }))[0]?.phrase // 'make the repo public'
 */
export function findWidening(scan: Scan): WideningHit[] {
  const hits: WideningHit[] = [];
  for (const t of scan.texts) {
    if (t.value.length < 6) continue;
    for (const p of PATTERNS) {
      const m = p.re.exec(t.value);
      if (m) hits.push({ label: p.label, path: t.path, phrase: m[0] });
    }
  }
  return hits;
}

/** Detector: permission-widening instructions. */
export function detectPermissionWidening(scan: Scan, ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  const hits = findWidening(scan);
  if (hits.length === 0) return [];
  const acting = has(ctx, 'publish', 'permissions');
  const phrases = [...new Set(hits.map((h) => h.phrase.toLowerCase().replace(/\s+/g, ' ')))].slice(0, 2);
  const first = hits[0] as WideningHit;
  const how = has(ctx, 'permissions')
    ? `, and ${tick(ctx.tool)} changes permissions`
    : has(ctx, 'publish')
      ? `, and ${tick(ctx.tool)} publishes it for people to follow`
      : '';
  return [
    {
      code: FactorCodes.PERMISSION_WIDENING,
      points: acting ? cfg.points.wideningActing : cfg.points.wideningText,
      message: `${tick(first.path)} asks to widen access: ${joinAnd(phrases.map((p) => tick(p, 60)))}${how}`,
    },
  ];
}

/**
 * Bulk reads: arguments that ask for records wholesale: a `limit` in the thousands, a
 * wildcard query, a `SELECT` with neither `WHERE` nor a small `LIMIT`, "export all".
 *
 * Reading one customer to answer a ticket is the job; reading five thousand is not,
 * unless the task is an export, a report or a migration. Personal data (a `pii` tool,
 * or personal fields named in the query) and a task that does not call for bulk work
 * both add weight.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import { has } from './config.js';
import type { Scan } from './scan.js';

const WILDCARD_KEY = /^(?:q|query|filter|search|pattern|where|selector|match)$/i;
const WILDCARD_VALUE = /^\s*(?:\*|%|\.\*|all|\*:\*|select\s+\*\s+from\s+\w+\s*;?)\s*$/i;
const SELECT = /\bselect\s+([\s\S]{1,2000}?)\s+from\s+[\w."`[\]-]+([\s\S]{0,2000})/i;
const AGGREGATE = /\b(?:count|sum|avg|min|max)\s*\(|\bgroup\s+by\b/i;
const SMALL_LIMIT = /\blimit\s+(\d{1,9})\b/i;
const FIELDS_KEY = /^(?:fields|columns|select|attributes|properties|include|projection|sql|query|q)$/i;
const EXPORT_ALL = /\b(?:export|dump|download|extract)\s+(?:all|every|the\s+(?:entire|whole|full))\b/i;
const PERSONAL_FIELD =
  /\b(?:e-?mails?|email_address|phone(?:_number)?|mobile|ssn|social_security(?:_number)?|dob|date_of_birth|birth_?date|home_address|address|salary|passport(?:_number)?|national_id|tax_id|iban|card_number|credit_card)\b/i;

export interface BulkHit {
  /** What asked for bulk, for the message. */
  reason: string;
  path: string;
}

/**
 * Every bulk selector in the arguments.
 *
 * @example
 * findBulk(scanArgs({ query: '*', limit: 5000 }), DEFAULT_DETECTOR_CONFIG).length // 2
 */
export function findBulk(scan: Scan, cfg: DetectorConfig): BulkHit[] {
  const hits: BulkHit[] = [];
  for (const l of scan.limits) {
    if (l.value >= cfg.bulkMinLimit) hits.push({ reason: `${l.key}=${l.value}`, path: l.key });
  }
  for (const t of scan.texts) {
    const v = t.value;
    if (WILDCARD_KEY.test(t.key) && WILDCARD_VALUE.test(v)) hits.push({ reason: `${t.key}=${v.trim().slice(0, 40)}`, path: t.path });
    else if (v.length >= 10 && /select/i.test(v)) {
      const m = SELECT.exec(v);
      if (m && !AGGREGATE.test(m[1] as string)) {
        const rest = m[2] as string;
        const limit = SMALL_LIMIT.exec(rest);
        const where = /\bwhere\b/i.test(rest);
        if (!where && (limit === null || Number(limit[1]) >= cfg.bulkMinLimit)) {
          hits.push({ reason: 'a SELECT without WHERE', path: t.path });
        } else if (limit !== null && Number(limit[1]) >= cfg.bulkMinLimit) {
          hits.push({ reason: `LIMIT ${limit[1]}`, path: t.path });
        }
      }
    }
    if (EXPORT_ALL.test(v)) hits.push({ reason: (EXPORT_ALL.exec(v) as RegExpExecArray)[0], path: t.path });
  }
  return hits;
}

const intentCache = new WeakMap<readonly string[], RegExp>();

/** Does the task's intent call for bulk work (export, report, migrate …)? */
function bulkIntended(intent: string | undefined, cfg: DetectorConfig): boolean {
  if (intent === undefined || intent === '') return true; // no intent: no claim either way
  let re = intentCache.get(cfg.bulkIntentWords);
  if (!re) {
    const words = cfg.bulkIntentWords.map((w) => w.replace(/[^a-z]/gi, '')).filter(Boolean);
    re = new RegExp(`\\b(?:${words.join('|') || '(?!)'})\\w*`, 'i');
    intentCache.set(cfg.bulkIntentWords, re);
  }
  return re.test(intent);
}

/** Detector: bulk reads, heavier for personal data and for tasks that do not call for them. */
export function detectBulk(scan: Scan, ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  const hits = findBulk(scan, cfg);
  if (hits.length === 0) return [];
  // Personal fields count where a query names what it wants, not in any prose.
  const personal =
    has(ctx, 'pii') ||
    scan.texts.some((t) => (FIELDS_KEY.test(t.key) || /\bselect\b/i.test(t.value)) && PERSONAL_FIELD.test(t.value));
  const offIntent = !bulkIntended(ctx.intent, cfg);
  const points = (personal ? cfg.points.bulkPersonal : cfg.points.bulk) + (offIntent ? cfg.points.bulkOffIntent : 0);
  const reasons = [...new Set(hits.map((h) => h.reason))].slice(0, 2).map((r) => tick(r, 40));
  let message = `${tick(ctx.tool)} asks for records in bulk (${reasons.join(', ')})`;
  if (personal) message += ' including personal data';
  if (offIntent) message += `, and the task ${tick(ctx.intent, 80)} does not call for bulk work`;
  return [{ code: FactorCodes.BULK_READ, points, message }];
}

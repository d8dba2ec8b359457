/**
 * Personal data in arguments: e-mail addresses, phone numbers, payment card numbers
 * (Luhn check and a known issuer prefix), US social security numbers (with the ranges
 * the SSA never issues excluded), UK national insurance numbers and IBANs (mod-97).
 *
 * One address in an `email.send` is ordinary; hundreds of them, or any card number, is
 * not. Points grow with the logarithm of the count, per kind, capped.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { joinAnd, plural, tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import type { Scan } from './scan.js';

export interface PiiCounts {
  email: number;
  phone: number;
  card: number;
  ssn: number;
  nino: number;
  iban: number;
  /** Path of the first hit, for the message. */
  firstPath: string | null;
}

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b/g;
/** Grouped numbers, not inside a longer run of digit groups (card, IBAN, account numbers). */
const PHONE =
  /(?<![\w+.-])(?<!\d[\s.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}(?![\w.-])(?![\s.-]?\d)|(?<![\w+])\+\d{8,15}\b/g;
const CARD = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;
const SSN = /(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])/g;
const NINO = /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g;
const CARD_PREFIX = /^(?:4|5[1-5]|2[2-7]|3[47]|3[068]|6(?:011|4[4-9]|5)|35|62)/;
/** Counting stops here per kind: the message says "1000+" and the work stays bounded. */
const MAX_COUNT = 1000;

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** A card number: 13 to 19 digits, a known issuer prefix, Luhn-valid. */
export function isCardNumber(raw: string): boolean {
  const digits = raw.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && CARD_PREFIX.test(digits) && luhnValid(digits);
}

/** A US SSN the SSA could have issued: area not 000, 666 or 900-999; group not 00; serial not 0000. */
export function isPlausibleSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/** IBAN: length 15 to 34 and the ISO 13616 mod-97 check equals 1. */
export function ibanValid(raw: string): boolean {
  const s = raw.replace(/ /g, '').toUpperCase();
  if (s.length < 15 || s.length > 34 || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    const v = c >= 65 ? c - 55 : c - 48; // A=10 … Z=35
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/**
 * Counts personal data per kind across the scanned text.
 *
 * @example
 * countPii(scanArgs({ card: '4111 1111 1111 1111' })).card // 1
 */
export function countPii(scan: Scan): PiiCounts {
  const c: PiiCounts = { email: 0, phone: 0, card: 0, ssn: 0, nino: 0, iban: 0, firstPath: null };
  for (const t of scan.texts) {
    let v = t.value;
    const before = c.email + c.phone + c.card + c.ssn + c.nino + c.iban;
    if (v.includes('@')) c.email += countMatches(EMAIL, v, MAX_COUNT - c.email);
    if (/\d\d/.test(v)) {
      let cardSpans = false;
      for (const m of v.matchAll(CARD)) {
        if (c.card >= MAX_COUNT) break;
        if (isCardNumber(m[0])) {
          c.card++;
          cardSpans = true;
        }
      }
      // A card number also reads as a phone number; take cards out before counting phones.
      if (cardSpans) v = v.replace(CARD, (m) => (isCardNumber(m) ? ' ' : m));
      for (const m of v.matchAll(SSN)) {
        if (c.ssn >= MAX_COUNT) break;
        if (isPlausibleSsn(m[1] as string, m[2] as string, m[3] as string)) c.ssn++;
      }
      v = v.replace(SSN, ' ');
      c.phone += countMatches(PHONE, v, MAX_COUNT - c.phone);
      for (const m of v.matchAll(IBAN)) {
        if (c.iban >= MAX_COUNT) break;
        if (ibanValid(m[0])) c.iban++;
      }
      c.nino += countMatches(NINO, v, MAX_COUNT - c.nino);
    }
    if (c.firstPath === null && c.email + c.phone + c.card + c.ssn + c.nino + c.iban > before) c.firstPath = t.path;
  }
  return c;
}

/** Total items of personal data counted. */
export function piiTotal(c: PiiCounts): number {
  return c.email + c.phone + c.card + c.ssn + c.nino + c.iban;
}

const KINDS: readonly { key: keyof Omit<PiiCounts, 'firstPath'>; weight: number; one: string; many: string }[] = [
  { key: 'card', weight: 25, one: 'card number', many: 'card numbers' },
  { key: 'ssn', weight: 25, one: 'US social security number', many: 'US social security numbers' },
  { key: 'nino', weight: 25, one: 'UK national insurance number', many: 'UK national insurance numbers' },
  { key: 'iban', weight: 15, one: 'IBAN', many: 'IBANs' },
  { key: 'email', weight: 4, one: 'e-mail address', many: 'e-mail addresses' },
  { key: 'phone', weight: 4, one: 'phone number', many: 'phone numbers' },
];

/** The `PII_IN_ARGS` finding for `counts` (none when there is nothing). */
export function piiFindings(counts: PiiCounts, _ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  let points = 0;
  const parts: string[] = [];
  for (const k of KINDS) {
    const n = counts[k.key];
    if (n === 0) continue;
    points += k.weight * (1 + Math.log2(n));
    parts.push(n >= MAX_COUNT ? `${MAX_COUNT}+ ${k.many}` : plural(n, k.one, k.many));
  }
  if (parts.length === 0) return [];
  return [
    {
      code: FactorCodes.PII_IN_ARGS,
      points: Math.min(cfg.points.piiMax, Math.round(points)),
      message: `${tick(counts.firstPath ?? 'args')} contains personal data: ${joinAnd(parts)}`,
    },
  ];
}

/** Detector: personal data in the arguments. */
export function detectPii(scan: Scan, ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  return piiFindings(countPii(scan), ctx, cfg);
}

function countMatches(re: RegExp, v: string, max: number): number {
  if (max <= 0) return 0;
  let n = 0;
  re.lastIndex = 0;
  while (n < max && re.exec(v) !== null) n++;
  re.lastIndex = 0;
  return n;
}

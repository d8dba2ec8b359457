/**
 * Outbound URLs: where could data go?
 *
 * A link to an outside page inside a short summary is ordinary and weighs little. What
 * looks like exfiltration is a call whose *destination* (the target, a `url`/`webhook`
 * field, or any bare URL of a network tool) is a host not on the allow-list while the
 * payload is a dump: many records, many characters, or personal data and secrets. A link
 * that carries data in its own address (`https://x.example/?d=<2 KiB>`, a markdown image
 * pointing out) is exfiltration too, whatever the tool.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { bytes, joinAnd, plural, tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import { has } from './config.js';
import type { Scan } from './scan.js';

const URL_RE = /\bhttps?:\/\/[^\s"'<>`\\)\]}]{1,4096}/gi;
const DEST_KEY = /^(?:url|uri|endpoint|webhook(?:_?url)?|callback(?:_?url)?|destination|dest|host|server|base_?url|upload_?url|target_?url|to)$/i;
const BARE_URL = /^\s*https?:\/\/\S+\s*$/i;

export interface UrlRef {
  url: string;
  host: string;
  path: string;
  destination: boolean;
}

/** Lower-case host of an `http(s)://` URL, without user info, port or trailing dot. */
export function hostOf(url: string): string {
  let rest = url.slice(url.indexOf('//') + 2);
  const end = rest.search(/[/?#]/);
  if (end >= 0) rest = rest.slice(0, end);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  if (rest.startsWith('[')) return rest.slice(0, rest.indexOf(']') + 1).toLowerCase();
  const colon = rest.indexOf(':');
  if (colon >= 0) rest = rest.slice(0, colon);
  return rest.toLowerCase().replace(/\.$/, '');
}

const PRIVATE_IP = /^(?:127\.|10\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|\[::1\]$)/;

const allowCache = new WeakMap<readonly string[], { exact: Set<string>; suffixes: string[] }>();

/** Is `host` allowed: on the allow-list (or a subdomain of an entry), internal, or private? */
export function hostAllowed(host: string, cfg: DetectorConfig): boolean {
  if (host === 'localhost' || PRIVATE_IP.test(host)) return true;
  for (const s of cfg.internalSuffixes) if (host.endsWith(s)) return true;
  let c = allowCache.get(cfg.allowedHosts);
  if (!c) {
    c = { exact: new Set(), suffixes: [] };
    for (const raw of cfg.allowedHosts) {
      const e = raw.trim().toLowerCase();
      if (e.startsWith('*.')) c.suffixes.push(e.slice(1));
      else if (e !== '') {
        c.exact.add(e);
        c.suffixes.push(`.${e}`);
      }
    }
    allowCache.set(cfg.allowedHosts, c);
  }
  if (c.exact.has(host)) return true;
  for (const s of c.suffixes) if (host.endsWith(s)) return true;
  return false;
}

/**
 * Every URL in the scanned text, marked as the call's destination or a mere mention.
 *
 * @example
 * findUrls(scanArgs({ url: 'https://x.example/in' }), ctx)[0]?.destination // true
 */
export function findUrls(scan: Scan, ctx: DetectorContext): UrlRef[] {
  const out: UrlRef[] = [];
  const network = has(ctx, 'network');
  for (const t of scan.texts) {
    if (!t.value.includes('://')) continue;
    const bare = BARE_URL.test(t.value);
    const destination = bare && (t.path === 'target' || DEST_KEY.test(t.key) || network);
    URL_RE.lastIndex = 0;
    for (let m = URL_RE.exec(t.value), n = 0; m !== null && n < 50; m = URL_RE.exec(t.value), n++) {
      out.push({ url: m[0], host: hostOf(m[0]), path: t.path, destination });
    }
  }
  return out;
}

/** Detector: outbound URLs and exfiltration-like calls. `sensitiveItems`: PII and secrets found. */
export function detectOutbound(scan: Scan, ctx: DetectorContext, cfg: DetectorConfig, sensitiveItems = 0): Finding[] {
  const urls = findUrls(scan, ctx).filter((u) => u.host !== '' && !hostAllowed(u.host, cfg));
  if (urls.length === 0) return [];
  const p = cfg.points;
  const findings: Finding[] = [];

  const dest = urls.find((u) => u.destination);
  let exfil: Finding | null = null;
  if (dest) {
    let lines = 0;
    for (const t of scan.texts) {
      if (t.value.length < 512) continue;
      let n = 0;
      for (let i = t.value.indexOf('\n'); i >= 0 && n < 100_000; i = t.value.indexOf('\n', i + 1)) n++;
      if (n > lines) lines = n;
    }
    const records = Math.max(scan.records, lines);
    const payload = scan.chars - dest.url.length;
    const dump =
      records >= cfg.dumpMinRecords || payload >= cfg.dumpMinChars || scan.truncated || sensitiveItems >= 5;
    if (dump) {
      const large = records >= cfg.dumpLargeRecords || payload >= cfg.dumpLargeChars || scan.truncated;
      const what: string[] = [];
      if (records >= cfg.dumpMinRecords) what.push(plural(records, 'record'));
      what.push(scan.truncated ? `more than ${bytes(payload)}` : bytes(payload));
      if (sensitiveItems > 0) what.push(plural(sensitiveItems, 'item') + ' of personal data or secrets');
      exfil = {
        code: FactorCodes.DATA_EXFILTRATION,
        points: p.exfiltration + (large ? p.exfiltrationLarge : 0),
        message: `${tick(ctx.tool)} sends ${joinAnd(what)} to ${tick(dest.host)}, which is not on the allow-list`,
      };
    } else {
      findings.push({
        code: FactorCodes.OUTBOUND_URL,
        points: p.outboundDestination,
        message: `${tick(ctx.tool)} calls ${tick(dest.host)}, which is not on the allow-list`,
      });
    }
  }

  const loaded = urls.find((u) => u.url.length >= cfg.urlDataMinChars);
  if (loaded && (exfil === null || exfil.points < p.urlData)) {
    exfil = {
      code: FactorCodes.DATA_EXFILTRATION,
      points: p.urlData,
      message: `${tick(loaded.path)} links to ${tick(loaded.host)}, not on the allow-list, with ${bytes(loaded.url.length)} of data in the address`,
    };
  }
  if (exfil) findings.push(exfil);

  const mentions = [...new Set(urls.filter((u) => !u.destination && u !== loaded).map((u) => u.host))];
  if (mentions.length > 0 && !findings.some((f) => f.code === FactorCodes.OUTBOUND_URL)) {
    const first = urls.find((u) => !u.destination) as UrlRef;
    const shown = mentions.slice(0, 2).map((h) => tick(h));
    if (mentions.length > 2) shown.push(plural(mentions.length - 2, 'more host'));
    findings.push({
      code: FactorCodes.OUTBOUND_URL,
      points: p.outboundMention,
      message: `${tick(first.path)} links to ${joinAnd(shown)}, not on the allow-list`,
    });
  }
  return findings;
}

/**
 * Large encoded blobs in arguments: long runs of base64 or hex. An agent that ships an
 * archive, a key store or smuggled data as one opaque string does it this way.
 *
 * One linear pass per string, no regex: a regex over 64 KiB of near-misses would
 * backtrack; this cannot.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { bytes, tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import type { Scan } from './scan.js';

export interface BlobHit {
  kind: 'base64' | 'hex';
  length: number;
  path: string;
}

/**
 * The longest base64 or hex run in each scanned string, if long enough. A base64 run
 * must mix upper case, lower case and digits; a hex run must mix digits and letters.
 *
 * @example
 * findBlobs(scanArgs({ file: 'QUJD'.repeat(100) }), DEFAULT_DETECTOR_CONFIG)[0]?.kind // 'base64'
 */
export function findBlobs(scan: Scan, cfg: DetectorConfig): BlobHit[] {
  const hits: BlobHit[] = [];
  const minRun = Math.min(cfg.base64MinChars, cfg.hexMinChars);
  for (const t of scan.texts) {
    const v = t.value;
    if (v.length < minRun) continue;
    const st: { best: BlobHit | null } = { best: null };
    // Base64 (standard and URL-safe) state.
    let b64 = 0;
    let upper = false;
    let lower = false;
    let digit = false;
    // Hex state.
    let hex = 0;
    let hexDigit = false;
    let hexAlpha = false;
    const endB64 = () => {
      if (b64 >= cfg.base64MinChars && upper && lower && digit && (!st.best || b64 > st.best.length)) {
        st.best = { kind: 'base64', length: b64, path: t.path };
      }
      b64 = 0;
      upper = lower = digit = false;
    };
    const endHex = () => {
      if (hex >= cfg.hexMinChars && hexDigit && hexAlpha && (!st.best || hex > st.best.length)) {
        st.best = { kind: 'hex', length: hex, path: t.path };
      }
      hex = 0;
      hexDigit = hexAlpha = false;
    };
    for (let i = 0; i <= v.length; i++) {
      const c = i < v.length ? v.charCodeAt(i) : 32;
      const isDigit = c >= 48 && c <= 57;
      const isUpper = c >= 65 && c <= 90;
      const isLower = c >= 97 && c <= 122;
      // Base64 line breaks (76 or 64 columns) do not end a blob.
      const isB64 = isDigit || isUpper || isLower || c === 43 || c === 47 || c === 45 || c === 95 || c === 61;
      const isB64Break = c === 10 || c === 13;
      if (isB64) {
        b64++;
        if (isUpper) upper = true;
        else if (isLower) lower = true;
        else if (isDigit) digit = true;
      } else if (!isB64Break) endB64();
      const isHexAlpha = (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
      if (isDigit || isHexAlpha) {
        hex++;
        if (isDigit) hexDigit = true;
        else hexAlpha = true;
      } else endHex();
    }
    if (st.best) hits.push(st.best);
  }
  return hits;
}

/** Detector: large encoded blobs. */
export function detectBlobs(scan: Scan, _ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  const hits = findBlobs(scan, cfg);
  if (hits.length === 0) return [];
  let top = hits[0] as BlobHit;
  let totalLen = 0;
  for (const h of hits) {
    totalLen += h.length;
    if (h.length > top.length) top = h;
  }
  const large = totalLen >= cfg.blobLargeChars;
  const count = hits.length > 1 ? ` (${hits.length} blobs, ${bytes(totalLen)} in all)` : '';
  return [
    {
      code: FactorCodes.ENCODED_BLOB,
      points: large ? cfg.points.blobLarge : cfg.points.blob,
      message: `${tick(top.path)} holds a ${bytes(top.length)} ${top.kind} blob${count}`,
    },
  ];
}

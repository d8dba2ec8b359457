/**
 * Audit entries as lines for a SIEM: JSON Lines (the API's `{index, leafHash, entry}`
 * with the exact leaf text) or ArcSight CEF, escaped as the CEF specification asks
 * (header: `\` and `|`; extension values: `\`, `=` and line breaks).
 */
import type { RawEntry } from '../store/sqlite/log.js';

export const EXPORT_FORMATS = ['jsonl', 'cef'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One JSON line; `entry` is the stored canonical text, byte for byte. */
export function jsonLine(raw: RawEntry): string {
  return `{"index":${raw.index},"leafHash":"${raw.leafHash.toString('base64')}","entry":${raw.text}}\n`;
}

/** CEF header field: backslash and pipe escaped, no line breaks. */
export function cefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/** CEF extension value: backslash and equals escaped, line breaks as `\n` / `\r`. */
export function cefValue(value: string): string {
  return value.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** 0–10: how much a security analyst should care about this entry type. */
export function cefSeverity(type: string, data: Record<string, unknown> | undefined): number {
  if (type === 'decision') return data?.decision === 'deny' ? 6 : data?.decision === 'allow' ? 3 : 5;
  if (/\.(suspended|revoked|denied|erased)$/.test(type) || type === 'audit.erased') return 7;
  if (/^(key|policy|agent)\./.test(type)) return 5;
  return 3;
}

/**
 * One CEF line for an entry.
 *
 * @example
 * cefLine(raw); // 'CEF:0|Warden|warden|0.1.0|key.created|key.created|5|rt=1767607200000 suser=system …\n'
 */
export function cefLine(raw: RawEntry, version = '0.1.0'): string {
  const entry = JSON.parse(raw.text) as { type: string; time: string; actor: string; subject?: string; data?: Record<string, unknown> };
  const type = cefHeader(String(entry.type));
  const ext: Array<[string, string]> = [
    ['rt', String(Date.parse(entry.time))],
    ['suser', String(entry.actor)],
    ['externalId', String(raw.index)],
  ];
  if (entry.subject !== undefined) ext.push(['cs1Label', 'subject'], ['cs1', String(entry.subject)]);
  ext.push(['cs2Label', 'leafHash'], ['cs2', raw.leafHash.toString('base64')]);
  ext.push(['msg', JSON.stringify(entry.data ?? {})]);
  const extension = ext.map(([k, v]) => `${k}=${cefValue(v)}`).join(' ');
  return `CEF:0|Warden|warden|${cefHeader(version)}|${type}|${type}|${cefSeverity(entry.type, entry.data)}|${extension}\n`;
}

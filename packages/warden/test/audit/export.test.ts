/** SIEM lines: JSON Lines with the exact leaf text, and CEF escaped per the specification. */
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { cefHeader, cefLine, cefSeverity, cefValue, jsonLine } from '../../src/audit/export.js';
import { leafHash } from '../../src/audit/merkle.js';
import type { RawEntry } from '../../src/store/sqlite/log.js';

function raw(entry: Record<string, unknown>): RawEntry {
  const bytes = canonicalBytes(entry);
  return { index: entry.index as number, leafHash: leafHash(bytes), text: bytes.toString('utf8') };
}

const ENTRY = {
  v: 1,
  index: 7,
  time: '2026-01-05T10:00:00.000Z',
  type: 'agent.suspended',
  actor: 'human:alice',
  subject: 'agent:forum-helper',
  data: { reason: 'a=b | c\\d\nnext' },
};

describe('jsonLine', () => {
  it('is the API shape with the stored leaf text byte for byte', () => {
    const r = raw(ENTRY);
    const line = jsonLine(r);
    expect(line.endsWith('\n')).toBe(true);
    expect(line).toBe(`{"index":7,"leafHash":"${r.leafHash.toString('base64')}","entry":${r.text}}\n`);
    expect(JSON.parse(line)).toEqual({ index: 7, leafHash: r.leafHash.toString('base64'), entry: ENTRY });
  });
});

describe('CEF', () => {
  it('escapes backslash and pipe in header fields', () => {
    expect(cefHeader('a|b\\c')).toBe('a\\|b\\\\c');
  });

  it('puts no line break in a header field', () => {
    expect(cefHeader('a\r\nb')).toBe('a b');
  });

  it('escapes backslash and equals in extension values, and writes line breaks as \\n and \\r', () => {
    expect(cefValue('a=b\\c\nd\re|f')).toBe('a\\=b\\\\c\\nd\\re|f');
  });

  it('writes one line per entry with the entry time, actor, index, subject and leaf hash', () => {
    const r = raw(ENTRY);
    expect(cefLine(r)).toBe(
      'CEF:0|Warden|warden|0.1.0|agent.suspended|agent.suspended|7|' +
        `rt=${Date.parse(ENTRY.time)} suser=human:alice externalId=7 cs1Label=subject cs1=agent:forum-helper ` +
        `cs2Label=leafHash cs2=${cefValue(r.leafHash.toString('base64'))} msg={"reason":"a\\=b | c\\\\\\\\d\\\\nnext"}\n`,
    );
  });

  it('escapes a pipe in the type of the header', () => {
    expect(cefLine(raw({ ...ENTRY, type: 'x|y' }))).toMatch(/^CEF:0\|Warden\|warden\|0\.1\.0\|x\\\|y\|x\\\|y\|3\|/);
  });

  it.each([
    ['decision', { decision: 'deny' }, 6],
    ['decision', { decision: 'allow' }, 3],
    ['decision', { decision: 'pending' }, 5],
    ['key.revoked', {}, 7],
    ['audit.erased', {}, 7],
    ['policy.updated', {}, 5],
    ['tool.categorised', {}, 3],
  ])('rates %s %j as severity %i', (type, data, severity) => {
    expect(cefSeverity(type, data)).toBe(severity);
  });
});

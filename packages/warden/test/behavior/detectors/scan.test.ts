import { describe, expect, it } from 'vitest';
import { scanArgs } from '../../../src/behavior/detectors/scan.js';

describe('scanArgs', () => {
  it('walks every string value in document order with its path and key', () => {
    const s = scanArgs({ body: 'hi', meta: { tags: ['a', 'b'] }, n: 3 }, 'forum/q/1');
    expect(s.texts.map((t) => [t.path, t.key, t.value])).toEqual([
      ['target', 'target', 'forum/q/1'],
      ['body', 'body', 'hi'],
      ['meta.tags[0]', 'tags', 'a'],
      ['meta.tags[1]', 'tags', 'b'],
    ]);
    expect(s.truncated).toBe(false);
  });

  it('counts records and picks out limit-like numbers', () => {
    const s = scanArgs({ rows: [{ a: 1 }, { a: 2 }], limit: 5000, pageSize: '2000', other: 7 });
    expect(s.records).toBe(2);
    expect(s.limits).toEqual([
      { key: 'limit', value: 5000 },
      { key: 'pageSize', value: 2000 },
    ]);
  });

  it('reads long integers as text (card numbers arrive as JSON numbers too)', () => {
    expect(scanArgs({ card: 4111111111111111 }).texts[0]?.value).toBe('4111111111111111');
  });

  it('stops at 64 KiB of text and says so', () => {
    const s = scanArgs({ a: 'x'.repeat(40_000), b: 'y'.repeat(40_000), c: 'z' });
    expect(s.chars).toBe(64 * 1024);
    expect(s.truncated).toBe(true);
  });

  it('ends on a cyclic object instead of looping', () => {
    const a: Record<string, unknown> = { name: 'loop' };
    a.self = a;
    const s = scanArgs(a);
    expect(s.truncated).toBe(true);
  });

  it('survives nesting deeper than the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(scanArgs(deep).truncated).toBe(true);
  });
});

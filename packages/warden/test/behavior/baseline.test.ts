import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BASELINE_LIMITS,
  emptyBaseline,
  gapBin,
  noteAttempt,
  parseBaseline,
  summarizeBaseline,
  transitionKey,
  updateBaseline,
} from '../../src/behavior/baseline.js';
import { hourOfWeek, toMillis } from '../../src/behavior/types.js';
import { WardenError } from '../../src/errors.js';
import { DAY, HOUR, MONDAY, officeHistory } from './fixtures.js';

const act = (time: number, tool = 'forum.read', categories = ['read'], target?: string, intent?: string) => ({
  time,
  tool,
  categories,
  target,
  intent,
});

describe('emptyBaseline', () => {
  it('is plain JSON that parses back to an equal baseline', () => {
    const b = emptyBaseline();
    const back = parseBaseline(JSON.stringify(b));
    expect(JSON.stringify(back)).toBe(JSON.stringify(b));
    expect(b.hours).toHaveLength(168);
    expect(b.total).toBe(0);
    expect(b.firstSeen).toBeNull();
  });
});

describe('updateBaseline', () => {
  it('counts tools, categories, target prefixes, the hour of the week and first/last seen', () => {
    const b = emptyBaseline();
    const t = MONDAY + 9 * HOUR + 30 * 60_000; // Monday 09:30 UTC
    updateBaseline(b, act(t, 'forum.post', ['publish', 'write'], 'forum/questions/4721/answers'));
    updateBaseline(b, act(t + 60_000, 'forum.post', ['publish', 'write'], 'forum/questions/12'));
    expect(b.total).toBe(2);
    expect(b.tools.counts['forum.post']).toBe(2);
    expect(b.categories.counts.publish).toBe(2);
    expect(b.categories.counts.write).toBe(2);
    expect(b.targets.counts['forum/questions']).toBe(2);
    expect(b.hours[9]).toBe(2);
    expect(b.firstSeen).toBe(t);
    expect(b.lastSeen).toBe(t + 60_000);
    expect(b.lastTool).toBe('forum.post');
  });

  it('counts a transition within a session but not across a long pause', () => {
    const b = emptyBaseline();
    updateBaseline(b, act(MONDAY, 'a'));
    updateBaseline(b, act(MONDAY + 60_000, 'b'));
    updateBaseline(b, act(MONDAY + 60_000 + DEFAULT_BASELINE_LIMITS.sessionGapMs + 1, 'c'));
    expect(b.transitions.counts[transitionKey('a', 'b')]).toBe(1);
    expect(b.transitions.counts[transitionKey('b', 'c')]).toBeUndefined();
  });

  it('records intent action words and their categories, not nouns', () => {
    const b = emptyBaseline();
    updateBaseline(b, act(MONDAY, 'crm.get_customer', ['read', 'pii'], undefined, 'answer support ticket 4 for customer 9'));
    expect(b.intents.counts.answer).toBe(1);
    expect(b.intents.counts['answer>pii']).toBe(1);
    expect(b.intents.counts.customer).toBeUndefined();
  });

  it('keeps a usual rate: at one action a minute the decayed count settles near ten', () => {
    const b = emptyBaseline();
    for (let i = 0; i < 200; i++) updateBaseline(b, act(MONDAY + i * 60_000));
    expect(b.rate.recent).toBeGreaterThan(9.5);
    expect(b.rate.recent).toBeLessThan(10.6);
    expect(b.rate.typical).toBeGreaterThan(8);
  });

  it('does not move lastSeen back or count a transition for an out-of-order event', () => {
    const b = emptyBaseline();
    updateBaseline(b, act(MONDAY + HOUR, 'a'));
    updateBaseline(b, act(MONDAY, 'b'));
    expect(b.lastSeen).toBe(MONDAY + HOUR);
    expect(b.firstSeen).toBe(MONDAY);
    expect(b.lastTool).toBe('a');
    expect(b.transitions.size).toBe(0);
  });

  it('stays within its caps when fed 100,000 distinct tools, and keeps the habitual one', () => {
    const b = emptyBaseline();
    for (let i = 0; i < 100_000; i++) {
      if (i % 10 === 0) updateBaseline(b, act(MONDAY + i * 1000, 'forum.read', ['read'], 'forum/questions/1'));
      else updateBaseline(b, act(MONDAY + i * 1000, `tool.${i}`, ['read'], `t/${i}/x`));
    }
    expect(b.tools.size).toBeLessThanOrEqual(DEFAULT_BASELINE_LIMITS.tools);
    expect(b.transitions.size).toBeLessThanOrEqual(DEFAULT_BASELINE_LIMITS.transitions);
    expect(b.targets.size).toBeLessThanOrEqual(DEFAULT_BASELINE_LIMITS.targets);
    expect(Object.keys(b.tools.counts)).toHaveLength(b.tools.size);
    expect(Object.keys(b.transitions.counts)).toHaveLength(b.transitions.size);
    expect(Object.keys(b.targets.counts)).toHaveLength(b.targets.size);
    expect(b.tools.counts['forum.read']).toBeGreaterThan(1000);
    expect(b.targets.counts['forum/questions']).toBeGreaterThan(1000);
    expect(b.tools.evicted).toBeGreaterThan(80_000);
    expect(JSON.stringify(b).length).toBeLessThan(64 * 1024);
  });

  it('halves counts every `decayEvery` actions and drops keys that fall under one half', () => {
    const b = emptyBaseline();
    const limits = { decayEvery: 100 };
    updateBaseline(b, act(MONDAY, 'once'), { limits });
    for (let i = 1; i < 100; i++) updateBaseline(b, act(MONDAY + i * 1000, 'often'), { limits });
    expect(b.decays).toBe(1);
    expect(b.tools.counts.often).toBe(49.5);
    expect(b.tools.counts.once).toBe(0.5);
    for (let i = 100; i < 200; i++) updateBaseline(b, act(MONDAY + i * 1000, 'often'), { limits });
    expect(b.decays).toBe(2);
    expect(b.tools.counts.once).toBeUndefined();
    expect(b.total).toBe(200);
    expect(b.hoursTotal).toBeCloseTo(b.hours.reduce((x, y) => x + y, 0));
  });

  it('counts a tool named `__proto__` and a target called `constructor` like any other', () => {
    const b = emptyBaseline();
    updateBaseline(b, act(MONDAY, '__proto__', ['read'], 'constructor'));
    updateBaseline(b, act(MONDAY + 1000, '__proto__', ['read'], 'constructor'));
    expect(b.tools.counts['__proto__']).toBe(2);
    expect(b.targets.counts.constructor).toBe(2);
    expect(Object.getPrototypeOf(b.tools.counts)).toBeNull();
    const back = parseBaseline(JSON.stringify(b));
    expect(back.tools.counts['__proto__']).toBe(2);
    expect(Object.getPrototypeOf(back.tools.counts)).toBeNull();
  });

  it('clips an overlong tool name so one agent cannot grow its baseline without bound', () => {
    const b = emptyBaseline();
    updateBaseline(b, act(MONDAY, 'x'.repeat(10_000)));
    expect(Object.keys(b.tools.counts)[0]).toHaveLength(200);
  });

  it('refuses a time that is not one with `INVALID_ACTION_TIME`', () => {
    expect(() => updateBaseline(emptyBaseline(), act(Number.NaN))).toThrow(WardenError);
    try {
      toMillis('yesterday');
    } catch (e) {
      expect((e as WardenError).code).toBe('INVALID_ACTION_TIME');
    }
    expect.assertions(2);
  });
});

describe('noteAttempt', () => {
  it('counts a held attempt in the recent pace and nowhere else', () => {
    const b = officeHistory([{ tool: 'a', categories: ['read'] }], { weeks: 1 });
    const before = JSON.parse(JSON.stringify(b)) as typeof b;
    const t = (b.lastSeen as number) + 1000;
    noteAttempt(b, t);
    noteAttempt(b, t + 1000);
    expect(b.rate.recent).toBeGreaterThan(before.rate.recent + 1.5);
    expect(b.rate.at).toBe(t + 1000);
    expect(b.total).toBe(before.total);
    expect(b.tools).toEqual(before.tools);
    expect(b.rate.typical).toBe(before.rate.typical);
  });
});

describe('hourOfWeek and gapBin', () => {
  it.each([
    [Date.UTC(2026, 2, 2, 0), 0], // Monday 00:00
    [Date.UTC(2026, 2, 2, 9, 59), 9],
    [Date.UTC(2026, 2, 8, 23, 30), 167], // Sunday 23:30
    [Date.UTC(1970, 0, 1, 5), 3 * 24 + 5], // a Thursday
  ])('puts %s in bin %i', (ms, bin) => {
    expect(hourOfWeek(ms)).toBe(bin);
  });

  it.each([
    [0, 0],
    [499, 0],
    [1000, 2],
    [4000, 4],
    [60_000, 7],
    [10 * DAY, 15],
  ])('puts a gap of %i ms in bin %i', (ms, bin) => {
    expect(gapBin(ms)).toBe(bin);
  });
});

describe('parseBaseline', () => {
  it.each([
    ['not JSON', '{'],
    ['another version', JSON.stringify({ ...emptyBaseline(), version: 2 })],
    ['a short hour histogram', JSON.stringify({ ...emptyBaseline(), hours: [1, 2] })],
    ['a negative count', JSON.stringify({ ...emptyBaseline(), total: -1 })],
    ['a count map without counts', JSON.stringify({ ...emptyBaseline(), tools: { size: 0, evicted: 0 } })],
    ['a string count', JSON.stringify({ ...emptyBaseline(), tools: { size: 1, evicted: 0, counts: { a: '1' } } })],
    ['an array', '[]'],
  ])('refuses %s with `INVALID_BASELINE`', (_name, text) => {
    expect(() => parseBaseline(text)).toThrow(expect.objectContaining({ code: 'INVALID_BASELINE' }));
  });

  it('reads a blob from before the pace histogram, starting the pace empty', () => {
    const b = officeHistory([{ tool: 'a', categories: ['read'] }], { weeks: 1 });
    const { gaps: _g, gapsTotal: _t, ...old } = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
    const rate = { ...(old.rate as Record<string, unknown>) };
    delete rate.at;
    delete rate.fastStreak;
    const back = parseBaseline({ ...old, rate });
    expect(back.gaps).toEqual(new Array(16).fill(0));
    expect(back.gapsTotal).toBe(0);
    expect(back.rate.at).toBe(b.lastSeen);
    expect(back.rate.fastStreak).toBe(0);
    expect(back.tools).toEqual(b.tools);
  });

  it('recounts `size` from the keys rather than trusting it', () => {
    const raw = { ...emptyBaseline(), tools: { size: 99, evicted: 0, counts: { a: 1, b: 2 } } };
    expect(parseBaseline(raw).tools.size).toBe(2);
  });
});

describe('summarizeBaseline', () => {
  it('says a new agent is learning', () => {
    const s = summarizeBaseline(emptyBaseline(), { agent: 'new-bot' });
    expect(s.learning).toBe(true);
    expect(s.text[0]).toBe('`new-bot` has no recorded activity yet');
  });

  it('describes an office agent: top tools, weekday hours, pace', () => {
    const b = officeHistory(
      [
        { tool: 'forum.read', categories: ['read'], target: 'forum/questions/1' },
        { tool: 'forum.read', categories: ['read'], target: 'forum/questions/2' },
        { tool: 'forum.draft', categories: ['write'], target: 'forum/drafts/1' },
      ],
      { weeks: 2 },
    );
    const s = summarizeBaseline(b, { agent: 'forum-helper' });
    expect(s.learning).toBe(false);
    expect(s.total).toBe(480);
    expect(s.topTools.map((t) => t.name)).toEqual(['forum.read', 'forum.draft']);
    expect(s.topTools[0]?.share).toBeCloseTo(2 / 3);
    expect(s.topCategories[0]).toEqual({ name: 'read', count: 320, share: 2 / 3 });
    expect(s.usualHours).toEqual({ utc: ['09:00-17:00'], days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'] });
    expect(s.rate.usualPerHour).toBeGreaterThan(4);
    expect(s.rate.usualPerHour).toBeLessThan(7);
    expect(s.firstSeen).toBe('2026-03-02T09:00:00.000Z');
    expect(s.text).toEqual([
      '`forum-helper` has a baseline of 480 actions since 2026-03-02',
      'mostly uses `forum.read` (67%), `forum.draft` (33%)',
      'acts in categories `read` (67%), `write` (33%)',
      'usually touches `forum/questions` (67%), `forum/drafts` (33%)',
      'usually active 09:00-17:00 UTC on weekdays',
      `usual pace about ${s.rate.usualPerHour} actions per hour while active`,
    ]);
  });

  it('wraps a night shift across midnight', () => {
    const b = emptyBaseline();
    for (let d = 0; d < 14; d++) {
      for (let h = 22; h < 30; h++) updateBaseline(b, act(MONDAY + d * DAY + h * HOUR));
    }
    expect(summarizeBaseline(b).usualHours.utc).toEqual(['22:00-06:00']);
  });
});

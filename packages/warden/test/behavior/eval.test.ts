import { describe, expect, it } from 'vitest';
import { formatReport, runEvaluation } from '../../src/behavior/eval/run.js';
import { generateWorld } from '../../src/behavior/eval/generator.js';
import { KINDS } from '../../src/behavior/eval/inject.js';

describe('the behaviour evaluation (small run)', () => {
  const report = runEvaluation({ seed: 7, weeks: 4, incidentsPerKind: 12, threshold: 70 });

  it('covers at least 20 agents and every kind of misbehaviour', () => {
    expect(report.agents).toBeGreaterThanOrEqual(20);
    expect(report.kinds.map((k) => k.kind)).toEqual([...KINDS]);
    for (const k of report.kinds) expect(k.incidents).toBe(12);
  });

  it.each([...KINDS])('flags at least 90%% of injected %s actions', (kind) => {
    const k = report.kinds.find((x) => x.kind === kind);
    expect(k?.rate).toBeGreaterThanOrEqual(0.9);
  });

  it('flags at most 2% of normal actions', () => {
    expect(report.normal.actions).toBeGreaterThan(10_000);
    expect(report.normal.rate).toBeLessThanOrEqual(0.02);
  });

  it('reports the misbehaviour built to slip through as undetected, not as a success', () => {
    const mimicry = report.stress.find((k) => k.kind === 'mimicry');
    expect(mimicry?.rate).toBeLessThan(0.5);
  });

  it('prints a table', () => {
    const text = formatReport(report);
    expect(text).toContain('| widening-advice |');
    expect(text).toContain('| all agents |');
  });

  it('generates the same world from the same seed', () => {
    const a = generateWorld({ seed: 3, weeks: 1 });
    const b = generateWorld({ seed: 3, weeks: 1 });
    expect(a.events.length).toBe(b.events.length);
    expect(JSON.stringify(a.events.slice(0, 50))).toBe(JSON.stringify(b.events.slice(0, 50)));
  });
});

/**
 * Behaviour: scoring time per action (p50, p99) beside a no-op timed the same way, and the
 * memory that 10,000 agents with 1,000 actions each take, beside 10,000 empty baselines.
 */
import { emptyBaseline, updateBaseline, type Baseline } from '../packages/warden/src/behavior/baseline.js';
import { resolveScoreConfig } from '../packages/warden/src/behavior/config.js';
import { scoreAction } from '../packages/warden/src/behavior/score.js';
import type { Row } from './types.js';
import { percentile } from './util.js';

const TOOLS = ['docs.read', 'docs.search', 'forum.read', 'forum.post', 'repo.read', 'repo.list', 'ci.run', 'mail.send'];
const CATS: Record<string, string[]> = {
  'docs.read': ['read'],
  'docs.search': ['read'],
  'forum.read': ['read'],
  'forum.post': ['publish', 'write'],
  'repo.read': ['read'],
  'repo.list': ['read'],
  'ci.run': ['execute'],
  'mail.send': ['network', 'write'],
};

function train(b: Baseline, actions: number, seed: number): void {
  let t = Date.parse('2026-10-01T08:00:00Z') + seed * 1000;
  for (let i = 0; i < actions; i++) {
    const tool = TOOLS[(i * 7 + seed) % TOOLS.length] as string;
    t += 60_000 + ((i * 13) % 600) * 1000;
    updateBaseline(b, { time: t, tool, categories: CATS[tool] ?? ['unknown'], target: `space-${seed % 50}/page-${i % 40}`, intent: 'answer questions from the docs' });
  }
}

function timeEach(n: number, fn: (i: number) => unknown): number[] {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    lat.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return lat.sort((a, b) => a - b);
}

function heapMiB(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

export async function benchBehavior(): Promise<Row[]> {
  const config = resolveScoreConfig();
  const b = emptyBaseline();
  train(b, 1000, 1);
  const args = { body: 'Here is the summary of the thread you asked for; the fix is in the linked doc https://docs.example.com/x' };
  const action = (i: number) => ({ time: Date.parse('2026-11-02T10:00:00Z') + i * 1000, agent: 'bench', tool: 'forum.post', categories: ['publish', 'write'], target: 'space-1/page-3', args });
  const noop = (x: unknown) => x;
  timeEach(20_000, (i) => scoreAction({ baseline: b, action: action(i), task: { intent: 'draft an answer' }, config })); // warm
  const noopLat = timeEach(50_000, (i) => noop(action(i)));
  const lat = timeEach(50_000, (i) => scoreAction({ baseline: b, action: action(i), task: { intent: 'draft an answer' }, chain: { depth: 1 }, config }));

  // Memory: the gc is exposed only with --expose-gc; without it the figure includes garbage.
  const before = heapMiB();
  const empties: Baseline[] = [];
  for (let a = 0; a < 10_000; a++) empties.push(emptyBaseline());
  const emptyMiB = heapMiB() - before;
  empties.length = 0;
  const before2 = heapMiB();
  const trained: Baseline[] = [];
  for (let a = 0; a < 10_000; a++) {
    const x = emptyBaseline();
    train(x, 1000, a);
    trained.push(x);
  }
  const trainedMiB = heapMiB() - before2;
  const perAgentKiB = (trainedMiB * 1024) / trained.length;
  return [
    { name: 'score one action p50 (short body with a URL)', value: percentile(lat, 50), unit: 'µs', baseline: { name: 'no-op p50', value: percentile(noopLat, 50) } },
    { name: 'score one action p99', value: percentile(lat, 99), unit: 'µs', baseline: { name: 'no-op p99', value: percentile(noopLat, 99) } },
    { name: 'heap for 10,000 agents × 1,000 actions', value: trainedMiB, unit: 'MiB', baseline: { name: '10,000 empty baselines', value: emptyMiB } },
    { name: 'heap per trained agent', value: perAgentKiB, unit: 'KiB' },
  ];
}

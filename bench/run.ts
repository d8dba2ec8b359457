/**
 * `npm run bench [-- name …]`: runs the benchmarks and prints one table. Every figure
 * stands beside a baseline measured in the same run, as a ratio, because this machine
 * is shared and noisy: compare ratios across runs, not absolute numbers.
 */
import { benchBehavior } from './behavior.js';
import { benchDecisions } from './decisions.js';
import { benchIdentity } from './identity.js';
import { benchInventory } from './inventory.js';
import type { Bench, Row } from './types.js';

const BENCHES: Record<string, Bench> = {
  inventory: benchInventory,
  identity: benchIdentity,
  decisions: benchDecisions,
  behavior: benchBehavior,
  audit: async () => (await import('./audit.js')).benchAudit(),
  mcp: async () => (await import('./mcp.js')).benchMcp(),
};

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toPrecision(3);
}

function render(rows: Array<Row & { suite: string }>): string {
  const head = ['suite', 'measure', 'value', 'baseline (same run)', 'ratio'];
  const body = rows.map((r) => [
    r.suite,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}` : '-',
    r.baseline ? `${(r.value / r.baseline.value).toFixed(3)}x` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.map((u) => `\`${u}\``).join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  const rows: Array<Row & { suite: string }> = [];
  for (const [suite, bench] of Object.entries(BENCHES)) {
    if (wanted.length > 0 && !wanted.includes(suite)) continue;
    process.stderr.write(`running ${suite} …\n`);
    for (const row of await bench()) rows.push({ ...row, suite });
  }
  process.stdout.write(`${render(rows)}\n`);
}

await main();

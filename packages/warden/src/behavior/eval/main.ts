/**
 * `npm run eval:behavior [-- --seed N --weeks N --incidents N --threshold N]`: runs the
 * behaviour evaluation and prints the detection table. Exits 1 when a target is missed
 * (any kind under 90% detection, or more than 2% false positives).
 */
import { DEFAULT_EVAL_OPTIONS, formatReport, runEvaluation } from './run.js';
import type { EvalOptions } from './run.js';

const DETECTION_TARGET = 0.9;
const FP_TARGET = 0.02;

function parseArgs(argv: readonly string[]): Partial<EvalOptions> {
  const out: Partial<EvalOptions> = {};
  const keys: Record<string, keyof EvalOptions> = {
    '--seed': 'seed',
    '--weeks': 'weeks',
    '--incidents': 'incidentsPerKind',
    '--threshold': 'threshold',
  };
  for (let i = 0; i < argv.length; i++) {
    const key = keys[argv[i] as string];
    const value = Number(argv[i + 1]);
    if (key === undefined || !Number.isFinite(value)) {
      throw new TypeError(`usage: eval:behavior [--seed N] [--weeks N] [--incidents N] [--threshold N]; bad \`${argv[i]}\``);
    }
    (out as Record<string, number>)[key] = value;
    i++;
  }
  return out;
}

const options = { ...DEFAULT_EVAL_OPTIONS, ...parseArgs(process.argv.slice(2)) };
const started = performance.now();
const report = runEvaluation(options);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `${formatReport(report)}\n\nscoring time per action: p50 ${report.microsP50.toFixed(1)} µs, p99 ${report.microsP99.toFixed(1)} µs, ` +
    `mean ${report.microsPerAction.toFixed(1)} µs (whole run ${seconds} s; for information, \`npm run bench\` measures)\n`,
);
const missed = report.kinds.filter((k) => k.rate < DETECTION_TARGET).map((k) => k.kind);
if (report.normal.rate > FP_TARGET) missed.push('false positives');
if (missed.length > 0) {
  process.stdout.write(`targets missed: ${missed.join(', ')}\n`);
  for (const e of report.fpExamples) process.stdout.write(`  fp ${e.agent} ${e.tool} ${e.score}: ${e.codes.join(' ')}\n`);
  process.exitCode = 1;
}

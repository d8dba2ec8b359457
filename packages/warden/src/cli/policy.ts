/** `warden policy validate|test|simulate`: check Cedar policies before they govern anything. */
import type { Command } from 'commander';
import { WardenError } from '../errors.js';
import { PolicyCodes } from '../policy/errors.js';
import { readPolicyPath } from '../policy/pack.js';
import { formatPolicyTestReport, runPolicyTestFile, validatePolicyDir } from '../policy/testing.js';
import { addDataFlags, print, withWarden, type GlobalFlags } from './common.js';

export function policyCommand(program: Command): void {
  const policy = program.command('policy').description('Cedar policies');

  policy
    .command('validate')
    .description('validate a directory (or file) of .cedar policies against the schema')
    .argument('<path>')
    .action((path: string) => {
      const report = validatePolicyDir(path);
      if (!report.valid) {
        process.stderr.write(`${report.messages.join('\n')}\n`);
        // Thrown, not `process.exitCode`: main() resolves to the exit code, which the entry point sets.
        const n = report.messages.length;
        throw new WardenError(PolicyCodes.INVALID_POLICY, `\`${path}\` does not validate: ${n} problem${n === 1 ? '' : 's'}`);
      }
      process.stdout.write(`ok: ${report.policies.length} policies valid${report.warnings.length ? ` (${report.warnings.length} warnings)` : ''}\n`);
      for (const w of report.warnings) process.stdout.write(`warning: ${w}\n`);
    });

  policy
    .command('test')
    .description('run a YAML table of requests and expected decisions')
    .argument('<file>')
    .option('--policies <path>', 'policies to test (default: those the file names, else the default pack)')
    .action((file: string, flags: { policies?: string }) => {
      const report = runPolicyTestFile(file, flags.policies === undefined ? {} : { policies: flags.policies });
      process.stdout.write(`${formatPolicyTestReport(report)}\n`);
      if (report.failed > 0) {
        throw new WardenError(PolicyCodes.POLICY_TEST_FAILED, `${report.failed} of ${report.results.length} policy tests failed`);
      }
    });

  addDataFlags(policy.command('simulate').description('replay recorded decisions under candidate policies and list what would change'))
    .requiredOption('--policies <path>', 'candidate .cedar file or directory')
    .option('--from <time>', 'start of the window (ISO time; default 24 hours ago)')
    .option('--to <time>', 'end of the window (ISO time; default now)')
    .action(async (flags: GlobalFlags & { policies: string; from?: string; to?: string }) => {
      const text = readPolicyPath(flags.policies).sources.map((s) => s.text).join('\n');
      const to = flags.to === undefined ? new Date() : new Date(flags.to);
      const from = flags.from === undefined ? new Date(to.getTime() - 86_400_000) : new Date(flags.from);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
        throw new WardenError('INVALID_REQUEST', '`--from` and `--to` must be ISO times with `--from` first');
      }
      print(await withWarden(flags, (w) => w.policy.simulate(text, from.toISOString(), to.toISOString())));
    });
}

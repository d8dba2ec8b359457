/** `warden approvals list|approve|deny`: the human-in-the-loop queue, from a shell. */
import { Option, type Command } from 'commander';
import { HUMAN_PRINCIPAL } from '../inventory/schemas.js';
import { WardenError } from '../errors.js';
import { approvalView } from '../server/routes/approvals.js';
import { addDataFlags, print, table, withWarden, type GlobalFlags } from './common.js';

interface ResolveFlags extends GlobalFlags {
  as: string;
  comment?: string;
}

export function approvalsCommand(program: Command): void {
  const approvals = program.command('approvals').description('actions held for a human');
  addDataFlags(approvals.command('list').description('list approvals (pending by default)'))
    // A status outside the four would list nothing and look like an empty queue: refuse it.
    .addOption(new Option('--status <status>', 'which approvals').choices(['pending', 'approved', 'denied', 'expired']).default('pending'))
    .action(async (flags: GlobalFlags & { status: 'pending' | 'approved' | 'denied' | 'expired' }) => {
      const list = await withWarden(flags, (w) => w.approvals.list({ status: flags.status, limit: 200 }));
      table(
        list.map((a) => ({
          id: a.id,
          agent: a.agent,
          tool: a.tool,
          target: a.target,
          score: a.risk.score,
          // What a person needs to decide: the top risk factors, not the pipeline's bookkeeping.
          factors: a.risk.factors.slice(0, 3).map((f) => f.code).join(','),
          expiresAt: a.expiresAt,
        })),
        ['id', 'agent', 'tool', 'target', 'score', 'factors', 'expiresAt'],
      );
    });
  for (const verb of ['approve', 'deny'] as const) {
    addDataFlags(approvals.command(verb).description(`${verb} a held action`).argument('<id>'))
      .requiredOption('--as <principal>', 'the human deciding, as `human:<id>` (recorded in the audit log)')
      .option('--comment <text>', 'why')
      .action(async (id: string, flags: ResolveFlags) => {
        if (!HUMAN_PRINCIPAL.test(flags.as)) throw new WardenError('INVALID_REQUEST', '`--as` must be `human:<id>`');
        const rec = await withWarden(flags, (w) => (verb === 'approve' ? w.approvals.approve(id, flags.as, flags.comment) : w.approvals.deny(id, flags.as, flags.comment)));
        print(approvalView(rec));
      });
  }
}

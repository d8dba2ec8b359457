/** `warden approvals list|approve|deny`: the human-in-the-loop queue, from a shell. */
import type { Command } from 'commander';
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
    .option('--status <status>', 'pending, approved, denied or expired', 'pending')
    .action(async (flags: GlobalFlags & { status: 'pending' | 'approved' | 'denied' | 'expired' }) => {
      const list = await withWarden(flags, (w) => w.approvals.list({ status: flags.status, limit: 200 }));
      table(
        list.map((a) => ({ id: a.id, agent: a.agent, tool: a.tool, target: a.target, score: a.risk.score, reasons: a.reasons.map((r) => r.code).join(','), expiresAt: a.expiresAt })),
        ['id', 'agent', 'tool', 'target', 'score', 'reasons', 'expiresAt'],
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

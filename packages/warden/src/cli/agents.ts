/** `warden agents list|add|suspend|resume`: the inventory, on the local data directory. */
import type { Command } from 'commander';
import { CreateAgentSchema } from '../inventory/schemas.js';
import { parseWith } from '../server/errors.js';
import { addDataFlags, cliActor, print, table, withWarden, type GlobalFlags } from './common.js';

export function agentsCommand(program: Command): void {
  const agents = program.command('agents').description('the agent inventory');
  addDataFlags(agents.command('list').description('list agents')).action(async (flags: GlobalFlags) => {
    const list = await withWarden(flags, (w) => w.agents.list());
    table(list as unknown as Array<Record<string, unknown>>, ['id', 'name', 'owner', 'status', 'riskTier', 'scope', 'groups', 'lastSeenAt']);
  });
  addDataFlags(agents.command('add').description('register an agent').argument('<id>'))
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--owner <principal>', 'the accountable human, as `human:<id>`')
    .option('--description <text>', 'what it is for')
    .option('--scope <patterns...>', 'tool patterns it may ever use, e.g. `forum.*`')
    .option('--groups <ids...>', 'groups it belongs to, for policies (`principal in Warden::Group::"<id>"`)')
    .option('--risk-tier <tier>', 'low, medium or high')
    .action(async (id: string, flags: GlobalFlags & { name: string; owner: string; description?: string; scope?: string[]; groups?: string[]; riskTier?: string }) => {
      const input = parseWith(
        CreateAgentSchema,
        { id, name: flags.name, owner: flags.owner, description: flags.description, scope: flags.scope, groups: flags.groups, riskTier: flags.riskTier },
        'arguments',
      );
      print(await withWarden(flags, (w) => w.agents.register(input, cliActor())));
    });
  for (const verb of ['suspend', 'resume'] as const) {
    addDataFlags(agents.command(verb).description(verb === 'suspend' ? 'suspend an agent (kill switch)' : 'resume a suspended agent').argument('<id>'))
      .option('--reason <text>', 'why')
      .action(async (id: string, flags: GlobalFlags & { reason?: string }) => {
        print(await withWarden(flags, (w) => (verb === 'suspend' ? w.agents.suspend(id, cliActor(), flags.reason) : w.agents.resume(id, cliActor(), flags.reason))));
      });
  }
}

/** `warden token grant`: a human grants an agent a task, on the local data directory. */
import type { Command } from 'commander';
import { GrantSchema } from '../identity/grants.js';
import { HUMAN_PRINCIPAL } from '../inventory/schemas.js';
import { invalid } from '../errors.js';
import { parseWith } from '../server/errors.js';
import { addDataFlags, cliActor, print, withWarden, type GlobalFlags } from './common.js';

interface GrantFlags extends GlobalFlags {
  agent: string;
  intent: string;
  scope: string[];
  ttl?: string;
  maxDepth?: string;
  as?: string;
}

function wholeNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw invalid(`\`--${name}\` must be a whole number, got \`${raw.slice(0, 40)}\``);
  return Number(raw);
}

/** The human the grant is made on behalf of: `--as`, else the local user. */
function grantor(as: string | undefined): string {
  const principal = as ?? `human:${cliActor().slice('cli:'.length)}`;
  if (!HUMAN_PRINCIPAL.test(principal)) throw invalid(`\`--as\` must be \`human:<id>\`, got \`${principal.slice(0, 140)}\``);
  return principal;
}

export function tokenCommand(program: Command): void {
  const token = program.command('token').description('agent credentials');
  addDataFlags(token.command('grant').description('grant an agent a task: prints a short-lived token'))
    .requiredOption('--agent <id>', 'the agent that will act')
    .requiredOption('--intent <text>', 'what the task is, in words (it travels in the token)')
    .requiredOption('--scope <patterns...>', 'tool patterns it may use, within its registered scope, e.g. `forum.read`')
    .option('--ttl <seconds>', 'lifetime (default 15 minutes; never beyond the configured maximum)')
    .option('--max-depth <n>', 'how many times it may be delegated further (default 2)')
    .option('--as <principal>', 'the human granting, as `human:<id>` (default: the local user)')
    .action(async (flags: GrantFlags) => {
      const ttlSeconds = wholeNumber('ttl', flags.ttl);
      const maxDepth = wholeNumber('max-depth', flags.maxDepth);
      const input = parseWith(
        GrantSchema,
        {
          agent: flags.agent,
          intent: flags.intent,
          scope: flags.scope,
          ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
          ...(maxDepth === undefined ? {} : { maxDepth }),
        },
        'arguments',
      );
      const human = grantor(flags.as);
      print(await withWarden(flags, (w) => w.identity.grants.grant(input, human, cliActor())));
    });
}

/** `warden keys create|list|revoke`: human API keys, on the local data directory. */
import type { Command } from 'commander';
import { CreateKeySchema } from '../identity/api-keys.js';
import { parseWith } from '../server/errors.js';
import { addDataFlags, cliActor, print, table, withWarden, type GlobalFlags } from './common.js';

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('human API keys');
  addDataFlags(keys.command('create').description('create a key (printed once)'))
    .requiredOption('--owner <principal>', 'the human, as `human:<id>`')
    .requiredOption('--role <role>', 'admin, approver, auditor or viewer')
    .option('--ttl-days <n>', 'days until it expires (default 90)')
    .action(async (flags: GlobalFlags & { owner: string; role: string; ttlDays?: string }) => {
      const input = parseWith(CreateKeySchema, {
        owner: flags.owner,
        role: flags.role,
        ...(flags.ttlDays === undefined ? {} : { ttlDays: Number(flags.ttlDays) }),
      }, 'arguments');
      print(await withWarden(flags, (w) => w.keys.create(input, cliActor())));
    });
  addDataFlags(keys.command('list').description('list keys (never the keys themselves)')).action(async (flags: GlobalFlags) => {
    const list = await withWarden(flags, (w) => w.keys.list());
    table(list.map(({ hash: _h, ...k }) => k), ['id', 'owner', 'role', 'expiresAt', 'revokedAt']);
  });
  addDataFlags(keys.command('revoke').description('revoke a key').argument('<id>')).action(async (id: string, flags: GlobalFlags) => {
    await withWarden(flags, (w) => w.keys.revoke(id, cliActor()));
    process.stdout.write(`revoked ${id}\n`);
  });
  addDataFlags(keys.command('rotate-signing').description('rotate the token signing key (the old one stays published until its tokens expire)')).action(async (flags: GlobalFlags) => {
    print(await withWarden(flags, (w) => w.identity.signingKeys.rotate(cliActor())));
  });
}

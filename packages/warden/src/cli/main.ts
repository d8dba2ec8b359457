/** The `warden` command line: one file per command, wired here. */
import { Command, CommanderError } from 'commander';
import { WardenError } from '../errors.js';
import { agentsCommand } from './agents.js';
import { approvalsCommand } from './approvals.js';
import { auditCommand } from './audit.js';
import { policyCommand } from './policy.js';
import { keysCommand } from './keys.js';
import { mcpCommand } from './mcp.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';

export function buildProgram(): Command {
  const program = new Command('warden')
    .description('Warden: governs what autonomous AI agents do after they authenticate')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  serveCommand(program);
  keysCommand(program);
  agentsCommand(program);
  mcpCommand(program);
  approvalsCommand(program);
  policyCommand(program);
  tokenCommand(program);
  auditCommand(program);
  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof WardenError) {
      process.stderr.write(`warden: ${err.message} (${err.code})\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * `warden mcp wrap`: puts Warden between an MCP client and an MCP server it launches over
 * stdio, with no change to either. The client's configuration runs
 * `warden mcp wrap --token-file F -- <the server's command>` instead of the command.
 *
 * With `--server URL` decisions are asked of a running Warden over HTTP; without, they
 * are made in this process against the local data directory.
 */
import type { Command } from 'commander';
import { WardenError } from '../errors.js';
import { DEFAULT_TIMEOUTS, type GatewayDecider, type GatewayTimeouts } from '../mcp/types.js';
import { defaultServerName, UPSTREAM_NAME } from '../mcp/naming.js';
import { remoteDecider } from '../mcp/remote-decider.js';
import { startStdioGateway } from '../mcp/stdio.js';
import { TokenFile } from '../mcp/token-file.js';
import { wardenDecider } from '../mcp/warden-adapter.js';
import { createWarden, type Warden } from '../warden.js';
import { addDataFlags, configFrom, type GlobalFlags } from './common.js';

interface WrapFlags extends GlobalFlags {
  tokenFile: string;
  server?: string;
  name?: string;
  approvalTimeout?: string;
  callTimeout?: string;
}

function seconds(flag: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new WardenError('INVALID_REQUEST', `\`--${flag}\` must be a whole number of seconds from 1 to ${max}, got \`${value}\``);
  }
  return Number(value);
}

/** Diagnostics go to stderr, one line each: stdout belongs to the MCP protocol. */
function stderrLog(message: string, detail?: Record<string, unknown>): void {
  process.stderr.write(`warden mcp: ${message}${detail ? ` ${JSON.stringify(detail)}` : ''}\n`);
}

/** The child's environment: the wrapper's own, minus Warden's settings and secrets. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('WARDEN_')) env[k] = v;
  return env;
}

export function mcpCommand(program: Command): void {
  const mcp = program.command('mcp').description('the MCP gateway');
  addDataFlags(mcp.command('wrap').description('run an MCP server over stdio, every call governed by Warden'))
    .argument('<command...>', 'the MCP server to run, after `--`')
    .requiredOption('--token-file <file>', "file holding the agent's Warden token (read again when it changes)")
    .option('--server <url>', 'ask a running Warden at this URL (default: decide in-process on the local data directory)')
    .option('--name <name>', 'the upstream name: governed tools are `<name>.<tool>` (default: from the command)')
    .option('--approval-timeout <seconds>', `how long a call held for approval waits (default ${DEFAULT_TIMEOUTS.approvalTimeoutSeconds})`)
    .option('--call-timeout <seconds>', `how long the server may take to answer one request (default ${DEFAULT_TIMEOUTS.callTimeoutMs / 1000})`)
    .action(async (command: string[], flags: WrapFlags) => {
      // INVARIANT: nothing but MCP on stdout. A library that prints is sent to stderr.
      console.log = console.error;
      console.info = console.error;
      const name = flags.name ?? defaultServerName(command);
      if (!UPSTREAM_NAME.test(name)) throw new WardenError('INVALID_REQUEST', `\`--name\` must be a slug (lowercase letters, digits, \`-\`), got \`${name.slice(0, 100)}\``);
      const tokenFile = new TokenFile(flags.tokenFile);
      await tokenFile.read();

      let warden: Warden | undefined;
      let decider: GatewayDecider;
      let configured: number | undefined;
      if (flags.server !== undefined) {
        if (!/^https?:\/\/[^\s]+$/.test(flags.server)) throw new WardenError('INVALID_REQUEST', `\`--server\` must be an http(s) URL, got \`${flags.server.slice(0, 200)}\``);
        decider = remoteDecider({ baseUrl: flags.server });
      } else {
        const config = configFrom(flags);
        warden = await createWarden(config, { log: { error: (obj, msg) => stderrLog(msg, { error: String((obj as { err?: unknown }).err ?? obj) }), warn: (_obj, msg) => stderrLog(msg) } });
        decider = wardenDecider(warden);
        configured = config.upstreams.find((u) => u.name === name)?.approvalTimeoutSeconds;
      }
      const timeouts: GatewayTimeouts = {
        ...DEFAULT_TIMEOUTS,
        approvalTimeoutSeconds: seconds('approval-timeout', flags.approvalTimeout, 3600) ?? configured ?? DEFAULT_TIMEOUTS.approvalTimeoutSeconds,
        callTimeoutMs: (seconds('call-timeout', flags.callTimeout, 3600) ?? DEFAULT_TIMEOUTS.callTimeoutMs / 1000) * 1000,
      };
      try {
        const gateway = await startStdioGateway({ name, command, decider, token: () => tokenFile.read(), timeouts, env: childEnv(), log: stderrLog });
        stderrLog(`governing \`${name}\` (pid ${gateway.upstream.pid ?? '-'}) ${flags.server ? `through ${flags.server}` : 'in-process'}`);
        await gateway.closed;
      } finally {
        await warden?.close();
        // The client has gone: nothing may keep this process alive (stdin may still be open after a signal).
        process.stdin.destroy();
      }
    });
}

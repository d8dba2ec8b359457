/** `warden serve`: the HTTP server with its embedded store. */
import type { Command } from 'commander';
import { pino, type LoggerOptions } from 'pino';
import { buildApp, loggerOptions } from '../server/app.js';
import { createWarden } from '../warden.js';
import { addDataFlags, configFrom, type GlobalFlags } from './common.js';

interface ServeFlags extends GlobalFlags {
  port?: string;
  host?: string;
}

export function serveCommand(program: Command): void {
  addDataFlags(program.command('serve').description('start the Warden server'))
    .option('--port <port>', 'port to listen on (default 7700 or WARDEN_PORT)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1 or WARDEN_HOST)')
    .action(async (flags: ServeFlags) => {
      const port = flags.port === undefined ? undefined : /^\d+$/.test(flags.port) ? Number(flags.port) : Number.NaN;
      const config = configFrom(flags, { port, host: flags.host });
      // One logger for the server and the domain: a DECISION_ERROR's cause, a failed webhook
      // or checkpoint is written where the operator looks, with the same redaction.
      const logger = pino(loggerOptions(config.logLevel) as LoggerOptions);
      const warden = await createWarden(config, { log: logger });
      const app = await buildApp(warden, { loggerInstance: logger });
      const firstKey = await warden.keys.bootstrap(config.bootstrapAdminKey);
      const address = await app.listen({ port: config.port, host: config.host });
      process.stdout.write(`Warden is serving on ${address.replace('[::1]', 'localhost')} (data: ${warden.dataDir})\n`);
      if (firstKey) {
        process.stdout.write(
          `\nNo API key existed, so an admin key was created. It is shown this once; keep it safe:\n\n  ${firstKey.key}\n\n` +
            `  (owner ${firstKey.owner}, role ${firstKey.role}, expires ${firstKey.expiresAt})\n\n`,
        );
      }
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, 'shutting down');
        try {
          await app.close();
          await warden.close();
        } finally {
          process.exit(0);
        }
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}

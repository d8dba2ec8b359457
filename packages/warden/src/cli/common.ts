/** What every CLI command shares: loading the configuration from flags, opening Warden. */
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { Config, ConfigInput } from '../config/schema.js';
import { createWarden, type Warden } from '../warden.js';

export interface GlobalFlags {
  dataDir?: string;
  config?: string;
}

export function addDataFlags(cmd: Command): Command {
  return cmd.option('--data-dir <dir>', 'data directory (default `./.warden` or WARDEN_DATA_DIR)').option('--config <file>', 'configuration file (default `warden.config.yaml` if present)');
}

export function configFrom(flags: GlobalFlags, extra: Partial<ConfigInput> = {}): Config {
  return loadConfig({ configFile: flags.config, flags: { dataDir: flags.dataDir, ...extra } });
}

/** Opens Warden on the local data directory for one command, and closes it after. */
export async function withWarden<T>(flags: GlobalFlags, fn: (w: Warden) => Promise<T>): Promise<T> {
  const warden = await createWarden(configFrom(flags), { writerThread: false });
  try {
    return await fn(warden);
  } finally {
    await warden.close();
  }
}

/** The actor recorded in the audit log for changes made from a local shell. */
export function cliActor(): string {
  const user = (process.env.USER ?? process.env.LOGNAME ?? 'operator').replace(/[^A-Za-z0-9._@+-]/g, '') || 'operator';
  return `cli:${user}`;
}

export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '-' : Array.isArray(r[c]) ? (r[c] as unknown[]).join(' ') : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n${cells.map(line).join('\n')}\n`);
}

/**
 * Loads the configuration: defaults, then `warden.config.yaml`, then environment
 * variables, then command-line flags (each later source wins). A bad value stops the
 * start with a message that names it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { WardenError } from '../errors.js';
import { ConfigSchema, type Config, type ConfigInput } from './schema.js';
import { deepFreeze, stripUndefined } from '../util.js';


export const ConfigCodes = { INVALID_CONFIG: 'INVALID_CONFIG' } as const;

/** Environment variable → config key, and how to read its text. */
const ENV: ReadonlyArray<[string, keyof ConfigInput, 'int' | 'string']> = [
  ['WARDEN_PORT', 'port', 'int'],
  ['WARDEN_HOST', 'host', 'string'],
  ['WARDEN_DATA_DIR', 'dataDir', 'string'],
  ['WARDEN_DATABASE_URL', 'databaseUrl', 'string'],
  ['WARDEN_BOOTSTRAP_ADMIN_KEY', 'bootstrapAdminKey', 'string'],
  ['WARDEN_MASTER_KEY', 'masterKey', 'string'],
  ['WARDEN_LOG_ORIGIN', 'logOrigin', 'string'],
  ['WARDEN_ISSUER', 'issuer', 'string'],
  ['WARDEN_LOG_LEVEL', 'logLevel', 'string'],
  ['WARDEN_TOKEN_MAX_TTL', 'tokenMaxTtl', 'int'],
  ['WARDEN_TOKEN_DEFAULT_TTL', 'tokenDefaultTtl', 'int'],
  ['WARDEN_CHECKPOINT_INTERVAL_MS', 'checkpointIntervalMs', 'int'],
  ['WARDEN_APPROVAL_TTL', 'approvalTtlSeconds', 'int'],
];

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the YAML file; default `warden.config.yaml` in the working directory, if present. */
  configFile?: string;
  /** Values from command-line flags, already typed. */
  flags?: Partial<ConfigInput>;
}

function fail(message: string): never {
  throw new WardenError(ConfigCodes.INVALID_CONFIG, message);
}

function fromEnv(env: NodeJS.ProcessEnv): Partial<ConfigInput> {
  const out: Record<string, unknown> = {};
  for (const [name, key, kind] of ENV) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (kind === 'int') {
      if (!/^\d+$/.test(raw.trim())) fail(`invalid configuration: \`${name}\` must be a whole number, got \`${raw}\``);
      out[key] = Number(raw.trim());
    } else {
      out[key] = raw;
    }
  }
  return out as Partial<ConfigInput>;
}

function fromFile(path: string | undefined): Partial<ConfigInput> {
  const file = resolve(path ?? 'warden.config.yaml');
  if (!existsSync(file)) {
    if (path !== undefined) fail(`invalid configuration: config file \`${file}\` does not exist`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`invalid configuration: \`${file}\` is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) fail(`invalid configuration: \`${file}\` must hold a mapping`);
  return parsed as Partial<ConfigInput>;
}

/**
 * Validates merged input and freezes it; throws INVALID_CONFIG naming the first bad key.
 * `names` renames top-level keys for the message: a value that came from `WARDEN_PORT` is
 * named `WARDEN_PORT`, since that is what the operator has to fix.
 */
export function validateConfig(input: Partial<ConfigInput>, names: Readonly<Record<string, string>> = {}): Config {
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).map(String);
    // zod reports unknown keys on their parent; the key itself is what needs naming.
    if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
    const [top, ...rest] = path;
    const where = top === undefined ? 'configuration' : `\`${[names[top] ?? top, ...rest].join('.')}\``;
    const message = issue?.message ?? 'invalid';
    fail(`invalid configuration: ${where}: ${message.charAt(0).toLowerCase()}${message.slice(1)}`);
  }
  return deepFreeze(result.data);
}

export function loadConfig(options: LoadOptions = {}): Config {
  const env = fromEnv(options.env ?? process.env);
  const flags = stripUndefined(options.flags ?? {});
  const merged = { ...fromFile(options.configFile), ...env, ...flags };
  const names: Record<string, string> = {};
  for (const [variable, key] of ENV) if (key in env && !(key in flags)) names[key] = variable;
  return validateConfig(merged, names);
}



/**
 * Where policy text comes from on disk: Warden's own schema and default pack (shipped in
 * `packages/warden/policies/`), or a directory of `*.cedar` files an operator keeps.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid, notFound } from '../errors.js';
import type { PolicySource } from './compile.js';

/** `packages/warden/policies/`: the same two levels up from `src/policy/` and `dist/policy/`. */
export const DEFAULT_POLICY_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));
export const SCHEMA_FILE = 'schema.cedarschema';

let defaultSchema: string | undefined;

/** Warden's Cedar schema (namespace `Warden`), read once. */
export function readDefaultSchema(): string {
  defaultSchema ??= readFileSync(join(DEFAULT_POLICY_DIR, SCHEMA_FILE), 'utf8');
  return defaultSchema;
}

/** The default policy pack (`default.cedar`). */
export function readDefaultPolicies(): PolicySource[] {
  return readPolicyPath(DEFAULT_POLICY_DIR).sources;
}

export interface PolicyFiles {
  /** The directory's own `schema.cedarschema`, else Warden's. */
  schema: string;
  sources: PolicySource[];
}

/**
 * Reads a policy directory (every `*.cedar` file, by name, and its `schema.cedarschema`
 * if it has one) or a single `.cedar` file (with Warden's schema). Sources are named by
 * file name so messages point into the right file.
 *
 * @example
 * const { schema, sources } = readPolicyPath('./policies');
 */
export function readPolicyPath(path: string): PolicyFiles {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw notFound(`no policy file or directory \`${path}\``);
  }
  if (!isDir) {
    return { schema: readDefaultSchema(), sources: [{ name: basename(path), text: readFileSync(path, 'utf8') }] };
  }
  const names = readdirSync(path)
    .filter((f) => f.endsWith('.cedar'))
    .sort();
  if (names.length === 0) throw invalid(`no \`.cedar\` files in \`${path}\``);
  const schemaPath = join(path, SCHEMA_FILE);
  const schema = existsSync(schemaPath) ? readFileSync(schemaPath, 'utf8') : readDefaultSchema();
  return { schema, sources: names.map((name) => ({ name, text: readFileSync(join(path, name), 'utf8') })) };
}


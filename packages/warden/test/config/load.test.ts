/**
 * Configuration: defaults, `warden.config.yaml`, environment variables and flags merged in
 * that order, validated once with one schema, frozen; a bad value stops the start with an
 * INVALID_CONFIG error that names it as the operator wrote it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { WardenError } from '../../src/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The INVALID_CONFIG error `fn` throws. */
function configError(fn: () => unknown): WardenError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WardenError);
    expect((err as WardenError).code).toBe('INVALID_CONFIG');
    return err as WardenError;
  }
  throw new Error('expected INVALID_CONFIG');
}

const DEFAULTS = {
  port: 7700,
  host: '127.0.0.1',
  dataDir: './.warden',
  logLevel: 'info',
  tokenDefaultTtl: 900,
  tokenMaxTtl: 3600,
  clockLeewaySeconds: 30,
  checkpointIntervalMs: 1000,
  approvalTtlSeconds: 900,
  behavior: { allowedHosts: [], sensitiveTargets: [] },
  upstreams: [],
  webhooks: [],
  tools: [],
};

describe('validateConfig', () => {
  it('fills the documented defaults', () => {
    expect(validateConfig({})).toEqual(DEFAULTS);
  });

  it('freezes the result, nested values included', () => {
    const config = validateConfig({ tools: [{ name: 'forum.post', categories: ['publish'] }] });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tools)).toBe(true);
    expect(Object.isFrozen(config.tools[0])).toBe(true);
    expect(Object.isFrozen(config.tools[0]?.categories)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.tools as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it.each([
    { name: 'a port above 65535', input: { port: 65536 }, named: 'port' },
    { name: 'a negative port', input: { port: -1 }, named: 'port' },
    { name: 'an empty host', input: { host: '' }, named: 'host' },
    { name: 'a non-postgres database url', input: { databaseUrl: 'mysql://db' }, named: 'databaseUrl' },
    { name: 'an unknown log level', input: { logLevel: 'loud' }, named: 'logLevel' },
    { name: 'a default TTL above the maximum', input: { tokenDefaultTtl: 7200 }, named: 'tokenDefaultTtl' },
    { name: 'a zero TTL', input: { tokenMaxTtl: 0 }, named: 'tokenMaxTtl' },
    { name: 'a leeway over 300 seconds', input: { clockLeewaySeconds: 301 }, named: 'clockLeewaySeconds' },
    { name: 'an upstream with both command and url', input: { upstreams: [{ name: 'fs', command: ['x'], url: 'http://x' }] }, named: 'upstreams.0' },
    { name: 'an upstream with a bad name', input: { upstreams: [{ name: 'FS', command: ['x'] }] }, named: 'upstreams.0.name' },
    { name: 'a webhook with a short secret', input: { webhooks: [{ url: 'https://hooks.example/x', secret: 'short' }] }, named: 'webhooks.0.secret' },
    { name: 'an unknown key', input: { prot: 7700 }, named: 'prot' },
    { name: 'an unknown key inside a tool', input: { tools: [{ name: 't', categories: ['read'], risk: 'high' }] }, named: 'tools.0.risk' },
  ])('rejects $name, naming `$named`', ({ input, named }) => {
    const err = configError(() => validateConfig(input as never));
    expect(err.message).toMatch(new RegExp(`^invalid configuration: \`${named.replace(/\./g, '\\.')}\`: [a-z\`]`));
  });
});

describe('loadConfig from the environment', () => {
  it('reads every documented variable', () => {
    const config = loadConfig({
      configFile: yamlFile('empty.yaml', ''),
      env: {
        WARDEN_PORT: '8080',
        WARDEN_HOST: '0.0.0.0',
        WARDEN_DATA_DIR: '/var/lib/warden',
        WARDEN_DATABASE_URL: 'postgres://db/warden',
        WARDEN_BOOTSTRAP_ADMIN_KEY: `wk_${'a'.repeat(43)}`,
        WARDEN_LOG_ORIGIN: 'warden.example/log',
        WARDEN_TOKEN_MAX_TTL: '7200',
      },
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/warden',
      databaseUrl: 'postgres://db/warden',
      bootstrapAdminKey: `wk_${'a'.repeat(43)}`,
      logOrigin: 'warden.example/log',
      tokenMaxTtl: 7200,
    });
  });

  it('ignores empty variables and trims whole numbers', () => {
    expect(loadConfig({ configFile: yamlFile('empty.yaml', ''), env: { WARDEN_PORT: ' 9000 ', WARDEN_HOST: '' } })).toMatchObject({ port: 9000, host: '127.0.0.1' });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ configFile: yamlFile('empty.yaml', ''), env: { WARDEN_PROT: '1', PATH: '/bin' } })).toEqual(DEFAULTS);
  });

  it.each(['abc', '-1', '1.5', '0x10', '8080abc', '1e3'])('stops on WARDEN_PORT=%s, naming WARDEN_PORT', (value) => {
    const err = configError(() => loadConfig({ configFile: yamlFile('empty.yaml', ''), env: { WARDEN_PORT: value } }));
    expect(err.message).toBe(`invalid configuration: \`WARDEN_PORT\` must be a whole number, got \`${value}\``);
  });

  it.each([
    ['WARDEN_PORT', '70000'],
    ['WARDEN_LOG_LEVEL', 'loud'],
    ['WARDEN_DATABASE_URL', 'mysql://db'],
    ['WARDEN_TOKEN_MAX_TTL', '0'],
    ['WARDEN_TOKEN_DEFAULT_TTL', '7200'],
    ['WARDEN_CHECKPOINT_INTERVAL_MS', '5'],
    ['WARDEN_APPROVAL_TTL', 'soon'],
  ])('stops on a bad %s, naming the variable', (name, value) => {
    const err = configError(() => loadConfig({ configFile: yamlFile('empty.yaml', ''), env: { [name]: value } }));
    expect(err.message).toMatch(new RegExp(`^invalid configuration: \`${name}\``));
  });

  it.each([
    ['WARDEN_BOOTSTRAP_ADMIN_KEY', 'wk_tooShortButSecret'],
    ['WARDEN_MASTER_KEY', 'short-but-secret'],
  ])('stops on a bad %s without repeating the secret', (name, value) => {
    const err = configError(() => loadConfig({ configFile: yamlFile('empty.yaml', ''), env: { [name]: value } }));
    expect(err.message).toMatch(new RegExp(`^invalid configuration: \`${name}\`: `));
    expect(err.message).not.toContain(value);
  });
});

describe('loadConfig from warden.config.yaml', () => {
  it('reads the file', () => {
    const file = yamlFile('ok.yaml', 'port: 7801\ntools:\n  - name: forum.post\n    categories: [publish, write]\n');
    expect(loadConfig({ configFile: file, env: {} })).toMatchObject({ port: 7801, tools: [{ name: 'forum.post', categories: ['publish', 'write'] }] });
  });

  it('reads ./warden.config.yaml when no file is named', () => {
    const cwd = process.cwd();
    const here = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(here, 'warden.config.yaml'), 'port: 7802\n');
    process.chdir(here);
    try {
      expect(loadConfig({ env: {} }).port).toBe(7802);
    } finally {
      process.chdir(cwd);
    }
  });

  it('runs on defaults when there is no file and none is named', () => {
    const cwd = process.cwd();
    process.chdir(mkdtempSync(join(dir, 'cwd-')));
    try {
      expect(loadConfig({ env: {} })).toEqual(DEFAULTS);
    } finally {
      process.chdir(cwd);
    }
  });

  it('takes an empty file as no settings', () => {
    expect(loadConfig({ configFile: yamlFile('blank.yaml', '# nothing\n'), env: {} })).toEqual(DEFAULTS);
  });

  it('stops on an unknown key, naming it', () => {
    const err = configError(() => loadConfig({ configFile: yamlFile('typo.yaml', 'port: 7700\nbogus: 1\n'), env: {} }));
    expect(err.message).toBe('invalid configuration: `bogus`: unrecognized key: "bogus"');
  });

  it('stops on an unknown nested key, naming its path', () => {
    const err = configError(() => loadConfig({ configFile: yamlFile('nested.yaml', 'tools:\n  - name: x\n    categories: [read]\n    extra: 1\n'), env: {} }));
    expect(err.message).toMatch(/^invalid configuration: `tools\.0\.extra`: /);
  });

  it('stops on a value of the wrong type, naming the key', () => {
    const err = configError(() => loadConfig({ configFile: yamlFile('type.yaml', 'port: "8080"\n'), env: {} }));
    expect(err.message).toMatch(/^invalid configuration: `port`: /);
  });

  it('stops on a named file that does not exist, naming it', () => {
    const missing = join(dir, 'missing.yaml');
    expect(configError(() => loadConfig({ configFile: missing, env: {} })).message).toBe(`invalid configuration: config file \`${missing}\` does not exist`);
  });

  it('stops on a file that is not YAML, naming it', () => {
    const file = yamlFile('broken.yaml', 'port: [\n');
    expect(configError(() => loadConfig({ configFile: file, env: {} })).message).toMatch(new RegExp(`^invalid configuration: \`${file}\` is not valid YAML: `));
  });

  it('stops on a file that is not a mapping, naming it', () => {
    const file = yamlFile('list.yaml', '- port\n');
    expect(configError(() => loadConfig({ configFile: file, env: {} })).message).toBe(`invalid configuration: \`${file}\` must hold a mapping`);
  });
});

describe('loadConfig precedence', () => {
  const file = () => yamlFile('layers.yaml', 'port: 1000\nhost: file.example\ndataDir: /from/file\nlogLevel: warn\n');

  it('lets the environment override the file and flags override both', () => {
    const config = loadConfig({ configFile: file(), env: { WARDEN_PORT: '2000', WARDEN_HOST: 'env.example' }, flags: { port: 3000 } });
    expect(config).toMatchObject({ port: 3000, host: 'env.example', dataDir: '/from/file', logLevel: 'warn' });
  });

  it('does not let an absent flag override anything', () => {
    const config = loadConfig({ configFile: file(), env: { WARDEN_PORT: '2000' }, flags: { port: undefined, dataDir: undefined } });
    expect(config).toMatchObject({ port: 2000, dataDir: '/from/file' });
  });

  it('names a bad flag by its key, not by the variable it overrode', () => {
    const err = configError(() => loadConfig({ configFile: file(), env: { WARDEN_PORT: '2000' }, flags: { port: Number.NaN } }));
    expect(err.message).toMatch(/^invalid configuration: `port`: /);
  });

  it('names a bad file value by its key even when the variable is unset', () => {
    const err = configError(() => loadConfig({ configFile: yamlFile('bad-port.yaml', 'port: 99999\n'), env: {} }));
    expect(err.message).toMatch(/^invalid configuration: `port`: /);
  });

  it('lets a good variable mend a bad file value', () => {
    expect(loadConfig({ configFile: yamlFile('bad-port2.yaml', 'port: 99999\n'), env: { WARDEN_PORT: '7000' } }).port).toBe(7000);
  });
});

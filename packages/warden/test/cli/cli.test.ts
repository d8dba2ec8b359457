/**
 * The `warden` command line, in-process against a temporary data directory: help, `keys
 * create|list|revoke`, `agents add|list|suspend|resume`, and bad arguments (exit 1 with a
 * coded message, nothing changed). `serve` runs in its own process: serve.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { buildApp } from '../../src/server/app.js';
import { createWarden, type Warden } from '../../src/warden.js';
import { runCli } from './run.js';

const ACTOR = 'cli:test-op';
let home: string;
let cwd: string;
const savedEnv = { ...process.env };

beforeAll(() => {
  // No WARDEN_* of the machine, no warden.config.yaml of the repository, a known user.
  for (const k of Object.keys(process.env)) if (k.startsWith('WARDEN_')) delete process.env[k];
  process.env.USER = 'test-op';
  cwd = process.cwd();
  home = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  process.chdir(home);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(home, { recursive: true, force: true });
  process.env = savedEnv;
});

/** Opens the data directory the CLI wrote, for checking what it did. */
async function withData<T>(dataDir: string, fn: (w: Warden) => Promise<T>): Promise<T> {
  const warden = await createWarden(validateConfig({ dataDir, logLevel: 'silent' }));
  try {
    return await fn(warden);
  } finally {
    await warden.close();
  }
}

async function state(dataDir: string) {
  return withData(dataDir, async (w) => ({ agents: await w.agents.list(), keys: await w.keys.list(), log: await w.store.log.size() }));
}

/** The audit entries the CLI appended after a data directory's first opening. */
async function entriesAfter(dataDir: string, from: number) {
  return withData(dataDir, async (w) => (await w.store.log.entries(from, await w.store.log.size())).map((e) => e.entry));
}

describe('warden help', () => {
  it('lists the commands on --help', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: warden \[options\] \[command\]/);
    expect(res.stdout).toMatch(/Commands:\n\s+serve \[options\]\s+start the Warden server\n\s+keys\s+human API keys\n\s+agents\s+the agent inventory\n/);
  });

  it('lists the key commands on keys --help', async () => {
    const res = await runCli(['keys', '--help']);
    expect(res.code).toBe(0);
    for (const c of ['create [options]', 'list [options]', 'revoke [options] <id>']) expect(res.stdout).toContain(c);
  });

  it('lists the agent commands on agents --help', async () => {
    const res = await runCli(['agents', '--help']);
    expect(res.code).toBe(0);
    for (const c of ['list [options]', 'add [options] <id>', 'suspend [options] <id>', 'resume [options] <id>']) expect(res.stdout).toContain(c);
  });

  it('prints the version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('shows usage on stderr and exits 1 without a command', async () => {
    const res = await runCli([]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Usage: warden/);
  });

  it('exits 1 on an unknown command, naming it', async () => {
    const res = await runCli(['frobnicate']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: unknown command 'frobnicate'\n/);
  });
});

describe('warden keys', () => {
  let dataDir: string;
  /** The data directory as its first opening left it (which may itself write entries). */
  let base: Awaited<ReturnType<typeof state>>;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(home, 'data-'));
    base = await state(dataDir);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const create = (...extra: string[]) => runCli(['keys', 'create', '--data-dir', dataDir, ...extra]);

  it('creates a key, printed once as JSON, that authenticates with its role', async () => {
    const res = await create('--owner', 'human:carol', '--role', 'approver');
    expect(res.code).toBe(0);
    const created = JSON.parse(res.stdout);
    expect(created).toEqual({ id: expect.stringMatching(/^key_/), key: expect.stringMatching(/^wk_[A-Za-z0-9_-]{43}$/), owner: 'human:carol', role: 'approver', expiresAt: expect.any(String) });
    expect(await withData(dataDir, (w) => w.keys.authenticate(created.key))).toEqual({ keyId: created.id, principal: 'human:carol', role: 'approver' });
  });

  it('honours --ttl-days', async () => {
    const before = Date.now();
    const { expiresAt } = JSON.parse((await create('--owner', 'human:carol', '--role', 'viewer', '--ttl-days', '7')).stdout);
    const after = Date.now();
    expect(Date.parse(expiresAt)).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(after + 7 * 86_400_000);
  });

  it('records `key.created` by the shell user', async () => {
    const { id } = JSON.parse((await create('--owner', 'human:carol', '--role', 'viewer')).stdout);
    const entries = await entriesAfter(dataDir, base.log);
    expect(entries.map((e) => [e.type, e.actor, e.subject, e.data.id])).toEqual([['key.created', ACTOR, 'human:carol', id]]);
  });

  it('lists keys as a table, without the keys or their hashes', async () => {
    const created = JSON.parse((await create('--owner', 'human:carol', '--role', 'auditor')).stdout);
    const res = await runCli(['keys', 'list', '--data-dir', dataDir]);
    expect(res.code).toBe(0);
    const [header, row, ...rest] = res.stdout.trimEnd().split('\n');
    expect(header?.split(/\s+/)).toEqual(['ID', 'OWNER', 'ROLE', 'EXPIRESAT', 'REVOKEDAT']);
    expect(row?.split(/\s+/)).toEqual([created.id, 'human:carol', 'auditor', created.expiresAt, '-']);
    expect(rest).toEqual([]);
    expect(res.stdout).not.toContain(created.key);
    expect(res.stdout).not.toContain(createHash('sha256').update(created.key).digest('hex'));
  });

  it('lists `(none)` when there are no keys', async () => {
    expect(await runCli(['keys', 'list', '--data-dir', dataDir])).toEqual({ code: 0, stdout: '(none)\n', stderr: '' });
  });

  it('revokes a key, which then fails with KEY_REVOKED', async () => {
    const created = JSON.parse((await create('--owner', 'human:carol', '--role', 'admin')).stdout);
    expect(await runCli(['keys', 'revoke', created.id, '--data-dir', dataDir])).toEqual({ code: 0, stdout: `revoked ${created.id}\n`, stderr: '' });
    await expect(withData(dataDir, (w) => w.keys.authenticate(created.key))).rejects.toMatchObject({ code: 'KEY_REVOKED' });
    const entries = await entriesAfter(dataDir, base.log + 1);
    expect(entries).toEqual([expect.objectContaining({ type: 'key.revoked', actor: ACTOR, subject: 'human:carol', data: { id: created.id } })]);
    const list = (await runCli(['keys', 'list', '--data-dir', dataDir])).stdout;
    expect(list.split('\n')[1]?.split(/\s+/)[4]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('exits 1 with KEY_NOT_FOUND when revoking an unknown key', async () => {
    expect(await runCli(['keys', 'revoke', 'key_nope', '--data-dir', dataDir])).toEqual({ code: 1, stdout: '', stderr: 'warden: no key `key_nope` (KEY_NOT_FOUND)\n' });
  });

  it.each([
    { name: 'an owner without `human:`', args: ['--owner', 'carol', '--role', 'admin'], field: 'owner' },
    { name: 'an agent owner', args: ['--owner', 'agent:bot', '--role', 'admin'], field: 'owner' },
    { name: 'an unknown role', args: ['--owner', 'human:carol', '--role', 'root'], field: 'role' },
    { name: 'a ttl that is not a number', args: ['--owner', 'human:carol', '--role', 'admin', '--ttl-days', 'abc'], field: 'ttlDays' },
    { name: 'a ttl of 0', args: ['--owner', 'human:carol', '--role', 'admin', '--ttl-days', '0'], field: 'ttlDays' },
    { name: 'a ttl over a year', args: ['--owner', 'human:carol', '--role', 'admin', '--ttl-days', '366'], field: 'ttlDays' },
  ])('exits 1 with INVALID_REQUEST naming `$field` for $name, creating nothing', async ({ args, field }) => {
    const res = await create(...args);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(new RegExp(`^warden: invalid arguments: \`${field}\`: .* \\(INVALID_REQUEST\\)\\n$`));
    expect(await state(dataDir)).toEqual(base);
  });

  it.each([
    { name: 'no --role', args: ['--owner', 'human:carol'], says: "error: required option '--role <role>' not specified" },
    { name: 'no --owner', args: ['--role', 'admin'], says: "error: required option '--owner <principal>' not specified" },
    { name: 'an unknown option', args: ['--owner', 'human:carol', '--role', 'admin', '--forever'], says: "error: unknown option '--forever'" },
  ])('exits 1 naming the problem for $name, creating nothing', async ({ args, says }) => {
    const res = await create(...args);
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')[0]).toBe(says);
    expect(await state(dataDir)).toEqual(base);
  });
});

describe('warden agents', () => {
  let dataDir: string;
  let base: Awaited<ReturnType<typeof state>>;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(home, 'data-'));
    base = await state(dataDir);
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  // The id goes after `--`, so that one starting with a dash is an argument, not an option.
  const add = (id: string, ...extra: string[]) => runCli(['agents', 'add', '--data-dir', dataDir, ...extra, '--', id]);
  const addForum = () => add('forum-helper', '--name', 'Forum helper', '--owner', 'human:alice', '--scope', 'forum.read', 'forum.*', '--risk-tier', 'high', '--description', 'answers questions');

  it('registers an agent and prints it with its private key, once', async () => {
    const res = await addForum();
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.agent).toMatchObject({
      id: 'forum-helper',
      name: 'Forum helper',
      owner: 'human:alice',
      description: 'answers questions',
      scope: ['forum.read', 'forum.*'],
      riskTier: 'high',
      status: 'active',
      lastSeenAt: null,
    });
    expect(out.privateKey).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: out.agent.publicKey.x, d: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const list = await runCli(['agents', 'list', '--data-dir', dataDir]);
    expect(list.stdout).not.toContain(out.privateKey.d);
  });

  it('records `agent.registered` by the shell user', async () => {
    await addForum();
    const entries = await entriesAfter(dataDir, base.log);
    expect(entries).toEqual([expect.objectContaining({ type: 'agent.registered', actor: ACTOR, subject: 'agent:forum-helper' })]);
  });

  it('lists agents as a table', async () => {
    await addForum();
    await add('zeta', '--name', 'Zeta', '--owner', 'human:bob', '--groups', 'ops', 'contractors');
    const res = await runCli(['agents', 'list', '--data-dir', dataDir]);
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual(['ID', 'NAME', 'OWNER', 'STATUS', 'RISKTIER', 'SCOPE', 'GROUPS', 'LASTSEENAT']);
    expect(lines[1]?.split(/\s{2,}/)).toEqual(['forum-helper', 'Forum helper', 'human:alice', 'active', 'high', 'forum.read forum.*', '-']);
    expect(lines[2]?.split(/\s{2,}/)).toEqual(['zeta', 'Zeta', 'human:bob', 'active', 'medium', 'contractors ops', '-']);
    expect(lines).toHaveLength(3);
  });

  it('lists `(none)` on an empty inventory', async () => {
    expect(await runCli(['agents', 'list', '--data-dir', dataDir])).toEqual({ code: 0, stdout: '(none)\n', stderr: '' });
  });

  it('suspends and resumes, recording each with the reason', async () => {
    await addForum();
    const suspended = await runCli(['agents', 'suspend', 'forum-helper', '--reason', 'leaking', '--data-dir', dataDir]);
    expect(suspended.code).toBe(0);
    expect(JSON.parse(suspended.stdout)).toMatchObject({ id: 'forum-helper', status: 'suspended' });
    const resumed = await runCli(['agents', 'resume', 'forum-helper', '--data-dir', dataDir]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: 'forum-helper', status: 'active' });
    const entries = await entriesAfter(dataDir, base.log + 1);
    expect(entries.map((e) => [e.type, e.actor, e.subject, e.data])).toEqual([
      ['agent.suspended', ACTOR, 'agent:forum-helper', { status: 'suspended', reason: 'leaking' }],
      ['agent.resumed', ACTOR, 'agent:forum-helper', { status: 'active' }],
    ]);
  });

  it('exits 1 with AGENT_ALREADY_SUSPENDED on a second suspend, changing nothing', async () => {
    await addForum();
    await runCli(['agents', 'suspend', 'forum-helper', '--data-dir', dataDir]);
    const before = await state(dataDir);
    expect(await runCli(['agents', 'suspend', 'forum-helper', '--data-dir', dataDir])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'warden: agent `forum-helper` is already suspended (AGENT_ALREADY_SUSPENDED)\n',
    });
    expect(await state(dataDir)).toEqual(before);
  });

  it('exits 1 with AGENT_NOT_SUSPENDED resuming an active agent, changing nothing', async () => {
    await addForum();
    const before = await state(dataDir);
    expect(await runCli(['agents', 'resume', 'forum-helper', '--data-dir', dataDir])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'warden: agent `forum-helper` is not suspended (AGENT_NOT_SUSPENDED)\n',
    });
    expect(await state(dataDir)).toEqual(before);
  });

  it.each(['suspend', 'resume'])('exits 1 with AGENT_NOT_FOUND to %s an unknown agent', async (verb) => {
    expect(await runCli(['agents', verb, 'ghost', '--data-dir', dataDir])).toEqual({ code: 1, stdout: '', stderr: 'warden: no agent `ghost` (AGENT_NOT_FOUND)\n' });
  });

  it('exits 1 with AGENT_EXISTS on a duplicate id, changing nothing', async () => {
    await addForum();
    const before = await state(dataDir);
    const res = await add('forum-helper', '--name', 'Impostor', '--owner', 'human:mallory');
    expect(res).toEqual({ code: 1, stdout: '', stderr: 'warden: an agent `forum-helper` already exists (AGENT_EXISTS)\n' });
    expect(await state(dataDir)).toEqual(before);
  });

  it.each([
    { name: 'an uppercase id', id: 'Forum', args: ['--name', 'F', '--owner', 'human:alice'], field: 'id' },
    { name: 'an id with a leading dash', id: '-forum', args: ['--name', 'F', '--owner', 'human:alice'], field: 'id' },
    { name: 'an id of 64 characters', id: 'a'.repeat(64), args: ['--name', 'F', '--owner', 'human:alice'], field: 'id' },
    { name: 'an owner without `human:`', id: 'forum', args: ['--name', 'F', '--owner', 'alice'], field: 'owner' },
    { name: 'an unknown risk tier', id: 'forum', args: ['--name', 'F', '--owner', 'human:alice', '--risk-tier', 'extreme'], field: 'riskTier' },
    { name: 'a bad scope pattern', id: 'forum', args: ['--name', 'F', '--owner', 'human:alice', '--scope', 'forum read'], field: 'scope.0' },
    { name: 'an empty name', id: 'forum', args: ['--name', '', '--owner', 'human:alice'], field: 'name' },
  ])('exits 1 with INVALID_REQUEST naming `$field` for $name, changing nothing', async ({ id, args, field }) => {
    const res = await add(id, ...args);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(new RegExp(`^warden: invalid arguments: \`${field.replace('.', '\\.')}\`: .* \\(INVALID_REQUEST\\)\\n$`));
    expect(await state(dataDir)).toEqual(base);
  });

  it('exits 1 naming a missing --name', async () => {
    const res = await add('forum', '--owner', 'human:alice');
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')[0]).toBe("error: required option '--name <name>' not specified");
  });

  it('shares one inventory with the HTTP API', async () => {
    await addForum();
    const warden = await createWarden(validateConfig({ dataDir, logLevel: 'silent' }));
    const app = await buildApp(warden);
    try {
      const { key } = await warden.keys.create({ owner: 'human:viewer', role: 'viewer' }, 'system');
      const res = await app.inject({ method: 'GET', url: '/v1/agents/forum-helper', headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: 'forum-helper', scope: ['forum.read', 'forum.*'] });
    } finally {
      await app.close();
      await warden.close();
    }
  });
});

describe('configuration errors stop any command', () => {
  it('names WARDEN_PORT when it is not a number', async () => {
    const dataDir = mkdtempSync(join(home, 'data-'));
    expect(await runCli(['keys', 'list', '--data-dir', dataDir], { WARDEN_PORT: 'abc' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'warden: invalid configuration: `WARDEN_PORT` must be a whole number, got `abc` (INVALID_CONFIG)\n',
    });
  });

  it('stops serve before it listens on a bad WARDEN_PORT', async () => {
    const dataDir = mkdtempSync(join(home, 'data-'));
    const res = await runCli(['serve', '--data-dir', dataDir], { WARDEN_PORT: '70000' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^warden: invalid configuration: `WARDEN_PORT`: .* \(INVALID_CONFIG\)\n$/);
  });

  it('stops serve on a bad --port, naming `port`', async () => {
    const dataDir = mkdtempSync(join(home, 'data-'));
    const res = await runCli(['serve', '--data-dir', dataDir, '--port', 'eighty']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^warden: invalid configuration: `port`: .* \(INVALID_CONFIG\)\n$/);
  });

  it('names a --config file that does not exist', async () => {
    const missing = join(home, 'nope.yaml');
    expect(await runCli(['agents', 'list', '--config', missing])).toEqual({
      code: 1,
      stdout: '',
      stderr: `warden: invalid configuration: config file \`${missing}\` does not exist (INVALID_CONFIG)\n`,
    });
  });

  it('uses WARDEN_DATA_DIR when no --data-dir is given', async () => {
    const dataDir = mkdtempSync(join(home, 'data-'));
    expect((await runCli(['keys', 'create', '--owner', 'human:env', '--role', 'viewer'], { WARDEN_DATA_DIR: dataDir })).code).toBe(0);
    expect((await state(dataDir)).keys.map((k) => k.owner)).toEqual(['human:env']);
  });
});

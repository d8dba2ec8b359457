/**
 * `warden policy validate|test|simulate`, in-process: validation prints Cedar's messages
 * with file, line and column and exits 1; a YAML table of expected decisions exits 1 when
 * a case fails; simulation replays a data directory's recorded decisions under candidate
 * policies and records nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/policy/engine.js';
import { readDefaultPolicies } from '../../src/policy/pack.js';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { runCli } from './run.js';

const PACK = fileURLToPath(new URL('../../policies/', import.meta.url));
const DEFAULT_TEXT = readDefaultPolicies()
  .map((s) => s.text)
  .join('\n');
const FORBID_READ = `@id("no-forum-read")
forbid (principal, action, resource) when { resource == Warden::Tool::"forum.read" };`;

let home: string;
let cwd: string;
const savedEnv = { ...process.env };

beforeAll(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('WARDEN_')) delete process.env[k];
  cwd = process.cwd();
  home = mkdtempSync(join(tmpdir(), 'warden-cli-policy-'));
  process.chdir(home);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(home, { recursive: true, force: true });
  process.env = savedEnv;
});

/** A directory holding the given `.cedar` files. */
function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(home, 'policies-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('warden policy validate', () => {
  it('accepts the default pack', async () => {
    const res = await runCli(['policy', 'validate', PACK]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(new RegExp(`^ok: ${PolicyEngine.load({ policies: DEFAULT_TEXT }).policies.length} policies valid`));
    expect(res.stderr).toBe('');
  });

  it('accepts a single file', async () => {
    const dir = policyDir({ 'one.cedar': '@id("p") permit (principal, action, resource);' });
    expect(await runCli(['policy', 'validate', join(dir, 'one.cedar')])).toEqual({ code: 0, stdout: 'ok: 1 policies valid\n', stderr: '' });
  });

  it('exits 1 on a syntax error, naming file, line and column', async () => {
    const dir = policyDir({ 'good.cedar': '@id("p") permit (principal, action, resource);', 'bad.cedar': '\n\npermit (principal, action, resource) when { principal.status == };' });
    const res = await runCli(['policy', 'validate', dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^bad\.cedar, line 3, column 65: unexpected token `}`/);
    expect(lines.at(-1)).toBe(`warden: \`${dir}\` does not validate: 1 problem (INVALID_POLICY)`);
  });

  it('exits 1 on a schema error, naming file, line and column', async () => {
    const dir = policyDir({ 'team.cedar': '@id("x")\npermit (principal, action, resource)\nwhen { resource.nosuch == "a" };' });
    const res = await runCli(['policy', 'validate', dir]);
    expect(res.code).toBe(1);
    const lines = res.stderr.trimEnd().split('\n');
    expect(lines.slice(0, -1).sort()).toEqual([
      'team.cedar, line 3, column 8: for policy `x`, attribute `nosuch` on entity type `Warden::Agent` not found (did you mean `owner`?)',
      'team.cedar, line 3, column 8: for policy `x`, attribute `nosuch` on entity type `Warden::Tool` not found (did you mean `server`?)',
    ]);
    expect(lines.at(-1)).toBe(`warden: \`${dir}\` does not validate: 2 problems (INVALID_POLICY)`);
  });

  it('exits 1 on a path that does not exist', async () => {
    const missing = join(home, 'nowhere');
    expect(await runCli(['policy', 'validate', missing])).toEqual({ code: 1, stdout: '', stderr: `warden: no policy file or directory \`${missing}\` (NOT_FOUND)\n` });
  });

  it('exits 1 on a directory without .cedar files', async () => {
    const dir = policyDir({ 'README.md': 'nothing here' });
    expect(await runCli(['policy', 'validate', dir])).toEqual({ code: 1, stdout: '', stderr: `warden: no \`.cedar\` files in \`${dir}\` (INVALID_REQUEST)\n` });
  });
});

describe('warden policy test', () => {
  it('passes the default pack against its own table', async () => {
    const res = await runCli(['policy', 'test', join(PACK, 'default.test.yaml')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
    expect(res.stdout).not.toContain('FAIL');
  });

  it('exits 1 when a case does not get the expected decision, saying which and why', async () => {
    const dir = mkdtempSync(join(home, 'tests-'));
    writeFileSync(
      join(dir, 'cases.yaml'),
      [
        '- name: reading is allowed',
        '  tool: { name: forum.read, categories: [read] }',
        '  expect: allow',
        '- name: publishing is allowed (wrong on purpose)',
        '  tool: { name: forum.post, categories: [publish] }',
        '  expect: allow',
      ].join('\n'),
    );
    const res = await runCli(['policy', 'test', join(dir, 'cases.yaml')]);
    expect(res.code).toBe(1);
    expect(res.stdout.split('\n')).toEqual([
      'ok    reading is allowed (allow: calls-within-scope)',
      "FAIL  publishing is allowed (wrong on purpose): expected allow, got pending by publish-needs-approval (policy `publish-needs-approval` requires human approval (`publish`): publishing content needs a human's confirmation)",
      '1 passed, 1 failed',
      '',
    ]);
    expect(res.stderr).toBe('warden: 1 of 2 policy tests failed (POLICY_TEST_FAILED)\n');
  });

  it('runs the table against `--policies`', async () => {
    const dir = policyDir({ 'pack.cedar': `${DEFAULT_TEXT}\n${FORBID_READ}` });
    const table = join(dir, 'cases.yaml');
    writeFileSync(table, '- name: reading is paused\n  tool: { name: forum.read, categories: [read] }\n  expect: deny\n  determining: [no-forum-read]\n');
    const res = await runCli(['policy', 'test', table, '--policies', dir]);
    expect(res).toEqual({ code: 0, stdout: 'ok    reading is paused (deny: no-forum-read)\n1 passed, 0 failed\n', stderr: '' });
  });

  it('exits 1 with INVALID_POLICY_TEST on a malformed table', async () => {
    const dir = mkdtempSync(join(home, 'tests-'));
    writeFileSync(join(dir, 'bad.yaml'), '- name: no expectation\n  tool: { name: forum.read, categories: [read] }\n');
    const res = await runCli(['policy', 'test', join(dir, 'bad.yaml')]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^warden: invalid policy test at `0\.expect`: .* \(INVALID_POLICY_TEST\)\n$/);
  });
});

describe('warden policy simulate', () => {
  let t: DecisionTest;
  let reads: string[];

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    const token = await t.grant('helper', ['forum.read', 'forum.post']);
    reads = [];
    reads.push((await t.decide(token, { tool: 'forum.read' })).json().id);
    await t.decide(token, { tool: 'forum.post', args: { body: 'x' } });
    reads.push((await t.decide(token, { tool: 'forum.read', target: 'forum/2' })).json().id);
  });
  afterAll(() => t.close());

  const candidate = () => {
    const dir = mkdtempSync(join(home, 'candidate-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'pack.cedar'), `${DEFAULT_TEXT}\n${FORBID_READ}`);
    return dir;
  };

  it('lists what the candidate would change in the last 24 hours, recording nothing', async () => {
    const size = await t.warden.store.log.size();
    const version = await t.warden.policy.version();
    const res = await runCli(['policy', 'simulate', '--data-dir', t.dir, '--policies', candidate()]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({ replayed: 3, unchanged: 1, candidateVersion: PolicyEngine.load({ policies: `${DEFAULT_TEXT}\n${FORBID_READ}` }).version });
    expect(report.changes.map((c: { decisionId: string; recorded: string; simulated: string }) => [c.decisionId, c.recorded, c.simulated])).toEqual([
      [reads[1], 'allow', 'deny'],
      [reads[0], 'allow', 'deny'],
    ]);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(86_400_000);
    // The CLI's own opening may sign a checkpoint, but it adds no entry and changes no policy.
    expect(await t.warden.store.log.size()).toBe(size);
    expect(await t.warden.policy.version()).toBe(version);
  });

  it('honours --from and --to', async () => {
    const res = await runCli(['policy', 'simulate', '--data-dir', t.dir, '--policies', candidate(), '--from', '2020-01-01T00:00:00Z', '--to', '2020-01-02T00:00:00Z']);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: '2020-01-02T00:00:00.000Z', replayed: 0, changes: [] });
  });

  it('exits 1 with INVALID_REQUEST when --from is not before --to', async () => {
    const res = await runCli(['policy', 'simulate', '--data-dir', t.dir, '--policies', candidate(), '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z']);
    expect(res).toEqual({ code: 1, stdout: '', stderr: 'warden: `--from` and `--to` must be ISO times with `--from` first (INVALID_REQUEST)\n' });
  });

  it('exits 1 with INVALID_REQUEST on a time that does not parse', async () => {
    const res = await runCli(['policy', 'simulate', '--data-dir', t.dir, '--policies', candidate(), '--from', 'last week']);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('warden: `--from` and `--to` must be ISO times with `--from` first (INVALID_REQUEST)\n');
  });

  it('exits 1 with INVALID_POLICY on a candidate that does not validate', async () => {
    const dir = policyDir({ 'bad.cedar': 'permit (principal, action, resource' });
    const res = await runCli(['policy', 'simulate', '--data-dir', t.dir, '--policies', dir]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^warden: invalid policy: .*line 1, column \d+: .* \(INVALID_POLICY\)\n$/);
  });

  it('requires --policies', async () => {
    const res = await runCli(['policy', 'simulate', '--data-dir', t.dir]);
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')[0]).toBe("error: required option '--policies <path>' not specified");
  });
});

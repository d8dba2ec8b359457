/**
 * `warden approvals list|approve|deny`, in-process against the data directory of a
 * running Warden (as an operator's shell beside `warden serve`): resolutions are on the
 * record under the human named by `--as`, and a call waiting over HTTP hears them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionWarden, eventually, type DecisionTest } from '../decisions/fixtures.js';
import { runCli } from './run.js';

let home: string;
let cwd: string;
const savedEnv = { ...process.env };

beforeAll(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('WARDEN_')) delete process.env[k];
  cwd = process.cwd();
  home = mkdtempSync(join(tmpdir(), 'warden-cli-approvals-'));
  process.chdir(home);
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(home, { recursive: true, force: true });
  process.env = savedEnv;
});

describe('warden approvals', () => {
  let t: DecisionTest;
  let token: string;
  let permToken: string;
  let engineerB: string;

  const hold = async (body: string, tok = token, tool = 'forum.post') => {
    const d = (await t.decide(tok, { tool, target: 'forum/1', args: { body } })).json();
    expect(d.decision).toBe('pending');
    return d.approval.id as string;
  };
  const cli = (...args: string[]) => runCli(['approvals', ...args, '--data-dir', t.dir]);
  const pendingWith = (body: string) =>
    eventually(async () => (await t.warden.store.approvals.list({ status: 'pending', limit: 100 })).find((a) => a.argsPreview.includes(body))?.id);

  beforeAll(async () => {
    t = await decisionWarden();
    engineerB = await t.humanKey('engineer-b', 'approver');
    await t.register('helper', ['forum.*', 'repo.*']);
    await t.categorise('forum.post', ['publish']);
    await t.categorise('repo.set_permissions', ['permissions']);
    token = await t.grant('helper', ['forum.post']);
    permToken = await t.grant('helper', ['repo.set_permissions'], engineerB);
  });
  afterAll(() => t.close());

  it('lists `(none)` when nothing is pending', async () => {
    expect(await cli('list')).toEqual({ code: 0, stdout: '(none)\n', stderr: '' });
  });

  it('lists pending approvals as a table, without their arguments', async () => {
    const id = await hold('listed');
    try {
      const res = await cli('list');
      expect(res.code).toBe(0);
      const [header, row, ...rest] = res.stdout.trimEnd().split('\n');
      expect(header?.split(/\s+/)).toEqual(['ID', 'AGENT', 'TOOL', 'TARGET', 'SCORE', 'FACTORS', 'EXPIRESAT']);
      const rec = await t.warden.store.approvals.get(id);
      // A neutral score has no factors: that column is blank.
      expect(row).toMatch(new RegExp(`^${id}\\s+helper\\s+forum\\.post\\s+forum/1\\s+0\\s+${rec!.expiresAt.replace(/\./g, '\\.')}$`));
      expect(rest).toEqual([]);
      expect(res.stdout).not.toContain('listed');
    } finally {
      expect((await cli('deny', id, '--as', 'human:ops')).code).toBe(0);
    }
  });

  it('approves as the human named by `--as`, on the record', async () => {
    const id = await hold('approve me');
    const size = await t.warden.store.log.size();
    const res = await cli('approve', id, '--as', 'human:carol', '--comment', 'looks fine');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id, status: 'approved', resolvedBy: 'human:carol', comment: 'looks fine' });
    const entries = (await t.warden.store.log.entries(size, await t.warden.store.log.size())).map((e) => e.entry);
    expect(entries.filter((e) => e.type === 'approval.approved')).toEqual([
      expect.objectContaining({ actor: 'human:carol', subject: `approval:${id}`, data: expect.objectContaining({ id, comment: 'looks fine' }) }),
    ]);
    expect((await t.decide(token, { tool: 'forum.post', target: 'forum/1', args: { body: 'approve me' } })).json().decision).toBe('allow');
  });

  it('lists resolved approvals by `--status`', async () => {
    const res = await cli('list', '--status', 'approved');
    expect(res.code).toBe(0);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  it('denies with a comment, and a call waiting over HTTP ends in deny', async () => {
    const waiting = t.decide(token, { tool: 'forum.post', target: 'forum/1', args: { body: 'wait for the shell' } }, 30);
    const id = await pendingWith('wait for the shell');
    const res = await cli('deny', id, '--as', 'human:carol', '--comment', 'not on the forum');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id, status: 'denied', resolvedBy: 'human:carol', comment: 'not on the forum' });
    const d = (await waiting).json();
    expect(d.decision).toBe('deny');
    expect(d.reasons.at(-1)).toEqual({ code: 'APPROVAL_DENIED', message: `\`human:carol\` refused approval \`${id}\`: not on the forum` });
  });

  it('lets a call waiting over HTTP through when approved from the shell', async () => {
    const waiting = t.decide(token, { tool: 'forum.post', target: 'forum/1', args: { body: 'approved from the shell' } }, 30);
    const id = await pendingWith('approved from the shell');
    expect((await cli('approve', id, '--as', 'human:carol')).code).toBe(0);
    const d = (await waiting).json();
    expect(d.decision).toBe('allow');
    expect(d.reasons.at(-1).code).toBe('APPROVAL_USED');
  });

  it('refuses `--as` naming an agent (exit 1, INVALID_REQUEST), changing nothing', async () => {
    const id = await hold('agent tries');
    const size = await t.warden.store.log.size();
    expect(await cli('approve', id, '--as', 'agent:helper')).toEqual({ code: 1, stdout: '', stderr: 'warden: `--as` must be `human:<id>` (INVALID_REQUEST)\n' });
    expect(await cli('approve', id, '--as', 'helper')).toEqual({ code: 1, stdout: '', stderr: 'warden: `--as` must be `human:<id>` (INVALID_REQUEST)\n' });
    expect((await t.warden.store.approvals.get(id))?.status).toBe('pending');
    expect(await t.warden.store.log.size()).toBe(size);
    expect((await cli('deny', id, '--as', 'human:ops')).code).toBe(0);
  });

  it('requires `--as`', async () => {
    const res = await cli('approve', 'apr_whatever');
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')[0]).toBe("error: required option '--as <principal>' not specified");
  });

  it('refuses the origin human approving a permission change (exit 1, SELF_APPROVAL)', async () => {
    const id = await hold('perm', permToken, 'repo.set_permissions');
    const res = await cli('approve', id, '--as', 'human:engineer-b');
    expect(res).toEqual({
      code: 1,
      stdout: '',
      stderr: "warden: `human:engineer-b` is in this action's own chain and may not approve a permission change: another approver must (SELF_APPROVAL)\n",
    });
    expect((await t.warden.store.approvals.get(id))?.status).toBe('pending');
    expect((await cli('approve', id, '--as', 'human:engineer-c')).code).toBe(0);
  });

  it('exits 1 with APPROVAL_NOT_FOUND for an unknown approval', async () => {
    expect(await cli('approve', 'apr_nope', '--as', 'human:carol')).toEqual({ code: 1, stdout: '', stderr: 'warden: no approval `apr_nope` (APPROVAL_NOT_FOUND)\n' });
  });

  it('exits 1 with APPROVAL_NOT_PENDING for an approval already resolved', async () => {
    const id = await hold('twice');
    expect((await cli('deny', id, '--as', 'human:carol')).code).toBe(0);
    expect(await cli('approve', id, '--as', 'human:dave')).toEqual({ code: 1, stdout: '', stderr: `warden: approval \`${id}\` is already denied (APPROVAL_NOT_PENDING)\n` });
  });

  it('refuses an unknown `--status` instead of listing nothing', async () => {
    const res = await cli('list', '--status', 'open');
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')[0]).toBe("error: option '--status <status>' argument 'open' is invalid. Allowed choices are pending, approved, denied, expired.");
  });
});

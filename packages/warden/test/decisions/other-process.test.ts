/**
 * The decision path serves agents, tools and credential status from memory. A change made
 * by ANOTHER process on the same data directory (the CLI suspending an agent while the
 * server runs) must still bite on the very next decision: these tests make each change
 * through a second store on the same database file, as the CLI does, never through the
 * server's own objects.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.js';
import { codes, decisionWarden, docsReader, type DecisionTest } from './fixtures.js';

const event = (type: string) => ({ type, actor: 'human:cli-user', data: {} });

describe('a change made by another process', () => {
  let t: DecisionTest;
  let other: SqliteStore;
  let token: string;

  beforeEach(async () => {
    t = await decisionWarden();
    token = await docsReader(t);
    other = createSqliteStore(join(t.dir, 'warden.db'), { hmacKey: Buffer.alloc(32, 7) });
    // Warm every cache the decision path has.
    expect((await t.decide(token, { tool: 'docs.read' })).json().decision).toBe('allow');
  });
  afterEach(async () => {
    await other.close();
    await t.close();
  });

  it('suspending the agent denies its next call', async () => {
    const agent = await other.agents.get('worker');
    await other.agents.update({ ...agent!, status: 'suspended' }, event('agent.suspended'));
    const res = await t.decide(token, { tool: 'docs.read' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ACTOR_SUSPENDED');
  });

  it('revoking the credential denies its next use', async () => {
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    await other.credentials.revoke([jti], new Date().toISOString(), 'test', event('credential.revoked'));
    const res = await t.decide(token, { tool: 'docs.read' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('TOKEN_REVOKED');
  });

  it('narrowing the registered scope denies the next call outside it', async () => {
    const agent = await other.agents.get('worker');
    await other.agents.update({ ...agent!, scope: ['forum.*'] }, event('agent.updated'));
    const answer = (await t.decide(token, { tool: 'docs.read' })).json();
    expect(answer.decision).toBe('deny');
    expect(codes(answer)).toContain('SCOPE_DENIED');
  });

  it('recategorising the tool changes the next decision', async () => {
    const tool = await other.tools.get('docs.read');
    await other.tools.upsert({ ...tool!, categories: ['publish'] }, event('tool.updated'));
    const answer = (await t.decide(token, { tool: 'docs.read' })).json();
    expect(answer.decision).toBe('pending');
  });

  // The revision is read once per turn of the event loop: a change committed elsewhere in
  // the middle of a turn is caught under the write lock, where the allow is recorded.
  it('a revocation committed in the middle of a turn still stops a call decided in that turn', async () => {
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    void t.warden.identity.verify(token); // state read in this turn, as by a decision under way
    other.db.prepare('UPDATE credentials SET revoked_at = ?, revoked_reason = ? WHERE jti = ?').run(new Date().toISOString(), 'test', jti);
    const err = await t.warden.decisions.decide({ token, tool: 'docs.read', target: 'docs/mid-turn' }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('TOKEN_REVOKED');
    const recorded = await t.warden.store.decisions.search({ agent: 'worker', limit: 100 });
    expect(recorded.filter((d) => d.target === 'docs/mid-turn')).toEqual([]);
  });

  it('a tool recategorised in the middle of a turn is decided on its new categories', async () => {
    void t.warden.identity.verify(token);
    other.db.prepare('UPDATE tools SET categories = ? WHERE name = ?').run('["publish"]', 'docs.read');
    const answer = await t.warden.decisions.decide({ token, tool: 'docs.read', target: 'docs/mid-turn' });
    expect(answer.decision).toBe('pending');
  });

  it('a last-seen update alone does not throw the caches away', async () => {
    const before = other.db.prepare('SELECT n FROM state_revision').pluck().get();
    await t.decide(token, { tool: 'docs.read' });
    other.db.prepare('UPDATE agents SET last_seen_at = ? WHERE id = ?').run(new Date().toISOString(), 'worker');
    expect(other.db.prepare('SELECT n FROM state_revision').pluck().get()).toBe(before);
  });
});

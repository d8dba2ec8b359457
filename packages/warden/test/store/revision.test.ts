/**
 * The state revision: the one counter that tells a cache its rows may be stale. Every
 * write to a guarded table moves it, whichever connection makes it; it is read at most
 * once per turn of the event loop; caches stay bounded.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/sqlite/db.js';
import { RevisionCache, stateRevisions } from '../../src/store/sqlite/revision.js';
import { tempDir } from '../helpers.js';

describe('state revision', () => {
  let dir: string;
  let db: Db;
  let other: Db;
  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(join(dir, 'warden.db'));
    other = openDatabase(join(dir, 'warden.db'));
  });
  afterEach(() => {
    other.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const counter = () => db.prepare('SELECT n FROM state_revision').pluck().get() as number;
  const narrowed = () => db.prepare('SELECT narrowed FROM state_revision').pluck().get() as number;
  const now = '2026-01-01T00:00:00.000Z';

  it.each([
    ['an agent registered', "INSERT INTO agents VALUES ('b', 'B', 'human:x', '', '[]', 'low', 'active', NULL, 'now', 'now', NULL, '[]')"],
    ['an agent suspended', "UPDATE agents SET status = 'suspended' WHERE id = 'a'"],
    ['an agent narrowed', "UPDATE agents SET scope = '[]' WHERE id = 'a'"],
    ['an agent deleted', "DELETE FROM agents WHERE id = 'a'"],
    ['a tool added', "INSERT INTO tools VALUES ('t2', '[\"read\"]', '', '', 'admin', 'now')"],
    ['a tool recategorised', "UPDATE tools SET categories = '[\"publish\"]' WHERE name = 't'"],
    ['a tool deleted', "DELETE FROM tools WHERE name = 't'"],
    ['a credential revoked', "UPDATE credentials SET revoked_at = 'now' WHERE jti = 'j'"],
    ['a credential issued', "INSERT INTO credentials SELECT 'j2', kind, subject, agent, actors, parent, ancestors, scope, task_id, intent, depth, max_depth, kid, issued_by, issued_at, expires_at, NULL, NULL FROM credentials WHERE jti = 'j'"],
    ['a credential deleted', "DELETE FROM credentials WHERE jti = 'j'"],
  ])('moves when %s by another connection', (what, sql) => {
    other.prepare("INSERT INTO agents VALUES ('a', 'A', 'human:x', '', '[\"*\"]', 'low', 'active', NULL, ?, ?, NULL, '[]')").run(now, now);
    other.prepare("INSERT INTO tools VALUES ('t', '[\"read\"]', '', '', 'admin', ?)").run(now);
    other
      .prepare(
        `INSERT INTO credentials VALUES ('j', 'grant', 'agent:a', 'a', '["agent:a"]', NULL, '[]', '["*"]', 'task', 'x', 0, 2, 'k', 'human:x', ?, ?, NULL, NULL)`,
      )
      .run(now, now);
    const [before, narrowedBefore] = [counter(), narrowed()];
    other.exec(sql);
    expect(counter()).toBeGreaterThan(before);
    // Every one of these can take something away from a decision under way, except a new
    // credential: the narrowing revision moves for all the others.
    if (what === 'a credential issued') expect(narrowed()).toBe(narrowedBefore);
    else expect(narrowed()).toBeGreaterThan(narrowedBefore);
  });

  it('reads both counters in one turn, and both again in the next', async () => {
    const { revision, narrowing } = stateRevisions(db);
    const [n, m] = [revision(), narrowing()];
    other.prepare("INSERT INTO agents VALUES ('c', 'C', 'human:x', '', '[]', 'low', 'active', NULL, ?, ?, NULL, '[]')").run(now, now);
    expect([revision(), narrowing()]).toEqual([n, m]);
    await new Promise((resolve) => setImmediate(resolve));
    expect([revision(), narrowing()]).toEqual([n + 1, m + 1]);
  });

  it('does not move when only last-seen changes', () => {
    other.prepare("INSERT INTO agents VALUES ('a', 'A', 'human:x', '', '[]', 'low', 'active', NULL, ?, ?, NULL, '[]')").run(now, now);
    const before = counter();
    other.prepare("UPDATE agents SET last_seen_at = ? WHERE id = 'a'").run(now);
    expect(counter()).toBe(before);
  });

  it('is read once per turn: a change is seen from the next turn on', async () => {
    const { revision } = stateRevisions(db);
    const first = revision();
    other.prepare("INSERT INTO tools VALUES ('t', '[]', '', '', 'admin', 'now')").run();
    expect(revision()).toBe(first);
    await nextTurn();
    expect(revision()).toBeGreaterThan(first);
  });

  it('reloads every entry once the revision moves', () => {
    let revision = 1;
    let loads = 0;
    const cache = new RevisionCache<string>(() => revision);
    const load = () => `v${++loads}`;
    expect(cache.get('k', load)).toBe('v1');
    expect(cache.get('k', load)).toBe('v1');
    revision = 2;
    expect(cache.get('k', load)).toBe('v2');
  });

  it('remembers "not found" too, and stays bounded under a flood of keys', () => {
    let loads = 0;
    const cache = new RevisionCache<string | undefined>(() => 1, 3);
    const missing = () => {
      loads++;
      return undefined;
    };
    expect(cache.get('nope', missing)).toBeUndefined();
    expect(cache.get('nope', missing)).toBeUndefined();
    expect(loads).toBe(1);
    for (let i = 0; i < 100; i++) cache.get(`flood-${i}`, missing);
    // The oldest keys were dropped: 'nope' is loaded again.
    cache.get('nope', missing);
    expect(loads).toBe(102);
  });
});

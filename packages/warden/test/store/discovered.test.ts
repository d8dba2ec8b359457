// Anyone can present a bad token; the table of unidentified callers must not grow without end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVERED_CAP } from '../../src/store/sqlite/decisions.js';
import { testWarden, type TestWarden } from '../helpers.js';

describe('unidentified callers table', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
  });
  afterAll(() => t.close());

  it('counts a known caller again and stops adding new ones at the cap', async () => {
    const { db } = t.warden.store;
    const insert = db.prepare("INSERT INTO discovered (key, kind, label, detail, first_seen_at, last_seen_at, count) VALUES (?, 'traffic', 'x', '{}', 't', 't', 1)");
    db.transaction(() => {
      for (let i = 0; i < DISCOVERED_CAP; i++) insert.run(`traffic:${i}`);
    })();
    const at = new Date().toISOString();
    await t.warden.store.discovered.seen({ key: 'traffic:new', kind: 'traffic', label: 'agent:flood', detail: {}, at });
    await t.warden.store.discovered.seen({ key: 'traffic:7', kind: 'traffic', label: 'x', detail: { again: true }, at });
    const count = db.prepare('SELECT COUNT(*) AS n FROM discovered').get() as { n: number };
    expect(count.n).toBe(DISCOVERED_CAP);
    expect(db.prepare("SELECT count FROM discovered WHERE key = 'traffic:7'").get()).toEqual({ count: 2 });
    expect(db.prepare("SELECT 1 FROM discovered WHERE key = 'traffic:new'").get()).toBeUndefined();
  });
});

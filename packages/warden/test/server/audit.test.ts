/**
 * The audit routes: checkpoint and log key (text/plain, anyone), entries (auditors,
 * paged, exact leaf bytes), RFC 9162 proofs (anyone), and 400 codes for every bad or
 * out-of-range query. A log that cannot be written answers 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { openCheckpoint } from '../../src/audit/checkpoint.js';
import { leafHash } from '../../src/audit/merkle.js';
import { parseVerifierKey } from '../../src/audit/note.js';
import { verifyConsistency, verifyInclusion } from '../../src/audit/verify.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { expectError } from './state.js';

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('audit routes', () => {
  let t: TestWarden;
  beforeAll(async () => {
    // No checkpoint by the timer while the tests run: the first one is made on demand.
    t = await testWarden({ checkpointIntervalMs: 3_600_000 });
    await Promise.all(Array.from({ length: 1200 }, (_, i) => t.warden.store.log.append({ type: 'test.event', actor: 'system', data: { i } })));
  });
  afterAll(() => t.close());

  const head = async () => {
    const res = await t.request('GET', '/v1/audit/checkpoint');
    return openCheckpoint(res.body, parseVerifierKey((await t.request('GET', '/v1/audit/log-key')).body));
  };

  describe('GET /v1/audit/checkpoint and /v1/audit/log-key', () => {
    it('serves the signed checkpoint as text to anyone, making the first one on demand', async () => {
      expect(await t.warden.audit.latestCheckpoint()).toBeUndefined();
      const res = await t.request('GET', '/v1/audit/checkpoint');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      const size = await t.warden.store.log.size();
      expect(res.body).toMatch(new RegExp(`^warden\\.local/[0-9a-f]{16}\\n${size}\\n[A-Za-z0-9+/]{43}=\\n\\n\u2014 warden\\.local/[0-9a-f]{16} [A-Za-z0-9+/]+=*\\n$`));
      expect((await head()).size).toBe(size);
    });

    it('serves the verifier key in the note vkey format', async () => {
      const res = await t.request('GET', '/v1/audit/log-key');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body).toBe(t.warden.audit.logKey());
      expect(parseVerifierKey(res.body).name).toBe(res.body.split('+')[0]);
    });
  });

  describe('GET /v1/audit/entries', () => {
    it('answers 401 without a key', async () => {
      expectError(await t.request('GET', '/v1/audit/entries'), 401, 'UNAUTHENTICATED');
    });

    it('answers 403 to a viewer', async () => {
      expectError(await t.request('GET', '/v1/audit/entries', { key: t.keys.viewer }), 403, 'FORBIDDEN');
    });

    it('answers 403 to an approver', async () => {
      expectError(await t.request('GET', '/v1/audit/entries', { key: t.keys.approver }), 403, 'FORBIDDEN');
    });

    it('gives an auditor entries whose canonical JSON hashes to the leaf hash and the stored bytes', async () => {
      const res = await t.request('GET', '/v1/audit/entries?start=3&end=9', { key: t.keys.auditor });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { entries: Array<{ index: number; leafHash: string; entry: Record<string, unknown> }>; next?: number };
      expect(body.next).toBeUndefined();
      expect(body.entries.map((e) => e.index)).toEqual([3, 4, 5, 6, 7, 8]);
      const stored = t.warden.store.log.rawEntries(3, 9);
      for (const [i, e] of body.entries.entries()) {
        expect(e.entry.index).toBe(e.index);
        expect(canonicalBytes(e.entry).toString('utf8')).toBe(stored[i]?.text);
        expect(e.leafHash).toBe(leafHash(canonicalBytes(e.entry)).toString('base64'));
      }
    });

    it('pages at 1000 entries with `next`', async () => {
      const size = await t.warden.store.log.size();
      const first = (await t.request('GET', '/v1/audit/entries', { key: t.keys.admin })).json() as { entries: unknown[]; next?: number };
      expect({ count: first.entries.length, next: first.next }).toEqual({ count: 1000, next: 1000 });
      const second = (await t.request('GET', `/v1/audit/entries?start=${first.next}`, { key: t.keys.auditor })).json() as { entries: Array<{ index: number }>; next?: number };
      expect({ count: second.entries.length, next: second.next, last: second.entries.at(-1)?.index }).toEqual({ count: size - 1000, next: undefined, last: size - 1 });
    });

    it('clamps an end past the log to its size', async () => {
      const size = await t.warden.store.log.size();
      const body = (await t.request('GET', `/v1/audit/entries?start=${size - 2}&end=${size + 50}`, { key: t.keys.auditor })).json() as { entries: unknown[]; next?: number };
      expect({ count: body.entries.length, next: body.next }).toEqual({ count: 2, next: undefined });
    });

    it('answers an empty page at the end of the log', async () => {
      const size = await t.warden.store.log.size();
      expect((await t.request('GET', `/v1/audit/entries?start=${size}`, { key: t.keys.auditor })).json()).toEqual({ entries: [] });
    });

    it('answers 400 OUT_OF_RANGE for a start past the end', async () => {
      const size = await t.warden.store.log.size();
      expectError(await t.request('GET', `/v1/audit/entries?start=${size + 1}`, { key: t.keys.auditor }), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 OUT_OF_RANGE for an end before the start', async () => {
      expectError(await t.request('GET', '/v1/audit/entries?start=5&end=4', { key: t.keys.auditor }), 400, 'OUT_OF_RANGE');
    });

    it.each([
      ['a word', 'start=abc', 'start'],
      ['a negative number', 'start=-1', 'start'],
      ['a fraction', 'end=1.5', 'end'],
      ['an exponent', 'end=1e3', 'end'],
      ['a leading zero', 'start=01', 'start'],
      ['a number past 2^53', 'end=99999999999999999', 'end'],
      ['an unknown parameter', 'limit=5', 'limit'],
    ])('answers 400 INVALID_REQUEST for %s', async (_name, query, field) => {
      expectError(await t.request('GET', `/v1/audit/entries?${query}`, { key: t.keys.auditor }), 400, 'INVALID_REQUEST', field);
    });
  });

  describe('GET /v1/audit/proof/inclusion', () => {
    it('proves entries against the signed root, to anyone', async () => {
      const cp = await head();
      const entries = await t.warden.store.log.entries(0, cp.size);
      for (const index of [0, 1, 500, cp.size - 1]) {
        const res = await t.request('GET', `/v1/audit/proof/inclusion?index=${index}&treeSize=${cp.size}`);
        expect(res.statusCode).toBe(200);
        const body = res.json() as { index: number; treeSize: number; hashes: string[] };
        expect({ index: body.index, treeSize: body.treeSize }).toEqual({ index, treeSize: cp.size });
        const leaf = leafHash(canonicalBytes(entries[index]?.entry));
        expect(verifyInclusion(leaf, index, cp.size, body.hashes.map(b64), cp.root)).toBe(true);
      }
    });

    it('answers 400 OUT_OF_RANGE for an index at the tree size', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/inclusion?index=5&treeSize=5'), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 OUT_OF_RANGE for a tree size past the log', async () => {
      const size = await t.warden.store.log.size();
      expectError(await t.request('GET', `/v1/audit/proof/inclusion?index=0&treeSize=${size + 1}`), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 OUT_OF_RANGE for a tree size of 0', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/inclusion?index=0&treeSize=0'), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 OUT_OF_RANGE for a huge tree size, not a 500', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/inclusion?index=0&treeSize=9007199254740991'), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 INVALID_REQUEST without a tree size', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/inclusion?index=0'), 400, 'INVALID_REQUEST', 'treeSize');
    });

    it('answers 400 INVALID_REQUEST for a negative index', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/inclusion?index=-1&treeSize=4'), 400, 'INVALID_REQUEST', 'index');
    });

    it('answers 400 INVALID_REQUEST for a repeated parameter', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/inclusion?index=1&index=2&treeSize=4'), 400, 'INVALID_REQUEST', 'index');
    });
  });

  describe('GET /v1/audit/proof/consistency', () => {
    it('proves that an earlier signed tree is a prefix of a later one', async () => {
      const before = await head();
      await t.warden.store.log.append({ type: 'test.event', actor: 'system', data: { later: true } });
      const after = openCheckpoint((await t.warden.audit.checkpoint()).note, parseVerifierKey(t.warden.audit.logKey()));
      const res = await t.request('GET', `/v1/audit/proof/consistency?from=${before.size}&to=${after.size}`);
      expect(res.statusCode).toBe(200);
      const body = res.json() as { from: number; to: number; hashes: string[] };
      expect({ from: body.from, to: body.to }).toEqual({ from: before.size, to: after.size });
      expect(verifyConsistency(before.size, after.size, body.hashes.map(b64), before.root, after.root)).toBe(true);
    });

    it('gives an empty proof from a size to itself', async () => {
      expect((await t.request('GET', '/v1/audit/proof/consistency?from=7&to=7')).json()).toEqual({ from: 7, to: 7, hashes: [] });
    });

    it('answers 400 OUT_OF_RANGE when from is past to', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/consistency?from=8&to=7'), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 OUT_OF_RANGE when to is past the log', async () => {
      const size = await t.warden.store.log.size();
      expectError(await t.request('GET', `/v1/audit/proof/consistency?from=1&to=${size + 1}`), 400, 'OUT_OF_RANGE');
    });

    it('answers 400 INVALID_REQUEST without from', async () => {
      expectError(await t.request('GET', '/v1/audit/proof/consistency?to=3'), 400, 'INVALID_REQUEST', 'from');
    });
  });
});

describe('a log that cannot be written', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
  });
  afterAll(() => t.close());

  it('answers 503 AUDIT_UNAVAILABLE and does not make the change', async () => {
    t.warden.store.db.exec("CREATE TRIGGER broken BEFORE INSERT ON audit_entries BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    try {
      const res = await t.request('PUT', '/v1/tools/forum.post', { key: t.keys.admin, body: { categories: ['publish'] } });
      expectError(res, 503, 'AUDIT_UNAVAILABLE');
      expect(await t.warden.store.tools.get('forum.post')).toBeUndefined();
    } finally {
      t.warden.store.db.exec('DROP TRIGGER broken');
    }
  });
});

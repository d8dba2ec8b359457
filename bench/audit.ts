/**
 * The audit log: durable appends per second with 64 concurrent producers (beside raw
 * SQLite inserts on the same machine, WAL with synchronous=FULL so each commit is synced, as
 * the log's own WAL fsync makes each of its commits), append
 * latency at a fixed rate, entries verified per second, and proof time at 1M entries
 * (beside one indexed SELECT).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { canonicalBytes } from '../packages/warden/src/audit/canonical.js';
import { Frontier } from '../packages/warden/src/audit/frontier.js';
import { leafHash } from '../packages/warden/src/audit/merkle.js';
import { consistencyProof, inclusionProof } from '../packages/warden/src/audit/tree.js';
import { verifyLocalLog } from '../packages/warden/src/audit/verify-log.js';
import { validateConfig } from '../packages/warden/src/config/load.js';
import type { AuditEvent } from '../packages/warden/src/store/audit-types.js';
import { openDatabase, type Db } from '../packages/warden/src/store/sqlite/db.js';
import { SqliteLog } from '../packages/warden/src/store/sqlite/log.js';
import { sqliteHashReader } from '../packages/warden/src/store/sqlite/readonly.js';
import { createWarden } from '../packages/warden/src/warden.js';
import type { Row } from './types.js';
import { benchDir, percentile } from './util.js';

const HMAC_KEY = Buffer.alloc(32, 7);
const ms = (ns: bigint) => Number(ns) / 1e6;
const now = () => process.hrtime.bigint();

/** A realistic entry: what `PUT /v1/tools/:name` records (~350 bytes of canonical JSON). */
function toolEvent(i: number): AuditEvent {
  return {
    type: 'tool.categorised',
    actor: 'human:bench-admin',
    subject: `tool:bench.tool-${i}`,
    data: {
      tool: { name: `bench.tool-${i}`, categories: ['read', 'write'], description: 'a tool the benchmark categorises', server: 'bench', source: 'admin', updatedAt: new Date().toISOString() },
      previous: null,
    },
  };
}

function freshLog(): { dir: string; db: Db; log: SqliteLog } {
  const dir = benchDir();
  const db = openDatabase(join(dir, 'warden.db'));
  return { dir, db, log: new SqliteLog(db, { hmacKey: HMAC_KEY }) };
}

function dispose(dir: string, db: Db): void {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
}

/** The median of each measure over `rounds` rounds that take turns, so load changes hit both. */
async function interleaved(rounds: number, measures: Array<() => number | Promise<number>>): Promise<number[]> {
  const results: number[][] = measures.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, measure] of measures.entries()) results[i]?.push(await measure());
  }
  return results.map((list) => percentile([...list].sort((a, b) => a - b), 50));
}

/** Appends per second with `producers` loops each keeping `depth` appends in flight. */
async function appendRate(producers: number, depth: number, seconds: number): Promise<number> {
  const { dir, db, log } = freshLog();
  try {
    let n = 0;
    const run = async (until: bigint) => {
      await Promise.all(
        Array.from({ length: producers * depth }, async () => {
          while (now() < until) {
            await log.append(toolEvent(n));
            n += 1;
          }
        }),
      );
    };
    // Warm-up, past the WAL's first growth to its steady size (later commits overwrite it).
    await run(now() + 500_000_000n);
    n = 0;
    const start = now();
    await run(start + BigInt(seconds * 1e9));
    return n / (ms(now() - start) / 1000);
  } finally {
    dispose(dir, db);
  }
}

/** Raw inserts of the same rows, `perCommit` per durable transaction, after `warmRows` untimed. */
function rawInsertRate(rows: number, perCommit: number, warmRows = 0): number {
  const { dir, db } = freshLog();
  // Raw baselines sync on commit themselves (FULL); the log syncs its WAL after each commit.
  db.pragma('synchronous = FULL');
  try {
    const insert = db.prepare('INSERT INTO audit_entries (idx, leaf_hash, entry) VALUES (?, ?, ?)');
    const texts = Array.from({ length: Math.min(rows, 1000) }, (_, i) => canonicalBytes({ ...toolEvent(i), index: i, v: 1 }).toString('utf8'));
    const hash = Buffer.alloc(32, 1);
    const commit = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(i, hash, texts[i % texts.length]);
    });
    for (let from = 0; from < warmRows; from += perCommit) commit(from, Math.min(warmRows, from + perCommit));
    const start = now();
    for (let from = warmRows; from < warmRows + rows; from += perCommit) commit(from, Math.min(warmRows + rows, from + perCommit));
    return rows / (ms(now() - start) / 1000);
  } finally {
    dispose(dir, db);
  }
}

/** Latencies (ms) of appends issued open-loop at `rate` per second, from when each was due. */
async function appendLatencies(rate: number, seconds: number): Promise<number[]> {
  const { dir, db, log } = freshLog();
  try {
    const latencies: number[] = [];
    const pending: Array<Promise<unknown>> = [];
    const start = now();
    const total = rate * seconds;
    for (let issued = 0; issued < total; ) {
      const due = Math.min(total, Math.floor((ms(now() - start) / 1000) * rate));
      for (; issued < due; issued++) {
        const at = start + BigInt(Math.round((issued / rate) * 1e9));
        pending.push(log.append(toolEvent(issued)).then(() => latencies.push(ms(now() - at))));
      }
      await tick();
    }
    await Promise.all(pending);
    return latencies.sort((a, b) => a - b);
  } finally {
    dispose(dir, db);
  }
}

/** Latencies (ms) of sequential one-row durable commits: the floor under any append. */
function singleCommitLatencies(count: number): number[] {
  const { dir, db } = freshLog();
  // Raw baselines sync on commit themselves (FULL); the log syncs its WAL after each commit.
  db.pragma('synchronous = FULL');
  try {
    const insert = db.prepare('INSERT INTO audit_entries (idx, leaf_hash, entry) VALUES (?, ?, ?)');
    const text = canonicalBytes({ ...toolEvent(0), index: 0, v: 1 }).toString('utf8');
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = now();
      insert.run(i, Buffer.alloc(32), text);
      out.push(ms(now() - t));
    }
    return out.sort((a, b) => a - b);
  } finally {
    dispose(dir, db);
  }
}

/** Entries verified per second by `verifyLocalLog`, beside reading and hashing alone. */
async function verifyRates(entries: number): Promise<{ verify: number; scan: number }> {
  const dir = benchDir();
  try {
    const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent', checkpointIntervalMs: 3_600_000 }));
    for (let from = 0; from < entries; from += 10_000) {
      await Promise.all(Array.from({ length: Math.min(10_000, entries - from) }, (_, i) => warden.store.log.append(toolEvent(from + i))));
      await warden.audit.checkpoint();
    }
    const vkey = warden.audit.logKey();
    const size = await warden.store.log.size();
    await warden.close();

    let start = now();
    const result = await verifyLocalLog(dir, { logKey: vkey });
    const verify = size / (ms(now() - start) / 1000);
    if (!result.ok) throw new Error(`the bench log does not verify: ${result.problem}`);

    const db = openDatabase(join(dir, 'warden.db'));
    start = now();
    for (const row of db.prepare('SELECT leaf_hash, entry FROM audit_entries ORDER BY idx').iterate() as Iterable<{ entry: string }>) {
      leafHash(Buffer.from(row.entry, 'utf8'));
    }
    const scan = size / (ms(now() - start) / 1000);
    db.close();
    return { verify, scan };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A log of `size` synthetic entries written straight into the tables, in one transaction. */
function bulkLog(size: number): { dir: string; db: Db } {
  const { dir, db } = freshLog();
  // Raw baselines sync on commit themselves (FULL); the log syncs its WAL after each commit.
  db.pragma('synchronous = FULL');
  const insertEntry = db.prepare('INSERT INTO audit_entries (idx, leaf_hash, entry) VALUES (?, ?, ?)');
  const insertNode = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
  db.pragma('synchronous = OFF'); // building the fixture, not measuring it
  db.transaction(() => {
    const frontier = new Frontier();
    for (let i = 0; i < size; i++) {
      const text = `{"actor":"system","data":{"n":${i}},"index":${i},"time":"2026-01-05T10:00:00.000Z","type":"bench.entry","v":1}`;
      const leaf = leafHash(Buffer.from(text, 'utf8'));
      insertEntry.run(i, leaf, text);
      frontier.append(leaf, (level, index, hash) => insertNode.run(level, index, hash));
    }
  })();
  db.pragma('synchronous = FULL');
  return { dir, db };
}

/** Proof and point-read times (ms) over a 1M-entry log, random indexes. */
function proofTimes(size: number, samples: number): { inclusion: number[]; consistency: number[]; select: number[] } {
  const { dir, db } = bulkLog(size);
  try {
    const reader = sqliteHashReader(db);
    const select = db.prepare('SELECT leaf_hash FROM audit_entries WHERE idx = ?').pluck();
    const rand = (n: number) => Math.floor(Math.random() * n);
    for (let i = 0; i < 500; i++) inclusionProof(rand(size), size, reader); // warm the page cache
    const out = { inclusion: [] as number[], consistency: [] as number[], select: [] as number[] };
    for (let i = 0; i < samples; i++) {
      const index = rand(size);
      let t = now();
      select.get(index);
      out.select.push(ms(now() - t));
      t = now();
      inclusionProof(index, size, reader);
      out.inclusion.push(ms(now() - t));
      t = now();
      consistencyProof(1 + rand(size - 1), size, reader);
      out.consistency.push(ms(now() - t));
    }
    for (const list of Object.values(out)) list.sort((a, b) => a - b);
    return out;
  } finally {
    dispose(dir, db);
  }
}

export async function benchAudit(): Promise<Row[]> {
  const rows: Row[] = [];
  // Five rounds, each measure in turn, medians reported.
  const [oneTransaction = 0, per64 = 0, appends64 = 0, appendsDeep = 0] = await interleaved(5, [
    () => rawInsertRate(100_000, 100_000),
    () => rawInsertRate(64 * 500, 64, 64 * 300),
    () => appendRate(64, 1, 1.5),
    () => appendRate(64, 16, 1.5),
  ]);
  rows.push(
    { name: 'durable appends/s, 64 producers', value: appends64, unit: 'appends/s', baseline: { name: 'raw SQLite inserts, one transaction', value: oneTransaction }, higherIsBetter: true },
    { name: 'durable appends/s, 64 producers', value: appends64, unit: 'appends/s', baseline: { name: 'raw SQLite inserts, 64 per durable commit', value: per64 }, higherIsBetter: true },
    { name: 'durable appends/s, 64 producers x 16 in flight', value: appendsDeep, unit: 'appends/s', baseline: { name: 'raw SQLite inserts, one transaction', value: oneTransaction }, higherIsBetter: true },
  );

  const latencies = await appendLatencies(5000, 3);
  const single = singleCommitLatencies(1000);
  rows.push(
    { name: 'append p50 at 5,000/s for 3 s', value: percentile(latencies, 50), unit: 'ms', baseline: { name: 'one-row durable commit p50', value: percentile(single, 50) } },
    { name: 'append p99 at 5,000/s for 3 s', value: percentile(latencies, 99), unit: 'ms', baseline: { name: 'one-row durable commit p99', value: percentile(single, 99) } },
  );

  const verify = await verifyRates(100_000);
  rows.push({ name: 'entries verified/s (100k entries)', value: verify.verify, unit: 'entries/s', baseline: { name: 'read + SHA-256 of each entry', value: verify.scan }, higherIsBetter: true });

  const proofs = proofTimes(1_000_000, 2000);
  rows.push(
    { name: 'inclusion proof p50 at 1M entries', value: percentile(proofs.inclusion, 50), unit: 'ms', baseline: { name: 'one indexed SELECT p50', value: percentile(proofs.select, 50) } },
    { name: 'inclusion proof p99 at 1M entries', value: percentile(proofs.inclusion, 99), unit: 'ms', baseline: { name: 'one indexed SELECT p99', value: percentile(proofs.select, 99) } },
    { name: 'consistency proof p99 at 1M entries', value: percentile(proofs.consistency, 99), unit: 'ms', baseline: { name: 'one indexed SELECT p99', value: percentile(proofs.select, 99) } },
  );
  return rows;
}

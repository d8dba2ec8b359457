/**
 * The decision pipeline: in-process `decide()` (durable audit append included) beside a raw
 * Cedar `statefulIsAuthorized` over the same default pack, one caller's latency beside the
 * disk's own fsync, and HTTP `POST /v1/decisions` beside a bare Fastify route, all in the
 * same run. Over HTTP, the server logging as `warden serve` does, both as fast as answers come back (autocannon, closed loop) and at a
 * fixed rate offered whatever the answers do (bench/offered.ts, open loop): 1,000 req/s,
 * and the aim's 5,000. Then the same Warden recording in its server thread instead of its
 * writer thread, to show what the writer thread is worth here; and one caller with the WAL
 * copied back by the checkpoint thread against SQLite doing it inside the commits.
 */
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateConfig } from '../packages/warden/src/config/load.js';
import { readDefaultPolicies } from '../packages/warden/src/policy/pack.js';
import { pino, type LoggerOptions } from 'pino';
import { buildApp, loggerOptions } from '../packages/warden/src/server/app.js';
import { openDatabase } from '../packages/warden/src/store/sqlite/db.js';
import { createWarden, type Warden, type WardenOptions } from '../packages/warden/src/warden.js';
import type { Row } from './types.js';
import { offered, type OfferedResult } from './offered.js';
import { benchRestart } from './restart.js';
import { benchDir, load, percentile, type LoadResult } from './util.js';

const CONCURRENCY = 64;
/** Open-loop rates (bench/offered.ts), requests/s over 32 connections: a low one, and the HTTP aim's (#5). */
const OFFERED = { low: 1000, aim: 5000 } as const;

interface OfferedPair {
  low: OfferedResult;
  aim: OfferedResult;
}

/** The open-loop load at both rates, 5 s each. */
async function offeredPair(url: string, headers: Record<string, string>, body: string): Promise<OfferedPair> {
  const at = (rate: number) => offered({ url, method: 'POST', headers, body, rate, seconds: 5, connections: 32 });
  return { low: await at(OFFERED.low), aim: await at(OFFERED.aim) };
}

async function setup(warden: Warden): Promise<string> {
  const app = await buildApp(warden);
  const { key: admin } = await warden.keys.create({ owner: 'human:bench-admin', role: 'admin' }, 'system');
  const { key: approver } = await warden.keys.create({ owner: 'human:bench-approver', role: 'approver' }, 'system');
  const inject = (method: 'POST' | 'PUT', url: string, key: string, body: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  await inject('PUT', '/v1/tools/docs.read', admin, { categories: ['read'] });
  await inject('POST', '/v1/agents', admin, { id: 'bench-agent', name: 'Bench', owner: 'human:bench-admin', scope: ['docs.*'] });
  const grant = await inject('POST', '/v1/grants', approver, { agent: 'bench-agent', intent: 'read and summarise the docs', scope: ['docs.read'], ttlSeconds: 3600 });
  const token = (grant.json() as { token?: string }).token;
  if (!token) throw new Error(`grant failed: ${grant.body}`);
  await app.close();
  return token;
}

/**
 * The logger `warden serve` makes (cli/serve.ts): `info`, written synchronously, here into
 * a file of the data directory instead of stdout.
 */
export function serveLogger(dir: string): FastifyBaseLogger {
  return pino(loggerOptions('info') as LoggerOptions, pino.destination({ dest: join(dir, 'serve.log'), sync: true }));
}

/** A Warden on a fresh data directory, set up for `bench-agent`, and how to dispose of both. */
export async function benchWarden(options: WardenOptions): Promise<{ warden: Warden; token: string; dispose: () => Promise<void> }> {
  const dir = benchDir();
  const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }), options);
  const dispose = async () => {
    await warden.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return { warden, token: await setup(warden), dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

async function rawCedar(iterations: number): Promise<number[]> {
  const policies = readDefaultPolicies().map((p) => p.text).join('\n');
  const pre = preparsePolicySet('bench-raw', { staticPolicies: policies });
  if (pre.type !== 'success') throw new Error('raw cedar preparse failed');
  const lat: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    const answer = statefulIsAuthorized({
      principal: { type: 'Warden::Agent', id: 'bench-agent' },
      action: { type: 'Warden::Action', id: 'call' },
      resource: { type: 'Warden::Tool', id: 'docs.read' },
      context: { risk: { score: i % 100 } },
      entities: [
        { uid: { type: 'Warden::Agent', id: 'bench-agent' }, attrs: { status: 'active' }, parents: [] },
        { uid: { type: 'Warden::Tool', id: 'docs.read' }, attrs: { categories: ['read'] }, parents: [] },
      ],
      preparsedPolicySetId: 'bench-raw',
    });
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (answer.type !== 'success') throw new Error('raw cedar failed');
  }
  return lat.sort((a, b) => a - b);
}

/** One caller's latency, the part of it spent waiting for its durable record, and the log's own fsyncs meanwhile. */
interface OneCaller {
  lat: number[];
  recordWait: number[];
  /** Each WAL fsync of the audit log during the run (ms), as `/metrics` reports them. */
  walSyncs: number[];
}

/** One caller, one decision at a time: the latency an agent sees when Warden is not busy. */
async function sequential(warden: Warden, token: string, n: number): Promise<OneCaller> {
  const lat: number[] = [];
  const recordWait: number[] = [];
  const walSyncs: number[] = [];
  const stop = warden.store.observeSyncs((seconds) => walSyncs.push(seconds * 1000));
  try {
    await withRecordTimed(warden, (ms) => recordWait.push(ms), async () => {
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await warden.decisions.decide({ token, tool: 'docs.read', target: `docs/page-${i % 100}` });
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    });
  } finally {
    stop();
  }
  const sorted = (a: number[]) => a.sort((x, y) => x - y);
  return { lat: sorted(lat), recordWait: sorted(recordWait), walSyncs: sorted(walSyncs) };
}

/**
 * One caller against two Wardens, alternating `n` decisions at a time so that both see the
 * same machine: one copying the WAL back from its checkpoint thread (the default), one
 * leaving that to SQLite inside the writer's commits (before session 5).
 */
async function checkpointPair(rounds: number, n: number): Promise<{ thread: number[]; inCommits: number[] }> {
  const open = async (options: WardenOptions) => {
    const b = await benchWarden(options);
    // Warms up, and grows the WAL to its working size.
    await inProcess(b.warden, b.token, 2);
    return b;
  };
  const both = [await open({}), await open({ checkpoints: false })] as const;
  try {
    const thread: number[] = [];
    const inCommits: number[] = [];
    for (let r = 0; r < rounds; r++) {
      thread.push(...(await sequential(both[0].warden, both[0].token, n)).lat);
      inCommits.push(...(await sequential(both[1].warden, both[1].token, n)).lat);
    }
    const sorted = (a: number[]) => a.sort((x, y) => x - y);
    return { thread: sorted(thread), inCommits: sorted(inCommits) };
  } finally {
    for (const b of both) await b.dispose();
  }
}

/**
 * One caller, the record a no-op, each decision timed twice over: once just after the
 * thread slept (a 1 ms timer, the way a server thread waits for its next request) and once
 * straight after that decision, still warm. The two alternate, so both see the same
 * machine. On this VM a thread that sleeps wakes up slow: the gap between the two is what
 * every HTTP request pays that the in-process loop, never idle, does not.
 */
async function afterSleep(warden: Warden, token: string, n: number): Promise<{ cold: number[]; warm: number[] }> {
  const cold: number[] = [];
  const warm: number[] = [];
  const timed = async (into: number[]) => {
    const t0 = process.hrtime.bigint();
    await warden.decisions.decide({ token, tool: 'docs.read', target: 'docs/page-1' });
    into.push(Number(process.hrtime.bigint() - t0) / 1e3);
  };
  await withoutRecord(warden, async () => {
    for (let i = 0; i < n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await timed(cold);
      await timed(warm);
    }
  });
  const sorted = (a: number[]) => a.sort((x, y) => x - y);
  return { cold: sorted(cold), warm: sorted(warm) };
}

type RecordFn = Warden['store']['decisions']['record'];

/** Runs `f` with the store's `record` swapped for `replace(real)`, then puts it back. */
async function withRecord<T>(warden: Warden, replace: (real: RecordFn) => RecordFn, f: () => Promise<T>): Promise<T> {
  const decisions = warden.store.decisions as { record: RecordFn };
  const real = decisions.record;
  decisions.record = replace(real);
  try {
    return await f();
  } finally {
    decisions.record = real;
  }
}

/** Runs `f` with every record timed, from the call to its durable receipt. */
function withRecordTimed<T>(warden: Warden, took: (ms: number) => void, f: () => Promise<T>): Promise<T> {
  return withRecord(
    warden,
    (real) =>
      async (...args) => {
        const t0 = process.hrtime.bigint();
        try {
          return await real(...args);
        } finally {
          took(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      },
    f,
  );
}

/**
 * Runs `f` with the record replaced by an immediate receipt: what the pipeline costs
 * without its durable write (a measurement only; nothing is recorded).
 */
function withoutRecord<T>(warden: Warden, f: () => Promise<T>): Promise<T> {
  return withRecord(warden, () => async () => ({ index: 0, leafHash: '' }), f);
}

/** Runs `f` with `decide()` answering one fixed answer: what the HTTP route costs around it. */
async function withConstantDecide<T>(warden: Warden, token: string, f: () => Promise<T>): Promise<T> {
  const answer = await warden.decisions.decide({ token, tool: 'docs.read', target: 'docs/page-1' });
  const service = warden.decisions as { decide: Warden['decisions']['decide'] };
  service.decide = async () => answer;
  try {
    return await f();
  } finally {
    delete (service as Partial<typeof service>).decide;
  }
}

interface InProcess {
  rate: number;
  lat: number[];
  /** Process CPU (user + system, every thread) per decision, µs. */
  cpuPerDecision: number;
  /** Event-loop utilisation of the server thread and of the writer thread (if any), 0–1. */
  serverBusy: number;
  writerBusy: number | undefined;
}

async function inProcess(warden: Warden, token: string, seconds: number): Promise<InProcess> {
  const lat: number[] = [];
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  const worker = async (w: number) => {
    while (Date.now() < deadline) {
      const t0 = process.hrtime.bigint();
      const d = await warden.decisions.decide({ token, tool: 'docs.read', target: `docs/page-${(n++ + w) % 100}` });
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (d.decision !== 'allow') throw new Error(`unexpected ${d.decision}: ${JSON.stringify(d.reasons)}`);
    }
  };
  const writer = warden.store.writer?.worker;
  const [cpu0, server0, writer0] = [process.cpuUsage(), performance.eventLoopUtilization(), writer?.performance.eventLoopUtilization()];
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    rate: lat.length / elapsed,
    lat: lat.sort((a, b) => a - b),
    cpuPerDecision: (cpu.user + cpu.system) / lat.length,
    serverBusy: performance.eventLoopUtilization(server0).utilization,
    writerBusy: writer && writer0 ? writer.performance.eventLoopUtilization(writer0).utilization : undefined,
  };
}

/** One small primary-key read, as a statement of its own (a WAL read transaction each) and inside one transaction. */
function loneRead(dir: string, n: number): { alone: number; inTransaction: number } {
  const db = openDatabase(join(dir, 'read-probe.db'));
  try {
    const read = db.prepare('SELECT n FROM state_revision WHERE id = 1').pluck();
    const time = (f: () => void) => {
      const t0 = process.hrtime.bigint();
      f();
      return Number(process.hrtime.bigint() - t0) / 1e3 / n;
    };
    const alone = time(() => {
      for (let i = 0; i < n; i++) read.get();
    });
    const inTransaction = time(
      db.transaction(() => {
        for (let i = 0; i < n; i++) read.get();
      }),
    );
    return { alone, inTransaction };
  } finally {
    db.close();
  }
}

/**
 * The floor under one durable decision: fsync of a 4 KiB append to a file in the same
 * directory the data lives in (the WAL is fsynced before any decision is answered).
 */
function fsyncFloor(dir: string, n: number): number[] {
  const fd = openSync(join(dir, 'fsync-probe'), 'w');
  const page = Buffer.alloc(4096, 1);
  const lat: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, page);
      const t0 = process.hrtime.bigint();
      fsyncSync(fd);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
  }
  return lat.sort((a, b) => a - b);
}

interface Measured {
  ip: InProcess;
  /** The same load without the durable record (only for the full measure). */
  bare: LoadResult | undefined;
  noRecord: InProcess | undefined;
  one: OneCaller;
  http: LoadResult;
  /** The HTTP load with the record replaced by a no-op, and with decide() answering a constant (full measure only). */
  httpNoRecord: LoadResult | undefined;
  httpConstant: LoadResult | undefined;
  /** One caller's decide() just after the thread slept, and straight after (full measure only). */
  slept: { cold: number[]; warm: number[] } | undefined;
  /** POST /v1/decisions and the bare route at a fixed rate offered, open loop (full measure only). */
  offered: { warden: OfferedPair; bare: OfferedPair } | undefined;
}

/** Every measure against one Warden: recording in its writer thread (the default) or in-thread. */
async function measure(writerThread: boolean, full: boolean): Promise<Measured> {
  const { warden, token, dispose } = await benchWarden({ writerThread });
  try {
    await inProcess(warden, token, 1); // warm up
    const ip = await inProcess(warden, token, 5);
    const one = full ? await sequential(warden, token, 3000) : { lat: [], recordWait: [], walSyncs: [] };
    const noRecord = full ? await withoutRecord(warden, () => inProcess(warden, token, 3)) : undefined;
    const slept = full ? await afterSleep(warden, token, 2000) : undefined;
    // Over HTTP, the server as `warden serve` runs it, logging included.
    const app = await buildApp(warden, { loggerInstance: serveLogger(warden.dataDir) });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const body = JSON.stringify({ tool: 'docs.read', target: 'docs/page-1' });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    let bare: LoadResult | undefined;
    let bareOffered: OfferedPair | undefined;
    if (full) {
      const server = Fastify();
      server.post('/v1/decisions', async () => ({ decision: 'allow' }));
      const bareUrl = await server.listen({ port: 0, host: '127.0.0.1' });
      bare = await load({ url: `${bareUrl}/v1/decisions`, method: 'POST', headers, body, seconds: 5 });
      bareOffered = await offeredPair(`${bareUrl}/v1/decisions`, headers, body);
      await server.close();
    }
    await load({ url: `${url}/v1/decisions`, method: 'POST', headers, body, seconds: 1 });
    const http = await load({ url: `${url}/v1/decisions`, method: 'POST', headers, body, seconds: 5 });
    const httpOffered = full ? await offeredPair(`${url}/v1/decisions`, headers, body) : undefined;
    const decisionsLoad = () => load({ url: `${url}/v1/decisions`, method: 'POST', headers, body, seconds: 5 });
    const httpNoRecord = full ? await withoutRecord(warden, decisionsLoad) : undefined;
    const httpConstant = full ? await withConstantDecide(warden, token, decisionsLoad) : undefined;
    await app.close();
    for (const [what, r] of [['', http], [' without the record', httpNoRecord], [' with a constant answer', httpConstant], [' at a low rate offered', httpOffered?.low], [' at the aim\'s rate offered', httpOffered?.aim]] as const) {
      if (r !== undefined && (r.non2xx > 0 || r.errors > 0)) throw new Error(`POST /v1/decisions${what} answered ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
    return { ip, one, http, bare, noRecord, slept, httpNoRecord, httpConstant, offered: httpOffered && bareOffered ? { warden: httpOffered, bare: bareOffered } : undefined };
  } finally {
    await dispose();
  }
}

export async function benchDecisions(): Promise<Row[]> {
  const probeDir = benchDir();
  const floor = fsyncFloor(probeDir, 2000);
  const reads = loneRead(probeDir, 100_000);
  rmSync(probeDir, { recursive: true, force: true });
  const raw = await rawCedar(20_000);
  const rawRate = 1000 / (raw.reduce((a, b) => a + b, 0) / raw.length);
  const threaded = await measure(true, true);
  const inThread = await measure(false, false);
  const checkpoints = await checkpointPair(4, 1000);
  const restart = await benchRestart();
  const { ip, http } = threaded;
  const one = threaded.one.lat;
  const baseHttp = threaded.bare as LoadResult;
  const slept = threaded.slept as { cold: number[]; warm: number[] };
  const offeredRuns = threaded.offered as NonNullable<Measured['offered']>;
  const cedar = { name: 'raw statefulIsAuthorized', value: rawRate };
  return [
    { name: `decide() in-process, ${CONCURRENCY} callers, durable`, value: ip.rate, unit: 'decisions/s', baseline: cedar, higherIsBetter: true },
    { name: `decide() p50, ${CONCURRENCY} callers (queueing included)`, value: percentile(ip.lat, 50), unit: 'ms', baseline: { name: 'raw statefulIsAuthorized p50', value: percentile(raw, 50) } },
    { name: `decide() p99, ${CONCURRENCY} callers (queueing included)`, value: percentile(ip.lat, 99), unit: 'ms', baseline: { name: 'raw statefulIsAuthorized p99', value: percentile(raw, 99) } },
    { name: 'decide() p50, one caller', value: percentile(one, 50), unit: 'ms', baseline: { name: 'raw statefulIsAuthorized p50', value: percentile(raw, 50) } },
    { name: 'decide() p99, one caller', value: percentile(one, 99), unit: 'ms', baseline: { name: 'raw statefulIsAuthorized p99', value: percentile(raw, 99) } },
    { name: 'decide() p50, one caller, against the disk', value: percentile(one, 50), unit: 'ms', baseline: { name: 'fsync of a 4 KiB append p50', value: percentile(floor, 50) } },
    { name: 'decide() p99, one caller, against the disk', value: percentile(one, 99), unit: 'ms', baseline: { name: 'fsync of a 4 KiB append p99', value: percentile(floor, 99) } },
    { name: 'POST /v1/decisions', value: http.rps, unit: 'req/s', baseline: { name: 'bare Fastify POST', value: baseHttp.rps }, higherIsBetter: true },
    { name: 'POST /v1/decisions p99', value: http.p99ms, unit: 'ms', baseline: { name: 'bare Fastify POST p99', value: baseHttp.p99ms } },
    ...(['low', 'aim'] as const).flatMap((k) => {
      const [w, b, rate] = [offeredRuns.warden[k], offeredRuns.bare[k], OFFERED[k].toLocaleString('en-US')];
      return [
        { name: `POST /v1/decisions at ${rate} req/s offered (open loop)`, value: w.rps, unit: 'req/s', baseline: { name: 'bare Fastify POST, the same', value: b.rps }, higherIsBetter: true },
        { name: `POST /v1/decisions p50 at ${rate} req/s offered (open loop)`, value: w.p50ms, unit: 'ms', baseline: { name: 'bare Fastify POST, the same', value: b.p50ms } },
        { name: `POST /v1/decisions p99 at ${rate} req/s offered (open loop)`, value: w.p99ms, unit: 'ms', baseline: { name: 'bare Fastify POST, the same', value: b.p99ms } },
      ];
    }),
    // Where the time goes (docs/benchmarks.md, "Where a decision's time goes").
    { name: `decide() in-process, ${CONCURRENCY} callers, record replaced by a no-op`, value: (threaded.noRecord as InProcess).rate, unit: 'decisions/s', baseline: cedar, higherIsBetter: true },
    { name: `CPU per decision, all threads, ${CONCURRENCY} callers`, value: ip.cpuPerDecision, unit: 'µs', baseline: { name: 'raw statefulIsAuthorized, per call', value: 1e6 / rawRate } },
    { name: `CPU per decision, record replaced by a no-op`, value: (threaded.noRecord as InProcess).cpuPerDecision, unit: 'µs', baseline: { name: 'raw statefulIsAuthorized, per call', value: 1e6 / rawRate } },
    { name: `server thread busy (event-loop utilisation), ${CONCURRENCY} callers`, value: ip.serverBusy * 100, unit: '%' },
    { name: `writer thread busy (event-loop utilisation), ${CONCURRENCY} callers`, value: (ip.writerBusy ?? Number.NaN) * 100, unit: '%' },
    { name: 'one caller p99: the wait for its durable record', value: percentile(threaded.one.recordWait, 99), unit: 'ms', baseline: { name: 'decide() p99, one caller', value: percentile(one, 99) } },
    { name: 'one caller p50: the wait for its durable record', value: percentile(threaded.one.recordWait, 50), unit: 'ms', baseline: { name: 'decide() p50, one caller', value: percentile(one, 50) } },
    { name: "one caller: the audit log's own WAL fsync p50", value: percentile(threaded.one.walSyncs, 50), unit: 'ms', baseline: { name: 'fsync of a 4 KiB append p50', value: percentile(floor, 50) } },
    { name: "one caller: the audit log's own WAL fsync p99", value: percentile(threaded.one.walSyncs, 99), unit: 'ms', baseline: { name: 'fsync of a 4 KiB append p99', value: percentile(floor, 99) } },
    { name: 'POST /v1/decisions, record replaced by a no-op', value: (threaded.httpNoRecord as LoadResult).rps, unit: 'req/s', baseline: { name: 'bare Fastify POST', value: baseHttp.rps }, higherIsBetter: true },
    { name: 'POST /v1/decisions, decide() answering a constant', value: (threaded.httpConstant as LoadResult).rps, unit: 'req/s', baseline: { name: 'bare Fastify POST', value: baseHttp.rps }, higherIsBetter: true },
    { name: 'decide() p50, one caller, record a no-op, just after the thread slept 1 ms', value: percentile(slept.cold, 50), unit: 'µs', baseline: { name: 'the same, straight after another decide()', value: percentile(slept.warm, 50) } },
    { name: 'one primary-key read, a statement of its own (WAL)', value: reads.alone, unit: 'µs', baseline: { name: 'the same read inside a transaction', value: reads.inTransaction } },
    // The checkpoint thread against SQLite's checkpoints in the writer's commits, one caller.
    { name: 'decide() p50, one caller, checkpoint thread (4 × 1,000, alternating)', value: percentile(checkpoints.thread, 50), unit: 'ms', baseline: { name: 'the same, SQLite checkpointing in the commits', value: percentile(checkpoints.inCommits, 50) } },
    { name: 'decide() p99, one caller, checkpoint thread (4 × 1,000, alternating)', value: percentile(checkpoints.thread, 99), unit: 'ms', baseline: { name: 'the same, SQLite checkpointing in the commits', value: percentile(checkpoints.inCommits, 99) } },
    // A restart under load (bench/restart.ts): the first seconds of a fresh process.
    { name: 'a restart: from process start to serving, under tsx (policy loaded)', value: restart.readyMs, unit: 'ms' },
    { name: 'POST /v1/decisions answered/s, the first 3 s after a restart, 1,000 offered', value: restart.first.rps, unit: 'req/s', baseline: { name: 'the same process, the next 3 s', value: restart.next.rps }, higherIsBetter: true },
    { name: 'POST /v1/decisions p50, the first 3 s after a restart, 1,000 offered', value: restart.first.p50ms, unit: 'ms', baseline: { name: 'the same process, the next 3 s', value: restart.next.p50ms } },
    { name: 'POST /v1/decisions p99, the first 3 s after a restart, 1,000 offered', value: restart.first.p99ms, unit: 'ms', baseline: { name: 'the same process, the next 3 s', value: restart.next.p99ms } },
    // The same Warden recording decisions in its server thread, not its writer thread.
    { name: `decide() in-process, ${CONCURRENCY} callers, recorded in-thread`, value: inThread.ip.rate, unit: 'decisions/s', baseline: cedar, higherIsBetter: true },
    { name: 'POST /v1/decisions, recorded in-thread', value: inThread.http.rps, unit: 'req/s', baseline: { name: 'bare Fastify POST', value: baseHttp.rps }, higherIsBetter: true },
    { name: 'POST /v1/decisions p99, recorded in-thread', value: inThread.http.p99ms, unit: 'ms', baseline: { name: 'bare Fastify POST p99', value: baseHttp.p99ms } },
  ];
}

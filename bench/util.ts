/** Small helpers shared by the benchmarks: temporary data directories, percentiles, autocannon. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export function benchDir(): string {
  return mkdtempSync(join(tmpdir(), 'warden-bench-'));
}

export function percentile(sortedAsc: number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const i = Math.min(sortedAsc.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAsc.length) - 1));
  return sortedAsc[i] as number;
}

export interface LoadResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon (in a worker thread) against a URL on 127.0.0.1 for a bounded time. */
export async function load(opts: { url: string; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; connections?: number; seconds?: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? 'GET',
    headers: opts.headers,
    body: opts.body,
    connections: opts.connections ?? 32,
    duration: opts.seconds ?? 5,
    pipelining: 1,
    // The load generator runs on its own thread, so it does not share the event loop of the
    // server it measures (both still share this machine's two cores).
    workers: 1,
  });
  return {
    rps: result.requests.average,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

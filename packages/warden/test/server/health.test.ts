/** Operations endpoints: liveness, readiness (the store answers) and Prometheus metrics. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';
import { expectError } from './state.js';

describe('GET /healthz and /readyz', () => {
  let t: TestWarden;
  beforeAll(async () => {
    t = await testWarden();
  });
  afterAll(() => t.close());

  it('answers liveness without a key', async () => {
    const res = await t.request('GET', '/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers liveness even with a bad key', async () => {
    expect((await t.request('GET', '/healthz', { key: `wk_${'x'.repeat(43)}` })).statusCode).toBe(200);
  });

  it('answers readiness with the store kind', async () => {
    const res = await t.request('GET', '/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', store: 'sqlite' });
  });

  it('does not write to the audit log', async () => {
    const size = await t.warden.store.log.size();
    await t.request('GET', '/healthz');
    await t.request('GET', '/readyz');
    await t.request('GET', '/metrics');
    expect(await t.warden.store.log.size()).toBe(size);
  });
});

describe('GET /readyz when the store is gone', () => {
  it('answers 503 NOT_READY while liveness stays up', async () => {
    const t = await testWarden();
    try {
      // The store stops answering (a lost database connection): ping is what readiness asks.
      vi.spyOn(t.warden.store, 'ping').mockRejectedValue(new Error('database is gone'));
      const res = await t.request('GET', '/readyz');
      expectError(res, 503, 'NOT_READY');
      expect(res.json().error.message).toBe('the store does not answer');
      expect(res.body).not.toContain('database is gone');
      expect((await t.request('GET', '/healthz')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('GET /metrics', () => {
  let t: TestWarden;
  let text = '';
  beforeAll(async () => {
    t = await testWarden();
    await t.request('GET', '/v1/agents/ghost-one', { key: t.keys.viewer });
    await t.request('GET', '/v1/agents/ghost-two', { key: t.keys.viewer });
    await t.request('GET', '/v1/agents', { key: t.keys.viewer });
    await t.request('PUT', '/v1/tools/secret.tool.name', { key: t.keys.admin, body: { categories: ['read'] } });
    await t.request('GET', '/no/such/route-xyz');
    const res = await t.request('GET', '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    text = res.body;
  });
  afterAll(() => t.close());

  const lines = (prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

  it('counts requests by method, route pattern and status', () => {
    expect(lines('warden_http_requests_total{')).toEqual(
      expect.arrayContaining([
        'warden_http_requests_total{method="GET",route="/v1/agents/:id",status="404"} 2',
        'warden_http_requests_total{method="GET",route="/v1/agents",status="200"} 1',
        'warden_http_requests_total{method="PUT",route="/v1/tools/:name",status="200"} 1',
      ]),
    );
  });

  it('labels by route pattern, never by the raw URL', () => {
    for (const raw of ['ghost-one', 'ghost-two', 'secret.tool.name', 'route-xyz']) expect(text).not.toContain(raw);
  });

  it('counts requests no route matched under one label', () => {
    expect(lines('warden_http_requests_total{method="GET",route="unmatched",status="404"}')).toEqual([
      'warden_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    ]);
  });

  it('has a latency histogram by route', () => {
    expect(lines('warden_http_request_duration_seconds_count{method="GET",route="/v1/agents/:id"}')).toEqual([
      'warden_http_request_duration_seconds_count{method="GET",route="/v1/agents/:id"} 2',
    ]);
    expect(lines('warden_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/agents/:id"}')).toEqual([
      'warden_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/agents/:id"} 2',
    ]);
  });

  it("has a histogram of the audit log's fsyncs", () => {
    // The tool's categorisation was an audited change: one durable append, one fsync at least.
    const [count] = lines('warden_audit_fsync_seconds_count ');
    expect(Number(count?.split(' ')[1])).toBeGreaterThanOrEqual(1);
    expect(lines('warden_audit_fsync_seconds_bucket{le="+Inf"} ')).toHaveLength(1);
  });

  it('includes the process metrics', () => {
    expect(lines('process_cpu_user_seconds_total ')).toHaveLength(1);
  });

  it('keeps one registry per app', async () => {
    const other = await testWarden();
    try {
      const body = (await other.request('GET', '/metrics')).body;
      expect(body).not.toContain('route="/v1/agents/:id"');
    } finally {
      await other.close();
    }
  });
});

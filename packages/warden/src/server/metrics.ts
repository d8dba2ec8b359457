/**
 * Prometheus metrics, one registry per app: request counts and latency histograms by route,
 * the audit log's fsync times (each answer waits for one; their tail is the floor under
 * a decision's p99), and the WAL checkpoints the checkpoint thread does (their times, and
 * the WAL's length after each: a WAL that keeps growing means they are falling behind).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SqliteStore } from '../store/sqlite/index.js';

export function installMetrics(app: FastifyInstance, store: Pick<SqliteStore, 'observeSyncs' | 'observeCheckpoints'>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'warden_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'warden_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const syncs = new Histogram({
    name: 'warden_audit_fsync_seconds',
    help: 'Time to fsync the audit log after a group commit; every audited answer waits for one',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const checkpoints = new Histogram({
    name: 'warden_wal_checkpoint_seconds',
    help: 'Time the checkpoint thread took to copy the WAL back into the database file (no commit waits for it)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
    registers: [registry],
  });
  const walFrames = new Gauge({
    name: 'warden_wal_frames',
    help: 'Frames in the WAL at the last checkpoint of the checkpoint thread',
    registers: [registry],
  });
  const unsubscribe = [
    store.observeSyncs((seconds) => syncs.observe(seconds)),
    store.observeCheckpoints((done) => {
      checkpoints.observe(done.seconds);
      walFrames.set(done.frames);
    }),
  ];
  app.addHook('onClose', async () => {
    for (const stop of unsubscribe) stop();
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids must not explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  return registry;
}

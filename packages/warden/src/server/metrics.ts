/**
 * Prometheus metrics, one registry per app: request counts and latency histograms by route,
 * and the audit log's fsync times (each answer waits for one; their tail is the floor under
 * a decision's p99).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/types.js';

export function installMetrics(app: FastifyInstance, store: Pick<Store, 'observeSyncs'>): Registry {
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
  const unsubscribe = store.observeSyncs((seconds) => syncs.observe(seconds));
  app.addHook('onClose', async () => {
    unsubscribe();
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids must not explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  return registry;
}

/** Liveness, readiness (the store answers) and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Warden } from '../../warden.js';
import { sendError } from '../errors.js';

export function healthRoutes(app: FastifyInstance, warden: Warden, metrics: Registry): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await warden.store.ping();
      return { status: 'ready', store: warden.store.kind };
    } catch {
      return sendError(reply, 503, 'NOT_READY', 'the store does not answer');
    }
  });
  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.metrics();
  });
}

/** Server-sent events: decisions, approvals and agent changes as they happen. */
import type { FastifyInstance } from 'fastify';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';

export function eventRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/events', async (request, reply) => {
    await requireHuman(warden.keys, request, 'viewer');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = warden.events.subscribe((e) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify({ time: e.time, ...e.data })}\n\n`);
    });
    // The key is checked again at every ping: a revoked or expired key loses the stream.
    const ping = setInterval(() => {
      requireHuman(warden.keys, request, 'viewer').then(
        () => res.write(': ping\n\n'),
        () => res.end(),
      );
    }, 15_000);
    request.raw.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  });
}

/** Server-sent events: decisions, approvals and agent changes as they happen. */
import type { FastifyInstance } from 'fastify';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';

/**
 * What one stream may have waiting to be sent before its client counts as gone: a viewer
 * that stops reading must not make Warden buffer every event from then on.
 */
export const MAX_BUFFERED_BYTES = 1 << 20;

export function eventRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/events', async (request, reply) => {
    await requireHuman(warden.keys, request, 'viewer');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = warden.events.subscribe((e) => {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        // Closing fires `close` below, which unsubscribes: a client that reconnects reads
        // what it missed from the API, not from an unbounded buffer here.
        res.destroy();
        return;
      }
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

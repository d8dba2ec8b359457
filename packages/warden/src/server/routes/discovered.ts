/** Unmanaged agents: callers seen with credentials Warden did not issue or cannot verify. */
import type { FastifyInstance } from 'fastify';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';

export function discoveredRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/discovered', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    return { discovered: await warden.store.discovered.list() };
  });
}

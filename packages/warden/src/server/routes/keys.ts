/** Human API keys: create (shown once) and revoke. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CreateKeySchema } from '../../identity/api-keys.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

const Params = z.object({ id: z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/, 'must be a key id') }).strict();

export function keyRoutes(app: FastifyInstance, warden: Warden): void {
  app.post('/v1/keys', async (request, reply) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const input = parseWith(CreateKeySchema, request.body);
    const created = await warden.keys.create(input, human.principal);
    reply.code(201);
    return created;
  });

  app.get('/v1/keys', async (request) => {
    await requireHuman(warden.keys, request, 'admin');
    const keys = await warden.keys.list();
    return { keys: keys.map(({ hash: _hash, ...rest }) => rest) };
  });

  app.delete('/v1/keys/:id', async (request, reply) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { id } = parseWith(Params, request.params, 'path');
    await warden.keys.revoke(id, human.principal);
    reply.code(204);
    return null;
  });
}

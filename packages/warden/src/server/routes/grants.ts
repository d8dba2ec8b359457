/** A human grants an agent a task: `POST /v1/grants` (approver or admin). */
import type { FastifyInstance } from 'fastify';
import { IDENTITY_STATUSES } from '../../identity/errors.js';
import { GrantSchema } from '../../identity/grants.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith, registerStatuses } from '../errors.js';

export function grantRoutes(app: FastifyInstance, warden: Warden): void {
  registerStatuses(IDENTITY_STATUSES);
  app.post('/v1/grants', async (request, reply) => {
    const human = await requireHuman(warden.keys, request, 'approver');
    const input = parseWith(GrantSchema, request.body);
    const granted = await warden.identity.grants.grant(input, human.principal);
    reply.code(201).header('cache-control', 'no-store');
    return granted;
  });
}

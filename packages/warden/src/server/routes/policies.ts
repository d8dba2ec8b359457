/** The Cedar policy in force: read it, replace it (validated first), simulate a candidate. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

const PutBody = z.object({ policies: z.string().min(1).max(512 * 1024) }).strict();
const SimulateBody = z
  .object({
    policies: z.string().min(1).max(512 * 1024),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    limit: z.number().int().min(1).max(100_000).optional(),
  })
  .strict()
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: '`from` must be before `to`', path: ['from'] });

export function policyRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/policies', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    return warden.policy.text();
  });

  app.put('/v1/policies', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { policies } = parseWith(PutBody, request.body);
    return warden.policy.put(policies, human.principal);
  });

  app.post('/v1/policies/simulate', async (request) => {
    await requireHuman(warden.keys, request, 'admin');
    const body = parseWith(SimulateBody, request.body);
    return warden.policy.simulate(body.policies, new Date(body.from).toISOString(), new Date(body.to).toISOString(), body.limit);
  });
}

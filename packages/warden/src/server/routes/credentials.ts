/** Live credentials by agent, revocation by jti, and the credential hygiene report. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { IDENTITY_STATUSES } from '../../identity/errors.js';
import { AGENT_ID } from '../../inventory/schemas.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith, registerStatuses } from '../errors.js';

const ListQuery = z
  .object({
    agent: z
      .string()
      .regex(new RegExp(`^(agent:)?${AGENT_ID.source.slice(1)}`), 'must be an agent id')
      .transform((a) => a.replace(/^agent:/, ''))
      .optional(),
  })
  .strict();
const HygieneQuery = z.object({ withinDays: z.coerce.number().int().min(1).max(365).optional() }).strict();
const JtiParams = z.object({ jti: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be a credential id') }).strict();
const RevokeBody = z.object({ reason: z.string().trim().min(1).max(1000).optional() }).strict();

export function credentialRoutes(app: FastifyInstance, warden: Warden): void {
  registerStatuses(IDENTITY_STATUSES);

  app.get('/v1/credentials', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    const { agent } = parseWith(ListQuery, request.query, 'query');
    return { credentials: await warden.identity.credentials.live(agent) };
  });

  app.get('/v1/credentials/hygiene', async (request) => {
    await requireHuman(warden.keys, request, 'auditor');
    const { withinDays } = parseWith(HygieneQuery, request.query, 'query');
    return warden.identity.credentials.hygiene(withinDays);
  });

  app.post('/v1/credentials/:jti/revoke', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { jti } = parseWith(JtiParams, request.params, 'path');
    const { reason } = parseWith(RevokeBody, request.body);
    return warden.identity.revocation.revoke(jti, human.principal, reason);
  });
}

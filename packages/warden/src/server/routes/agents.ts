/** The agent inventory: register, list, read, update, suspend (the kill switch), resume. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AgentIdSchema, CreateAgentSchema, ReasonSchema, UpdateAgentSchema } from '../../inventory/schemas.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

const Params = z.object({ id: AgentIdSchema }).strict();

export function agentRoutes(app: FastifyInstance, warden: Warden): void {
  app.post('/v1/agents', async (request, reply) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const input = parseWith(CreateAgentSchema, request.body);
    const { agent, privateKey } = await warden.agents.register(input, human.principal);
    reply.code(201);
    return privateKey ? { ...agent, privateKey } : agent;
  });

  app.get('/v1/agents', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    return { agents: await warden.agents.list() };
  });

  app.get('/v1/agents/:id', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    const { id } = parseWith(Params, request.params, 'path');
    return warden.agents.get(id);
  });

  app.patch('/v1/agents/:id', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { id } = parseWith(Params, request.params, 'path');
    const patch = parseWith(UpdateAgentSchema, request.body);
    return warden.agents.update(id, patch, human.principal);
  });

  app.post('/v1/agents/:id/suspend', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { id } = parseWith(Params, request.params, 'path');
    const { reason } = parseWith(ReasonSchema, request.body);
    return warden.agents.suspend(id, human.principal, reason);
  });

  app.post('/v1/agents/:id/resume', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { id } = parseWith(Params, request.params, 'path');
    const { reason } = parseWith(ReasonSchema, request.body);
    return warden.agents.resume(id, human.principal, reason);
  });
}

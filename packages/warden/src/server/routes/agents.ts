/** The agent inventory: register, list, read, update, suspend (the kill switch), resume. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AgentIdSchema, CreateAgentSchema, ReasonSchema, UpdateAgentSchema } from '../../inventory/schemas.js';
import type { CredentialView } from '../../identity/credentials.js';
import type { Agent } from '../../store/types.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

const Params = z.object({ id: AgentIdSchema }).strict();

/**
 * The inventory view: the agent plus the credentials it holds right now (what the
 * incident's company could not list), each with its task and how long it has left.
 */
function inventoryView(agent: Agent, live: CredentialView[]) {
  const mine = live.filter((c) => c.agent === agent.id || c.agent === `agent:${agent.id}`);
  return {
    ...agent,
    credentials: {
      active: mine.length,
      longestRemainingSeconds: mine.reduce((m, c) => Math.max(m, c.expiresInSeconds), 0),
      live: mine.map((c) => ({ jti: c.jti, subject: c.subject, scope: c.scope, task: c.task, expiresAt: c.expiresAt })),
    },
  };
}

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
    const [agents, live] = await Promise.all([warden.agents.list(), warden.identity.credentials.live()]);
    return { agents: agents.map((a) => inventoryView(a, live)) };
  });

  app.get('/v1/agents/:id', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    const { id } = parseWith(Params, request.params, 'path');
    const agent = await warden.agents.get(id);
    return inventoryView(agent, await warden.identity.credentials.live(id));
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

/** Behaviour: an agent's learned baseline, seeding baselines from history, scoring a what-if. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { agentNotFound } from '../../inventory/errors.js';
import { AgentIdSchema } from '../../inventory/schemas.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

const ToolName = z.string().min(1).max(200).regex(/^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/, 'must be a tool name');
const Time = z.iso.datetime({ offset: true });

const ImportBody = z
  .object({
    events: z
      .array(
        z
          .object({
            time: Time,
            agent: AgentIdSchema,
            tool: ToolName,
            target: z.string().max(2000).optional(),
            args: z.record(z.string(), z.unknown()).optional(),
            intent: z.string().max(2000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(100_000),
  })
  .strict();

const ScoreBody = z
  .object({
    time: Time.optional(),
    agent: AgentIdSchema,
    tool: ToolName,
    target: z.string().max(2000).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    task: z.object({ intent: z.string().max(2000) }).strict().optional(),
  })
  .strict();

const Params = z.object({ id: AgentIdSchema }).strict();

export function behaviorRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/agents/:id/baseline', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    const { id } = parseWith(Params, request.params, 'path');
    await warden.agents.get(id);
    return warden.behavior.summary(id);
  });

  app.post('/v1/behavior/import', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { events } = parseWith(ImportBody, request.body);
    const known = new Set((await warden.agents.list()).map((a) => a.id));
    const unknown = [...new Set(events.map((e) => e.agent))].filter((a) => !known.has(a));
    // Nothing is learned unless every agent named is registered.
    if (unknown[0] !== undefined) throw agentNotFound(unknown[0]);
    const categories = await warden.tools.categoriesOf([...new Set(events.map((e) => e.tool))]);
    const counts = await warden.behavior.import(
      events.map((e) => ({ time: e.time, agent: e.agent, tool: e.tool, categories: categories.get(e.tool) ?? ['unknown'], ...(e.target === undefined ? {} : { target: e.target }), ...(e.intent === undefined ? {} : { intent: e.intent }) })),
    );
    await warden.store.log.append({ type: 'behavior.imported', actor: human.principal, subject: 'behavior', data: { events: events.length, agents: counts } });
    return { imported: events.length, agents: counts };
  });

  app.post('/v1/behavior/score', async (request) => {
    await requireHuman(warden.keys, request, 'auditor');
    const body = parseWith(ScoreBody, request.body);
    await warden.agents.get(body.agent);
    const categories = await warden.tools.categoriesOf([body.tool]);
    const result = await warden.behavior.score({
      time: body.time === undefined ? warden.now() : new Date(body.time),
      agent: body.agent,
      tool: body.tool,
      categories: categories.get(body.tool) ?? ['unknown'],
      ...(body.target === undefined ? {} : { target: body.target }),
      ...(body.args === undefined ? {} : { args: body.args }),
      ...(body.task === undefined ? {} : { intent: body.task.intent }),
      depth: 0,
    });
    return { score: result.score, factors: result.factors };
  });
}

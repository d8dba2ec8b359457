/** The tool catalog: what each tool is (its categories drive the policy). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PutToolSchema, TOOL_NAME } from '../../inventory/schemas.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

const Params = z.object({ name: z.string().regex(TOOL_NAME, 'must be a tool name') }).strict();

export function toolRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/tools', async (request) => {
    await requireHuman(warden.keys, request, 'viewer');
    return { tools: await warden.tools.list() };
  });

  app.put('/v1/tools/:name', async (request) => {
    const human = await requireHuman(warden.keys, request, 'admin');
    const { name } = parseWith(Params, request.params, 'path');
    const input = parseWith(PutToolSchema, request.body);
    return warden.tools.put(name, input, human.principal);
  });
}

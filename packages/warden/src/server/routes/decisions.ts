/** The decision API agents call before they act, and the auditors' search over it. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { WardenError } from '../../errors.js';
import { DecisionCodes } from '../../decisions/errors.js';
import type { Warden } from '../../warden.js';
import { bearer, requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';

export const DecisionBodySchema = z
  .object({
    tool: z.string().min(1).max(200).regex(/^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/, 'must be a tool name'),
    target: z.string().min(1).max(2000).optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    intent: z.string().max(2000).optional(),
  })
  .strict();

const WaitQuery = z.object({ wait: z.coerce.number().int().min(0).max(60).optional() }).strict();
const IdParams = z.object({ id: z.string().regex(/^dec_[A-Za-z0-9_-]{1,64}$/, 'must be a decision id') }).strict();
const OutcomeBody = z.object({ status: z.enum(['succeeded', 'failed']), summary: z.string().max(2000).optional() }).strict();
const SearchQuery = z
  .object({
    agent: z.string().max(63).optional(),
    tool: z.string().max(200).optional(),
    decision: z.enum(['allow', 'deny', 'pending']).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/**
 * Aborts when the client goes away before the answer is sent, so a long poll stops
 * waiting for nobody. (The request stream's own `close` fires as soon as the body has
 * been read, so it is the response's that tells.)
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  return abort.signal;
}

function agentToken(request: { headers: Record<string, unknown> } & Parameters<typeof bearer>[0]): string {
  const token = bearer(request);
  if (token === undefined) throw new WardenError('UNAUTHENTICATED', 'missing bearer agent token');
  if (token.startsWith('wk_')) throw new WardenError('FORBIDDEN', 'decisions are asked for by agents, with their warden token');
  return token;
}

/**
 * The agent a token acts as (`agent:…`), which holds the wait slot; undefined if the token
 * is refused, and then the pipeline denies the call, on the record, without waiting. Any
 * other failure (the store) fails the request, rather than letting it wait uncounted.
 */
async function actingAgent(warden: Warden, token: string): Promise<string | undefined> {
  try {
    return (await warden.identity.verify(token)).actors[0];
  } catch (err) {
    if (err instanceof WardenError && err.code !== 'AUDIT_UNAVAILABLE') return undefined;
    throw err;
  }
}

export function decisionRoutes(app: FastifyInstance, warden: Warden): void {
  app.post('/v1/decisions', async (request, reply) => {
    const token = agentToken(request);
    const { wait } = parseWith(WaitQuery, request.query, 'query');
    const body = parseWith(DecisionBodySchema, request.body);
    // Property by property, not spread: this object is read all along the pipeline.
    const call = { token, tool: body.tool, target: body.target, args: body.args, intent: body.intent };
    if (!wait) return warden.decisions.decide(call);
    // The slot is taken before anything is decided: refused, the call changes nothing.
    const answer = await warden.approvals.holdingWaitSlot(await actingAgent(warden, token), () => warden.decisions.decideAndWait(call, wait, clientGone(reply)));
    reply.code(200);
    return answer;
  });

  app.post('/v1/decisions/:id/outcome', async (request) => {
    const token = agentToken(request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const body = parseWith(OutcomeBody, request.body);
    return warden.decisions.recordOutcome(token, id, body);
  });

  app.get('/v1/decisions', async (request) => {
    await requireHuman(warden.keys, request, 'auditor');
    const q = parseWith(SearchQuery, request.query, 'query');
    return { decisions: await warden.store.decisions.search(q) };
  });

  app.get('/v1/decisions/:id', async (request) => {
    await requireHuman(warden.keys, request, 'auditor');
    const { id } = parseWith(IdParams, request.params, 'path');
    const rec = await warden.store.decisions.get(id);
    if (!rec) throw new WardenError(DecisionCodes.DECISION_NOT_FOUND, `no decision \`${id}\``);
    return rec;
  });
}

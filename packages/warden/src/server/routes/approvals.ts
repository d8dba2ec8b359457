/** The approval queue: approvers list and resolve; an agent may read (and wait on) its own. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { WardenError } from '../../errors.js';
import type { ApprovalRecord } from '../../store/decision-types.js';
import type { Warden } from '../../warden.js';
import { bearer, requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';
import { clientGone } from './decisions.js';

const IdParams = z.object({ id: z.string().regex(/^apr_[A-Za-z0-9_-]{1,64}$/, 'must be an approval id') }).strict();
const ListQuery = z
  .object({
    status: z.enum(['pending', 'approved', 'denied', 'expired']).optional(),
    agent: z.string().max(63).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const WaitQuery = z.object({ wait: z.coerce.number().int().min(0).max(60).optional() }).strict();
const ResolveBody = z.object({ comment: z.string().max(2000).optional() }).strict();

/** The wire view: the DESIGN's `{id, status, expiresAt}` plus the call, the chain and the reasons. */
export function approvalView(a: ApprovalRecord): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    expiresAt: a.expiresAt,
    createdAt: a.createdAt,
    decisionId: a.decisionId,
    call: { agent: a.agent, tool: a.tool, categories: a.categories, target: a.target, argsDigest: a.argsDigest, argsPreview: a.argsPreview },
    chain: { origin: a.origin, actors: a.chain },
    reasons: a.reasons,
    risk: a.risk,
    policyVersion: a.policyVersion,
    resolvedBy: a.resolvedBy,
    resolvedAt: a.resolvedAt,
    comment: a.comment,
    usedAt: a.usedAt,
  };
}

/** A human approver, or the agent the approval belongs to (read-only); `caller` holds its wait slots. */
async function reader(warden: Warden, request: FastifyRequest): Promise<{ human: boolean; agent?: string; caller: string }> {
  const token = bearer(request);
  if (token !== undefined && !token.startsWith('wk_')) {
    const cred = await warden.identity.verify(token);
    const caller = cred.actors[0] ?? '';
    return { human: false, agent: caller.replace(/^agent:/, ''), caller };
  }
  const human = await requireHuman(warden.keys, request, 'approver');
  return { human: true, caller: human.principal };
}

export function approvalRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/v1/approvals', async (request) => {
    await requireHuman(warden.keys, request, 'approver');
    const q = parseWith(ListQuery, request.query, 'query');
    return { approvals: (await warden.approvals.list(q)).map(approvalView) };
  });

  app.get('/v1/approvals/:id', async (request, reply) => {
    const who = await reader(warden, request);
    const { id } = parseWith(IdParams, request.params, 'path');
    const { wait } = parseWith(WaitQuery, request.query, 'query');
    const rec = await warden.approvals.get(id);
    if (!who.human && rec.agent !== who.agent) throw new WardenError('APPROVAL_NOT_FOUND', `no approval \`${id}\``);
    if (!wait) return approvalView(rec);
    return approvalView(await warden.approvals.holdingWaitSlot(who.caller, () => warden.approvals.waitFor(id, wait, clientGone(reply))));
  });

  for (const verb of ['approve', 'deny'] as const) {
    app.post(`/v1/approvals/:id/${verb}`, async (request) => {
      // Agents never approve: only a human approver key gets past this line.
      const human = await requireHuman(warden.keys, request, 'approver');
      const { id } = parseWith(IdParams, request.params, 'path');
      const { comment } = parseWith(ResolveBody, request.body);
      const rec = verb === 'approve' ? await warden.approvals.approve(id, human.principal, comment) : await warden.approvals.deny(id, human.principal, comment);
      return approvalView(rec);
    });
  }
}

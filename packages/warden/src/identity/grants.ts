/**
 * A human grants an agent a task: the start of every delegation chain that a person is
 * accountable for. The token says who granted (`sub=human:…`), who acts
 * (`act={sub:"agent:…"}`), what for (`task.intent`), and what it may touch, which can
 * never exceed what the agent is registered for.
 */
import { z } from 'zod';
import { agentNotFound } from '../inventory/errors.js';
import { AGENT_ID, TOOL_PATTERN } from '../inventory/schemas.js';
import type { Store } from '../store/types.js';
import { identityError, IdentityCodes as C } from './errors.js';
import { scopeExcess, validateScope } from './scope.js';
import { DEFAULT_MAX_DEPTH, MAX_DELEGATION_DEPTH, newTaskId, resolveTtl, type TokenIssuer } from './tokens.js';

/** `agent` is the agent's id; `agent:<id>` is accepted too. */
export const GrantSchema = z
  .object({
    agent: z
      .string()
      .regex(new RegExp(`^(agent:)?${AGENT_ID.source.slice(1)}`), 'must be an agent id')
      .transform((a) => a.replace(/^agent:/, '')),
    intent: z.string().trim().min(1).max(2000),
    scope: z.array(z.string().regex(TOOL_PATTERN, 'must be a tool name or glob pattern')).min(1).max(200),
    ttlSeconds: z.number().int().positive().optional(),
    maxDepth: z.number().int().min(0).max(MAX_DELEGATION_DEPTH).optional(),
  })
  .strict();
export type GrantInput = z.infer<typeof GrantSchema>;

/** The wire shape of a grant's answer. */
export interface GrantResult {
  token: string;
  jti: string;
  expiresAt: string;
}

export interface GrantOptions {
  tokenDefaultTtl: number;
  tokenMaxTtl: number;
  now: () => Date;
}

export class Grants {
  constructor(
    private readonly store: Store,
    private readonly issuer: TokenIssuer,
    private readonly options: GrantOptions,
  ) {}

  /**
   * Issues a task token to an agent on a human's authority.
   *
   * @example
   * const { token } = await warden.identity.grants.grant(
   *   { agent: 'forum-helper', intent: 'answer forum questions', scope: ['forum.read', 'forum.post'] },
   *   'human:alice',
   * );
   */
  async grant(input: GrantInput, grantor: string, auditActor: string = grantor): Promise<GrantResult> {
    if (!grantor.startsWith('human:')) throw new TypeError('only a human can grant a task');
    const agent = await this.store.agents.get(input.agent);
    if (!agent) throw agentNotFound(input.agent);
    if (agent.status !== 'active') throw identityError(C.AGENT_SUSPENDED, `agent \`${agent.id}\` is suspended`);
    const scope = validateScope(input.scope);
    const excess = scopeExcess(scope, agent.scope);
    if (excess.length > 0) {
      throw identityError(C.SCOPE_NOT_ALLOWED, `agent \`${agent.id}\` is not registered for \`${excess.join(' ')}\``, { excess });
    }
    const ttl = resolveTtl(input.ttlSeconds, this.options);
    const iat = Math.floor(this.options.now().getTime() / 1000);
    const principal = `agent:${agent.id}`;
    const issued = await this.issuer.issue({
      kind: 'grant',
      sub: grantor,
      act: { sub: principal },
      actors: [principal],
      scope,
      task: { id: newTaskId(), intent: input.intent },
      depth: 0,
      maxDepth: input.maxDepth ?? DEFAULT_MAX_DEPTH,
      iat,
      exp: iat + ttl,
      issuedBy: auditActor,
    });
    return { token: issued.token, jti: issued.jti, expiresAt: issued.expiresAt };
  }
}

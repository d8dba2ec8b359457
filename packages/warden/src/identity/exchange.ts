/**
 * Delegation to a sub-agent: RFC 8693 token exchange. The delegating agent's token is the
 * `subject_token`; the sub-agent proves itself with its own signed assertion as the
 * `actor_token`. The new token keeps the parent's `sub` and task, and its `act` gains the
 * sub-agent as the current actor with the prior actors nested inside (RFC 8693 §4.1).
 *
 * Each hop may only narrow: the scope is a subset of the parent's (and within what the
 * sub-agent is registered for), `exp` is never later than the parent's, the depth stays
 * within the grant's `maxDepth`, and no agent appears twice in a chain.
 */
import { identityError, IdentityCodes as C } from './errors.js';
import { replayGuard, type AssertionVerifier } from './assertion.js';
import { scopeExcess } from './scope.js';
import { resolveTtl, type IssuedToken, type TokenIssuer } from './tokens.js';
import type { TokenVerifier } from './verify.js';

export interface ExchangeInput {
  subjectToken: string;
  actorAssertion: string;
  /** Default: the parent's scope. */
  scope?: string[];
  /** Default: the default lifetime, cut to the parent's expiry. */
  ttlSeconds?: number;
}

/** What the delegation policy sees: who hands work to whom, for which task and scope. */
export interface DelegationRequest {
  /** The agent delegating (the parent token's current actor), without prefix. */
  delegator: string;
  /** The sub-agent receiving the work, without prefix. */
  delegate: string;
  scope: string[];
  task: { id: string; intent: string };
  chain: { origin: string; depth: number; actors: string[] };
}

/** Asks the policy (Cedar's `delegate` action) whether a hop may happen; a refusal throws. */
export type DelegationCheck = (req: DelegationRequest) => Promise<{ allowed: boolean; determining: string[]; message?: string }>;

export interface ExchangeOptions {
  tokenDefaultTtl: number;
  tokenMaxTtl: number;
  now: () => Date;
  delegationCheck?: DelegationCheck;
}

export class TokenExchange {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly assertions: AssertionVerifier,
    private readonly issuer: TokenIssuer,
    private readonly options: ExchangeOptions,
  ) {}

  /**
   * @example
   * const child = await warden.identity.tokenExchange.exchange({ subjectToken: parentToken, actorAssertion, scope: ['forum.read'] });
   */
  async exchange(input: ExchangeInput): Promise<IssuedToken> {
    // The parent must be good right now: signature, time, revocation, every actor active.
    const parent = await this.verifier.verify(input.subjectToken);
    const sub = await this.assertions.verify(input.actorAssertion);
    const actor = sub.principal;

    if (parent.actors.includes(actor)) {
      throw identityError(C.DELEGATION_CYCLE, `agent \`${sub.agent.id}\` is already in this chain`, { agent: actor });
    }
    const depth = parent.depth + 1;
    if (depth > parent.maxDepth) {
      throw identityError(C.DELEGATION_TOO_DEEP, `delegation depth \`${depth}\` would exceed the grant's limit of \`${parent.maxDepth}\``);
    }
    const scope = input.scope ?? [...parent.scope];
    const escalation = scopeExcess(scope, parent.scope);
    if (escalation.length > 0) {
      throw identityError(C.SCOPE_ESCALATION, `\`${escalation.join(' ')}\` is not within the delegating token's scope`, { excess: escalation });
    }
    const unregistered = scopeExcess(scope, sub.agent.scope);
    if (unregistered.length > 0) {
      throw identityError(C.SCOPE_NOT_ALLOWED, `agent \`${sub.agent.id}\` is not registered for \`${unregistered.join(' ')}\``, { excess: unregistered });
    }

    if (this.options.delegationCheck) {
      const verdict = await this.options.delegationCheck({
        delegator: (parent.actors[0] ?? '').replace(/^agent:/, ''),
        delegate: sub.agent.id,
        scope,
        task: parent.task,
        chain: { origin: parent.sub, depth: parent.depth, actors: parent.actors },
      });
      if (!verdict.allowed && verdict.message !== undefined) {
        throw identityError(C.DELEGATION_DENIED, verdict.message, { determining: verdict.determining });
      }
      if (!verdict.allowed) {
        throw identityError(C.DELEGATION_DENIED, `the policy does not let \`${parent.actors[0]}\` delegate to \`${actor}\`${verdict.determining.length ? ` (${verdict.determining.join(', ')})` : ''}`, {
          determining: verdict.determining,
        });
      }
    }

    const iat = Math.floor(this.options.now().getTime() / 1000);
    let exp: number;
    if (input.ttlSeconds === undefined) {
      exp = Math.min(iat + resolveTtl(undefined, this.options), parent.exp);
    } else {
      exp = iat + resolveTtl(input.ttlSeconds, this.options);
      if (exp > parent.exp) {
        throw identityError(C.EXPIRY_BEYOND_PARENT, `the token would expire \`${exp - parent.exp}\` seconds after the one it is exchanged from`);
      }
    }
    if (exp <= iat) throw identityError(C.TOKEN_EXPIRED, 'the delegating token expires now');

    const actors = [actor, ...parent.actors];
    return replayGuard(sub.consume, () =>
      this.issuer.issue({
        kind: 'exchange',
        sub: parent.sub,
        act: parent.act === undefined ? { sub: actor } : { sub: actor, act: parent.act },
        actors,
        scope,
        task: parent.task,
        parent: { jti: parent.jti, ancestors: parent.ancestors },
        depth,
        maxDepth: parent.maxDepth,
        iat,
        exp,
        issuedBy: actor,
        consume: sub.consume,
      }),
    );
  }
}

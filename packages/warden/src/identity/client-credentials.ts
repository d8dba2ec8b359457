/**
 * An agent acting on its own behalf: the OAuth `client_credentials` grant, authenticated
 * by an RFC 7523 assertion signed with the agent's own key. The token's `sub` is the agent
 * itself and its scope stays within what the agent is registered for.
 */
import { identityError, IdentityCodes as C } from './errors.js';
import { replayGuard, type AssertionVerifier } from './assertion.js';
import { scopeExcess } from './scope.js';
import { DEFAULT_MAX_DEPTH, newTaskId, resolveTtl, type IssuedToken, type TokenIssuer } from './tokens.js';

export interface ClientCredentialsInput {
  assertion: string;
  /** When sent, must name the same agent as the assertion. */
  clientId?: string;
  /** Default: everything the agent is registered for. */
  scope?: string[];
  intent?: string;
  ttlSeconds?: number;
}

export interface ClientCredentialsOptions {
  tokenDefaultTtl: number;
  tokenMaxTtl: number;
  now: () => Date;
}

export class ClientCredentials {
  constructor(
    private readonly assertions: AssertionVerifier,
    private readonly issuer: TokenIssuer,
    private readonly options: ClientCredentialsOptions,
  ) {}

  /**
   * @example
   * const { token } = await warden.identity.clientCredentials.issue({ assertion, scope: ['forum.read'] });
   */
  async issue(input: ClientCredentialsInput): Promise<IssuedToken> {
    const proven = await this.assertions.verify(input.assertion);
    if (input.clientId !== undefined && input.clientId !== proven.principal && input.clientId !== proven.agent.id) {
      throw identityError(C.ASSERTION_INVALID, '`client_id` does not name the agent that signed the assertion');
    }
    const registered = proven.agent.scope;
    const scope = input.scope ?? registered;
    if (scope.length === 0) throw identityError(C.SCOPE_NOT_ALLOWED, `agent \`${proven.agent.id}\` is registered for no tools`);
    const excess = scopeExcess(scope, registered);
    if (excess.length > 0) {
      throw identityError(C.SCOPE_NOT_ALLOWED, `agent \`${proven.agent.id}\` is not registered for \`${excess.join(' ')}\``, { excess });
    }
    const ttl = resolveTtl(input.ttlSeconds, this.options);
    const iat = Math.floor(this.options.now().getTime() / 1000);
    return replayGuard(proven.consume, () =>
      this.issuer.issue({
        kind: 'client_credentials',
        sub: proven.principal,
        actors: [proven.principal],
        scope,
        task: { id: newTaskId(), intent: input.intent ?? '' },
        depth: 0,
        maxDepth: DEFAULT_MAX_DEPTH,
        iat,
        exp: iat + ttl,
        issuedBy: proven.principal,
        consume: proven.consume,
      }),
    );
  }
}

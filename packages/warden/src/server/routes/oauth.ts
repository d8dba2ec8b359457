/**
 * The OAuth endpoints agents use: the token endpoint (client credentials with an RFC 7523
 * assertion; RFC 8693 token exchange), RFC 7009 revocation and RFC 7662 introspection.
 * Form-encoded and JSON bodies both work; errors take the RFC 6749 shape (oauth-errors.ts).
 *
 * The schemas here are not `.strict()`: RFC 6749 §3.2 says a server MUST ignore request
 * parameters it does not recognise.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CommonCodes, WardenError } from '../../errors.js';
import { CLIENT_ASSERTION_TYPE } from '../../identity/assertion.js';
import { parseScope } from '../../identity/scope.js';
import type { TokenCaller } from '../../identity/service.js';
import { AUDIENCE, type IssuedToken } from '../../identity/tokens.js';
import type { Warden } from '../../warden.js';
import { bearer, requireHuman } from '../auth.js';
import { parseWith } from '../errors.js';
import { oauthErrorHandler, OAuthCodes, type OAuthEndpoint } from '../oauth-errors.js';

export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const TOKEN_TYPE_ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';

const Token = z.string().min(1).max(16 * 1024);
/** A lifetime in seconds; form bodies carry it as text. */
const Seconds = z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d{0,8}$/, 'must be a whole number of seconds').transform(Number)]);

const GrantTypeBody = z.object({ grant_type: z.string().min(1).max(200) });
const ClientCredentialsBody = z.object({
  grant_type: z.literal(GRANT_CLIENT_CREDENTIALS),
  client_assertion_type: z.literal(CLIENT_ASSERTION_TYPE),
  client_assertion: Token,
  client_id: z.string().min(1).max(200).optional(),
  scope: z.string().max(20_000).optional(),
  /** Warden's extension: the task the agent is about to do, carried in the token's `task`. */
  intent: z.string().max(2000).optional(),
  /** Warden's extension: the lifetime asked for (never beyond the maximum). */
  expires_in: Seconds.optional(),
});
const ExchangeBody = z.object({
  grant_type: z.literal(GRANT_TOKEN_EXCHANGE),
  subject_token: Token,
  subject_token_type: z.enum([TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT]),
  actor_token: Token,
  actor_token_type: z.literal(TOKEN_TYPE_JWT),
  requested_token_type: z.enum([TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT]).optional(),
  scope: z.string().max(20_000).optional(),
  audience: z.string().max(2000).optional(),
  resource: z.string().max(2000).optional(),
  expires_in: Seconds.optional(),
});
const TokenBody = z.object({ token: Token, token_type_hint: z.string().max(100).optional() });

const ENDPOINTS: Record<string, OAuthEndpoint> = {
  '/oauth/revoke': 'revoke',
  '/oauth/introspect': 'introspect',
};

function endpointOf(request: FastifyRequest): OAuthEndpoint {
  const path = request.url.split('?')[0] ?? '';
  const known = ENDPOINTS[path];
  if (known) return known;
  const grant = (request.body as { grant_type?: unknown } | undefined)?.grant_type;
  if (grant === GRANT_CLIENT_CREDENTIALS) return 'client_credentials';
  if (grant === GRANT_TOKEN_EXCHANGE) return 'token_exchange';
  return 'token';
}

function tokenResponse(reply: FastifyReply, issued: IssuedToken, nowMs: number, exchanged: boolean) {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  return {
    access_token: issued.token,
    ...(exchanged ? { issued_token_type: TOKEN_TYPE_ACCESS } : {}),
    token_type: 'Bearer',
    expires_in: Math.max(0, issued.exp - Math.floor(nowMs / 1000)),
    scope: issued.record.scope.join(' '),
  };
}

/** An admin key, or an agent's own Warden token, in `Authorization`. */
async function caller(warden: Warden, request: FastifyRequest): Promise<TokenCaller> {
  const presented = bearer(request);
  if (presented === undefined) throw new WardenError(CommonCodes.UNAUTHENTICATED, 'send an admin api key or your own token as a bearer credential');
  if (presented.startsWith('wk_')) {
    const human = await requireHuman(warden.keys, request, 'admin');
    return { kind: 'admin', principal: human.principal };
  }
  return { kind: 'bearer', token: presented };
}

export function oauthRoutes(app: FastifyInstance, warden: Warden): void {
  const { identity } = warden;
  void app.register(async (scope) => {
    scope.setErrorHandler(oauthErrorHandler(endpointOf));

    scope.post('/oauth/token', async (request, reply) => {
      const { grant_type } = parseWith(GrantTypeBody, request.body);
      if (grant_type === GRANT_CLIENT_CREDENTIALS) {
        const body = parseWith(ClientCredentialsBody, request.body);
        const issued = await identity.clientCredentials.issue({
          assertion: body.client_assertion,
          ...(body.client_id === undefined ? {} : { clientId: body.client_id }),
          ...(body.scope === undefined ? {} : { scope: parseScope(body.scope) }),
          ...(body.intent === undefined ? {} : { intent: body.intent }),
          ...(body.expires_in === undefined ? {} : { ttlSeconds: body.expires_in }),
        });
        return tokenResponse(reply, issued, warden.now().getTime(), false);
      }
      if (grant_type === GRANT_TOKEN_EXCHANGE) {
        const body = parseWith(ExchangeBody, request.body);
        for (const target of [body.audience, body.resource]) {
          if (target !== undefined && target !== AUDIENCE && target !== identity.issuer) {
            throw new WardenError(OAuthCodes.INVALID_TARGET, `this warden issues tokens only for \`${AUDIENCE}\``);
          }
        }
        const issued = await identity.tokenExchange.exchange({
          subjectToken: body.subject_token,
          actorAssertion: body.actor_token,
          ...(body.scope === undefined ? {} : { scope: parseScope(body.scope) }),
          ...(body.expires_in === undefined ? {} : { ttlSeconds: body.expires_in }),
        });
        return tokenResponse(reply, issued, warden.now().getTime(), true);
      }
      throw new WardenError(OAuthCodes.UNSUPPORTED_GRANT_TYPE, `grant type \`${grant_type.slice(0, 100)}\` is not supported`);
    });

    // RFC 7009 §2.2: 200 whether or not there was anything to revoke.
    scope.post('/oauth/revoke', async (request, reply) => {
      const who = await caller(warden, request);
      const { token } = parseWith(TokenBody, request.body);
      await identity.revokePresented(token, who);
      reply.header('cache-control', 'no-store');
      return reply.code(200).send();
    });

    scope.post('/oauth/introspect', async (request, reply) => {
      const who = await caller(warden, request);
      const { token } = parseWith(TokenBody, request.body);
      reply.header('cache-control', 'no-store');
      return identity.introspect(token, who);
    });
  });
}

/**
 * Discovery documents: the token verification keys (RFC 7517 JWK Set: the active key and
 * recently retired ones) and the authorization server metadata (RFC 8414) that MCP clients
 * and OAuth libraries look for before they ask for a token.
 */
import type { FastifyInstance } from 'fastify';
import { CLIENT_ASSERTION_TYPE } from '../../identity/assertion.js';
import type { Warden } from '../../warden.js';
import { GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE } from './oauth.js';

export function jwksRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short: a verifier that meets an unknown `kid` after a rotation refetches anyway.
    reply.header('cache-control', 'public, max-age=60');
    return warden.identity.signingKeys.jwks();
  });

  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    const issuer = warden.identity.issuer;
    reply.header('cache-control', 'public, max-age=300');
    return {
      issuer,
      token_endpoint: warden.identity.tokenEndpoint,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      grant_types_supported: [GRANT_CLIENT_CREDENTIALS, GRANT_TOKEN_EXCHANGE],
      // Agents authenticate with an assertion signed by their own key (RFC 7523), never a secret.
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['EdDSA'],
      client_assertion_types_supported: [CLIENT_ASSERTION_TYPE],
      response_types_supported: [],
    };
  });
}

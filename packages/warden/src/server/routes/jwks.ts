/** The token verification keys (RFC 7517 JWK Set): the active key and recently retired ones. */
import type { FastifyInstance } from 'fastify';
import type { Warden } from '../../warden.js';

export function jwksRoutes(app: FastifyInstance, warden: Warden): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    // Short: a verifier that meets an unknown `kid` after a rotation refetches anyway.
    reply.header('cache-control', 'public, max-age=60');
    return warden.identity.signingKeys.jwks();
  });
}

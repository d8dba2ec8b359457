/**
 * How the OAuth endpoints answer errors: the RFC 6749 §5.2 shape
 * `{"error": "invalid_grant", "error_description": "…"}` with the status the RFCs give
 * (400, or 401 for a client that failed to authenticate), plus `warden_code`, Warden's own
 * code for the same failure, so a client can tell a replayed assertion from an expired one.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { WardenError } from '../errors.js';

/** Request-level failures that only the OAuth endpoints have. */
export const OAuthCodes = {
  UNSUPPORTED_GRANT_TYPE: 'UNSUPPORTED_GRANT_TYPE',
  INVALID_TARGET: 'INVALID_TARGET',
} as const;

export type OAuthEndpoint = 'client_credentials' | 'token_exchange' | 'token' | 'revoke' | 'introspect';

interface OAuthAnswer {
  status: number;
  error: string;
}

const SCOPE = new Set(['SCOPE_INVALID', 'SCOPE_ESCALATION', 'SCOPE_NOT_ALLOWED']);
const CLIENT_AUTH = new Set([
  'ASSERTION_INVALID',
  'ASSERTION_SIGNATURE_INVALID',
  'ASSERTION_EXPIRED',
  'ASSERTION_LIFETIME_TOO_LONG',
  'ASSERTION_REPLAYED',
  'ACTOR_UNKNOWN',
  'ACTOR_SUSPENDED',
]);
const UNAVAILABLE = new Set(['AUDIT_UNAVAILABLE', 'SIGNING_KEY_UNAVAILABLE']);

function answerFor(code: string, endpoint: OAuthEndpoint): OAuthAnswer {
  if (code === OAuthCodes.UNSUPPORTED_GRANT_TYPE) return { status: 400, error: 'unsupported_grant_type' };
  if (code === OAuthCodes.INVALID_TARGET) return { status: 400, error: 'invalid_target' };
  if (SCOPE.has(code)) return { status: 400, error: 'invalid_scope' };
  if (UNAVAILABLE.has(code)) return { status: 503, error: 'temporarily_unavailable' };
  if (code === 'UNAUTHENTICATED' || code === 'KEY_EXPIRED' || code === 'KEY_REVOKED') return { status: 401, error: 'invalid_client' };
  if (code === 'FORBIDDEN') return { status: 400, error: 'unauthorized_client' };
  // RFC 7523 §3: a bad client assertion is a failed client authentication.
  if (endpoint === 'client_credentials' && CLIENT_AUTH.has(code)) return { status: 401, error: 'invalid_client' };
  // RFC 8693 §2.2.2: a subject or actor token that is invalid or unacceptable by policy
  // is `invalid_request`; so is everything else a client sent wrong.
  return { status: 400, error: 'invalid_request' };
}

export function sendOAuthError(reply: FastifyReply, endpoint: OAuthEndpoint, code: string, description: string) {
  const { status, error } = answerFor(code, endpoint);
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('application/json')
    .send({ error, error_description: description, warden_code: code });
}

/** The error handler of the OAuth routes' scope. */
export function oauthErrorHandler(endpointOf: (request: FastifyRequest) => OAuthEndpoint) {
  return (err: FastifyError | WardenError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const endpoint = endpointOf(request);
    if (err instanceof WardenError) return sendOAuthError(reply, endpoint, err.code, err.message);
    const fe = err as FastifyError;
    switch (fe.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendOAuthError(reply, endpoint, 'INVALID_JSON', 'request body is not valid json');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendOAuthError(reply, endpoint, 'PAYLOAD_TOO_LARGE', 'request body is too large');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendOAuthError(reply, endpoint, 'UNSUPPORTED_MEDIA_TYPE', 'send `application/x-www-form-urlencoded` or `application/json`');
    }
    if (err instanceof SyntaxError) return sendOAuthError(reply, endpoint, 'INVALID_JSON', 'request body is not valid json');
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendOAuthError(reply, endpoint, 'INVALID_REQUEST', 'invalid request');
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).type('application/json').send({ error: 'server_error', error_description: 'internal error', warden_code: 'INTERNAL' });
  };
}

/**
 * Error codes of the identity domain: tokens, delegation, client assertions, signing keys.
 *
 * Each attack on a credential gets its own code so that a caller (the decision pipeline,
 * a test, an operator reading a deny) can tell a forged token from an expired one. The
 * HTTP statuses live in `IDENTITY_STATUSES`, registered with the server's one mapping:
 * 401 when the credential does not authenticate, 403 when an authenticated request asks
 * for more than it may (scope, delegation), 400 for bad input.
 */
import { WardenError } from '../errors.js';

export const IdentityCodes = {
  // The token itself.
  TOKEN_MALFORMED: 'TOKEN_MALFORMED',
  TOKEN_ALG_NOT_ALLOWED: 'TOKEN_ALG_NOT_ALLOWED',
  TOKEN_TYP_INVALID: 'TOKEN_TYP_INVALID',
  TOKEN_KEY_UNKNOWN: 'TOKEN_KEY_UNKNOWN',
  TOKEN_SIGNATURE_INVALID: 'TOKEN_SIGNATURE_INVALID',
  TOKEN_ISSUER_INVALID: 'TOKEN_ISSUER_INVALID',
  TOKEN_AUDIENCE_INVALID: 'TOKEN_AUDIENCE_INVALID',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  TOKEN_NOT_YET_VALID: 'TOKEN_NOT_YET_VALID',
  /** Signed by this Warden's key, but this Warden has no record of issuing it. */
  TOKEN_UNKNOWN: 'TOKEN_UNKNOWN',
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  ANCESTOR_REVOKED: 'ANCESTOR_REVOKED',
  // The chain.
  ACTOR_SUSPENDED: 'ACTOR_SUSPENDED',
  ACTOR_UNKNOWN: 'ACTOR_UNKNOWN',
  DELEGATION_TOO_DEEP: 'DELEGATION_TOO_DEEP',
  DELEGATION_DENIED: 'DELEGATION_DENIED',
  DELEGATION_CYCLE: 'DELEGATION_CYCLE',
  EXPIRY_BEYOND_PARENT: 'EXPIRY_BEYOND_PARENT',
  // What is asked for.
  SCOPE_INVALID: 'SCOPE_INVALID',
  SCOPE_ESCALATION: 'SCOPE_ESCALATION',
  SCOPE_NOT_ALLOWED: 'SCOPE_NOT_ALLOWED',
  TTL_TOO_LONG: 'TTL_TOO_LONG',
  /** A human tried to grant a task to an agent that is suspended. */
  AGENT_SUSPENDED: 'AGENT_SUSPENDED',
  // Client assertions (RFC 7523).
  ASSERTION_INVALID: 'ASSERTION_INVALID',
  ASSERTION_SIGNATURE_INVALID: 'ASSERTION_SIGNATURE_INVALID',
  ASSERTION_EXPIRED: 'ASSERTION_EXPIRED',
  ASSERTION_LIFETIME_TOO_LONG: 'ASSERTION_LIFETIME_TOO_LONG',
  ASSERTION_REPLAYED: 'ASSERTION_REPLAYED',
  // Records and keys.
  CREDENTIAL_NOT_FOUND: 'CREDENTIAL_NOT_FOUND',
  SIGNING_KEY_UNAVAILABLE: 'SIGNING_KEY_UNAVAILABLE',
  SIGNING_KEY_CONFLICT: 'SIGNING_KEY_CONFLICT',
} as const;

export type IdentityCode = (typeof IdentityCodes)[keyof typeof IdentityCodes];

const C = IdentityCodes;

/** HTTP statuses of the codes above, for `registerStatuses`. */
export const IDENTITY_STATUSES: Readonly<Record<IdentityCode, number>> = {
  [C.TOKEN_MALFORMED]: 401,
  [C.TOKEN_ALG_NOT_ALLOWED]: 401,
  [C.TOKEN_TYP_INVALID]: 401,
  [C.TOKEN_KEY_UNKNOWN]: 401,
  [C.TOKEN_SIGNATURE_INVALID]: 401,
  [C.TOKEN_ISSUER_INVALID]: 401,
  [C.TOKEN_AUDIENCE_INVALID]: 401,
  [C.TOKEN_EXPIRED]: 401,
  [C.TOKEN_NOT_YET_VALID]: 401,
  [C.TOKEN_UNKNOWN]: 401,
  [C.TOKEN_REVOKED]: 401,
  [C.ANCESTOR_REVOKED]: 401,
  [C.ACTOR_SUSPENDED]: 401,
  [C.ACTOR_UNKNOWN]: 401,
  [C.DELEGATION_TOO_DEEP]: 403,
  [C.DELEGATION_DENIED]: 403,
  [C.DELEGATION_CYCLE]: 403,
  [C.EXPIRY_BEYOND_PARENT]: 403,
  [C.SCOPE_INVALID]: 400,
  [C.SCOPE_ESCALATION]: 403,
  [C.SCOPE_NOT_ALLOWED]: 403,
  [C.TTL_TOO_LONG]: 400,
  [C.AGENT_SUSPENDED]: 409,
  [C.ASSERTION_INVALID]: 401,
  [C.ASSERTION_SIGNATURE_INVALID]: 401,
  [C.ASSERTION_EXPIRED]: 401,
  [C.ASSERTION_LIFETIME_TOO_LONG]: 401,
  [C.ASSERTION_REPLAYED]: 401,
  [C.CREDENTIAL_NOT_FOUND]: 404,
  [C.SIGNING_KEY_UNAVAILABLE]: 503,
  [C.SIGNING_KEY_CONFLICT]: 409,
};

export const identityError = (code: IdentityCode, message: string, details?: Record<string, unknown>) =>
  new WardenError(code, message, details);

export const tokenMalformed = (message: string) => identityError(C.TOKEN_MALFORMED, message);
export const assertionInvalid = (message: string) => identityError(C.ASSERTION_INVALID, message);
export const credentialNotFound = (jti: string) => identityError(C.CREDENTIAL_NOT_FOUND, `no credential \`${jti}\``);
export const ttlTooLong = (ttl: number, max: number) =>
  identityError(C.TTL_TOO_LONG, `a lifetime of \`${ttl}\` seconds exceeds the maximum of \`${max}\``, { max });

/** True for an identity error: what `verify()` throws about a token (introspection: inactive). */
export function isIdentityError(err: unknown): err is WardenError {
  return err instanceof WardenError && Object.hasOwn(IDENTITY_STATUSES, err.code);
}

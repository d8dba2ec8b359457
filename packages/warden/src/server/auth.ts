/**
 * Request authentication. Humans present `Authorization: Bearer wk_…`; the role the route
 * needs is checked here, once, so route files never hold authorization rules of their own.
 */
import type { FastifyRequest } from 'fastify';
import { WardenError } from '../errors.js';
import { KeyCodes, roleAllows, type ApiKeys, type HumanPrincipal } from '../identity/api-keys.js';
import type { Role } from '../store/types.js';

export function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Authenticates the human behind the request and checks the role. */
export async function requireHuman(keys: ApiKeys, request: FastifyRequest, need: Role): Promise<HumanPrincipal> {
  const presented = bearer(request);
  if (presented === undefined) throw new WardenError(KeyCodes.UNAUTHENTICATED, 'missing bearer api key');
  if (!presented.startsWith('wk_')) throw new WardenError(KeyCodes.UNAUTHENTICATED, 'this endpoint takes a human api key');
  const human = await keys.authenticate(presented);
  if (!roleAllows(human.role, need)) {
    throw new WardenError(KeyCodes.FORBIDDEN, `role \`${human.role}\` may not do this; it needs \`${need}\``);
  }
  return human;
}

/**
 * Issuing Warden's access tokens, whatever way they are asked for (a grant, client
 * credentials, a token exchange): the JWT exactly as DESIGN.md specifies, signed EdDSA with
 * the active key, `typ: "at+jwt"`, and its record and audit entry committed before the
 * token is handed out.
 *
 * INVARIANT: no token without `exp`, and none whose lifetime exceeds `tokenMaxTtl`; this is
 * the one place that signs, so the rule holds for every way in.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { CredentialKind, CredentialRecord, ConsumedAssertion } from '../store/identity-types.js';
import type { Store } from '../store/types.js';
import { ttlTooLong } from './errors.js';
import { formatScope } from './scope.js';
import type { SigningKeys } from './signing-keys.js';

export const TOKEN_TYPE = 'at+jwt';
export const AUDIENCE = 'warden';
/** Delegation hops allowed below a grant when it names none. */
export const DEFAULT_MAX_DEPTH = 2;
export const MAX_DELEGATION_DEPTH = 5;

/** RFC 8693 §4.1: the current actor, with prior actors nested inside. */
export interface ActClaim {
  sub: string;
  act?: ActClaim;
}

export interface TaskClaim {
  id: string;
  intent: string;
}

/** The claims of a Warden access token. */
export interface TokenClaims {
  iss: string;
  aud: string;
  sub: string;
  act?: ActClaim;
  scope: string;
  task: TaskClaim;
  jti: string;
  iat: number;
  exp: number;
  parent?: string;
}

export interface IssueSpec {
  kind: CredentialKind;
  sub: string;
  act?: ActClaim;
  /** Agent principals of the chain, the current actor first (the record's `actors`). */
  actors: string[];
  scope: string[];
  task: TaskClaim;
  parent?: { jti: string; ancestors: readonly string[] };
  depth: number;
  maxDepth: number;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  /** Who asked: the audit entry's actor. */
  issuedBy: string;
  consume?: ConsumedAssertion;
}

export interface IssuedToken {
  token: string;
  jti: string;
  /** ISO time. */
  expiresAt: string;
  /** Seconds since the epoch. */
  exp: number;
  iat: number;
  record: CredentialRecord;
}

export interface TokenIssuerOptions {
  issuer: string;
  tokenMaxTtl: number;
}

/** The lifetime to issue for: the request's, else the default; never past the maximum. */
export function resolveTtl(requested: number | undefined, limits: { tokenDefaultTtl: number; tokenMaxTtl: number }): number {
  if (requested === undefined) return Math.min(limits.tokenDefaultTtl, limits.tokenMaxTtl);
  if (!Number.isInteger(requested) || requested <= 0) throw new TypeError('a lifetime must be a positive whole number of seconds');
  if (requested > limits.tokenMaxTtl) throw ttlTooLong(requested, limits.tokenMaxTtl);
  return requested;
}

export function newJti(): string {
  return randomBytes(16).toString('base64url');
}

export function newTaskId(): string {
  return `task_${randomBytes(12).toString('base64url')}`;
}

/** The nested `act` claim for a chain given current actor first. */
export function actClaimFor(actorsCurrentFirst: readonly string[]): ActClaim | undefined {
  let act: ActClaim | undefined;
  for (let i = actorsCurrentFirst.length - 1; i >= 0; i--) {
    const sub = actorsCurrentFirst[i] as string;
    act = act === undefined ? { sub } : { sub, act };
  }
  return act;
}

export class TokenIssuer {
  constructor(
    private readonly store: Store,
    private readonly keys: SigningKeys,
    private readonly options: TokenIssuerOptions,
  ) {}

  /**
   * Signs a token, records it and its audit entry, and only then returns it.
   *
   * @example
   * const { token } = await issuer.issue({ kind: 'grant', sub: 'human:alice', act: { sub: 'agent:a' },
   *   actors: ['agent:a'], scope: ['forum.read'], task, depth: 0, maxDepth: 2, iat, exp: iat + 900, issuedBy: 'human:alice' });
   */
  async issue(spec: IssueSpec): Promise<IssuedToken> {
    if (!Number.isInteger(spec.exp) || !Number.isInteger(spec.iat)) throw new TypeError('a token needs integer `iat` and `exp`');
    const ttl = spec.exp - spec.iat;
    if (ttl <= 0) throw new TypeError('a token must expire after it is issued');
    if (ttl > this.options.tokenMaxTtl) throw ttlTooLong(ttl, this.options.tokenMaxTtl);
    const current = spec.actors[0];
    if (current === undefined || !current.startsWith('agent:')) throw new TypeError('a token needs an agent as its current actor');

    const jti = newJti();
    const claims: TokenClaims = {
      iss: this.options.issuer,
      aud: AUDIENCE,
      sub: spec.sub,
      ...(spec.act === undefined ? {} : { act: spec.act }),
      scope: formatScope(spec.scope),
      task: { id: spec.task.id, intent: spec.task.intent },
      jti,
      iat: spec.iat,
      exp: spec.exp,
      ...(spec.parent === undefined ? {} : { parent: spec.parent.jti }),
    };
    const key = await this.keys.active();
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: TOKEN_TYPE, kid: key.kid }).sign(key.privateKey);

    const issuedAt = new Date(spec.iat * 1000).toISOString();
    const expiresAt = new Date(spec.exp * 1000).toISOString();
    const record: CredentialRecord = {
      jti,
      kind: spec.kind,
      subject: spec.sub,
      agent: current.slice('agent:'.length),
      actors: [...spec.actors],
      parent: spec.parent?.jti ?? null,
      ancestors: spec.parent === undefined ? [] : [...spec.parent.ancestors, spec.parent.jti],
      scope: [...spec.scope],
      taskId: spec.task.id,
      intent: spec.task.intent,
      depth: spec.depth,
      maxDepth: spec.maxDepth,
      kid: key.kid,
      issuedBy: spec.issuedBy,
      issuedAt,
      expiresAt,
      revokedAt: null,
      revokedReason: null,
    };
    await this.store.credentials.insert(
      record,
      {
        type: spec.kind === 'exchange' ? 'credential.exchanged' : 'credential.issued',
        actor: spec.issuedBy,
        subject: current,
        time: issuedAt,
        // What the credential is, never the token: its jti, who, what, until when.
        data: {
          jti,
          kind: spec.kind,
          sub: spec.sub,
          actors: record.actors,
          scope: record.scope,
          task: { id: spec.task.id, intent: spec.task.intent },
          parent: record.parent,
          depth: spec.depth,
          maxDepth: spec.maxDepth,
          kid: key.kid,
          expiresAt,
          ...(spec.consume === undefined ? {} : { assertionJti: spec.consume.jti }),
        },
      },
      spec.consume,
    );
    return { token, jti, expiresAt, exp: spec.exp, iat: spec.iat, record };
  }
}

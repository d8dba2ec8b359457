/**
 * Verifying an access token: the one function the decision pipeline (and every other
 * entry point) calls before it believes anything a token says.
 *
 * Checked on first sight, in this order: `alg` (EdDSA only), the signing key (`kid` must be
 * one of Warden's published keys), the signature, `typ` (`at+jwt`), issuer, audience, time
 * (`exp`, `nbf`, `iat`, with `clockLeewaySeconds`), the claims' shape, no agent twice in the
 * chain, depth within the grant's limit.
 *
 * Checked on every use, cached or not: that Warden issued it and nobody revoked it or any
 * token it descends from, and that every agent in its chain is registered and active.
 *
 * A token that passed the first checks is cached, keyed by the token itself (bounded LRU,
 * until it expires), so its next use costs no Ed25519 verification: only the byte-identical
 * token finds the entry. The per-use checks always ask the store, in one query over primary
 * keys; the store answers from memory only while no process has changed an agent, tool or
 * credential since (store/sqlite/revision.ts), so a revocation or suspension made by this
 * process or another (the CLI while the server runs) applies on the very next use. A
 * revoked token stays in the cache on purpose: replaying it costs that one query, not an
 * Ed25519 verification.
 */
import { compactVerify, errors as joseErrors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import type { KeyObject } from 'node:crypto';
import { WardenError } from '../errors.js';
import { AGENT_ID, HUMAN_PRINCIPAL, TOOL_PATTERN } from '../inventory/schemas.js';
import type { CredentialRecord } from '../store/identity-types.js';
import type { Store } from '../store/types.js';
import { identityError, IdentityCodes as C, tokenMalformed } from './errors.js';
import type { SigningKeys } from './signing-keys.js';
import { AUDIENCE, TOKEN_TYPE, type ActClaim, type TaskClaim } from './tokens.js';
import { deepFreeze } from '../util.js';

/** A credential that passed every identity check. Frozen: shared by every use of the token. */
export interface VerifiedCredential {
  jti: string;
  /** The originating principal (`sub`): `human:<id>` or `agent:<id>`. */
  sub: string;
  /** Same as `sub`: the name the decision pipeline reads. */
  origin: string;
  /**
   * The agents acting, as `agent:<id>`, the current actor FIRST, then each prior actor (the
   * order of the nested `act` claim, RFC 8693 §4.1). When `sub` is an agent acting on its
   * own behalf (client credentials, and exchanges from such a token) it is the last entry.
   */
  actors: string[];
  /** The chain for people: origin first, current actor last (`human:a → agent:x → agent:y`). */
  chain: string[];
  act?: ActClaim;
  scope: string[];
  task: TaskClaim;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  parent: string | null;
  /** Every token this one was exchanged from, the root first. */
  ancestors: string[];
  /** Delegation hops below the first actor: `actors.length - 1`. */
  depth: number;
  maxDepth: number;
  kid: string;
}

/** The claims of a token whose signature, issuer, audience and `typ` are good; time unchecked. */
export interface InspectedToken {
  jti: string;
  sub: string;
  actors: string[];
  exp: number;
  iat: number;
  claims: JWTPayload;
}

export interface VerifierOptions {
  issuer: string;
  clockLeewaySeconds: number;
  tokenMaxTtl: number;
  now: () => Date;
  /** Verified tokens kept in memory; 0 turns the cache off (the bench measures both). */
  cacheSize?: number;
}

interface CacheEntry {
  token: string;
  credential: VerifiedCredential;
  agentIds: string[];
}

const MAX_TOKEN_LENGTH = 16 * 1024;
const MAX_ACT_DEPTH = 16;
const JTI = /^[A-Za-z0-9_-]{8,128}$/;

export class TokenVerifier {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheSize: number;
  private readonly resolveKey: (header: JWTHeaderParameters) => Promise<KeyObject>;

  constructor(
    private readonly store: Store,
    private readonly keys: SigningKeys,
    private readonly options: VerifierOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.resolveKey = async (header) => {
      if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) throw tokenMalformed('token header has no `kid`');
      const key = await this.keys.publicKey(header.kid);
      if (!key) throw identityError(C.TOKEN_KEY_UNKNOWN, `token is signed by key \`${header.kid.slice(0, 64)}\`, which this warden does not publish`);
      return key;
    };
  }

  /**
   * Verifies `token` completely and returns what it proves, or throws a WardenError whose
   * code names the first check that failed (`TOKEN_EXPIRED`, `ANCESTOR_REVOKED`, …).
   *
   * @example
   * const cred = await warden.identity.verify(bearer);
   * cred.chain; // ['human:alice', 'agent:forum-helper', 'agent:summarizer']
   */
  async verify(token: string): Promise<VerifiedCredential> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw tokenMalformed('token is missing or too long');
    // Keyed by the whole token: an entry serves only the byte-identical token.
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      const nowSec = this.options.now().getTime() / 1000;
      if (cached.credential.exp <= nowSec - this.options.clockLeewaySeconds) {
        this.cache.delete(token);
        throw identityError(C.TOKEN_EXPIRED, 'token has expired');
      }
      // Recently used goes to the back: the front is what the LRU evicts.
      this.cache.delete(token);
      this.cache.set(token, cached);
      await this.checkLive(cached.credential, cached.agentIds);
      return cached.credential;
    }
    return this.verifyFresh(token);
  }

  /**
   * Signature, `typ`, issuer and audience only: who a token belongs to even if it has
   * expired or been revoked (revocation and introspection need that). Undefined when the
   * token is not one of Warden's.
   */
  async inspect(token: string): Promise<InspectedToken | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    try {
      const { payload, protectedHeader } = await compactVerify(token, this.resolveKey, { algorithms: ['EdDSA'] });
      if (protectedHeader.typ !== TOKEN_TYPE && protectedHeader.typ !== `application/${TOKEN_TYPE}`) return undefined;
      const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as JWTPayload;
      if (claims.iss !== this.options.issuer || claims.aud !== AUDIENCE) return undefined;
      const parsed = parseClaims(claims);
      return { jti: parsed.jti, sub: parsed.sub, actors: parsed.actors, exp: parsed.exp, iat: parsed.iat, claims };
    } catch {
      return undefined;
    }
  }

  /** Number of verified tokens held in memory (for tests and metrics). */
  get cachedCount(): number {
    return this.cache.size;
  }

  private async verifyFresh(token: string): Promise<VerifiedCredential> {
    let payload: JWTPayload;
    let kid: string;
    try {
      const result = await jwtVerify(token, this.resolveKey, {
        algorithms: ['EdDSA'],
        typ: TOKEN_TYPE,
        issuer: this.options.issuer,
        audience: AUDIENCE,
        clockTolerance: this.options.clockLeewaySeconds,
        currentDate: this.options.now(),
        maxTokenAge: this.options.tokenMaxTtl,
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'scope', 'task'],
      });
      payload = result.payload;
      kid = result.protectedHeader.kid as string;
    } catch (err) {
      throw mapJoseError(err);
    }
    const claims = parseClaims(payload);
    const record = await this.store.credentials.get(claims.jti);
    if (!record) throw identityError(C.TOKEN_UNKNOWN, `this warden has no record of issuing token \`${claims.jti}\``);
    // Even a good signature must sign what was recorded: whoever held a leaked signing key
    // still could not widen, extend or re-chain a token that was really issued.
    if (!matchesRecord(claims, record, kid)) {
      throw identityError(C.TOKEN_UNKNOWN, `token \`${claims.jti}\` does not match what this warden issued under that id`);
    }
    if (new Set(claims.actors).size !== claims.actors.length) {
      throw identityError(C.DELEGATION_CYCLE, 'an agent appears more than once in the token\'s chain');
    }
    const depth = claims.actors.length - 1;
    if (depth > record.maxDepth) {
      throw identityError(C.DELEGATION_TOO_DEEP, `delegation depth \`${depth}\` exceeds the grant's limit of \`${record.maxDepth}\``);
    }
    const credential: VerifiedCredential = deepFreeze({
      jti: claims.jti,
      sub: claims.sub,
      origin: claims.sub,
      actors: claims.actors,
      chain: claims.sub.startsWith('agent:') ? [...claims.actors].reverse() : [claims.sub, ...[...claims.actors].reverse()],
      ...(claims.act === undefined ? {} : { act: claims.act }),
      scope: claims.scope,
      task: claims.task,
      iat: claims.iat,
      exp: claims.exp,
      parent: claims.parent,
      ancestors: record.ancestors,
      depth,
      maxDepth: record.maxDepth,
      kid,
    });
    const agentIds = claims.actors.map((a) => a.slice('agent:'.length));
    await this.checkLive(credential, agentIds);
    this.remember({ token, credential, agentIds });
    return credential;
  }

  /**
   * The checks that must hold at every use, answered by the store (one indexed query, or
   * its answer while nothing it depends on has changed), whichever process revoked or
   * suspended. The order makes the code
   * name the cause: a suspended agent's tokens are also revoked, and an ancestor's
   * revocation also marks its descendants, but the answer names the suspension and the
   * ancestor.
   */
  private async checkLive(cred: VerifiedCredential, agentIds: readonly string[]): Promise<void> {
    const status = await this.store.credentials.status(cred.jti, agentIds);
    for (const id of agentIds) {
      const s = status.agents.get(id);
      if (s === undefined) throw identityError(C.ACTOR_UNKNOWN, `agent \`${id}\` in the token's chain is not registered`, { agent: `agent:${id}` });
      if (s !== 'active') throw identityError(C.ACTOR_SUSPENDED, `agent \`${id}\` in the token's chain is suspended`, { agent: `agent:${id}` });
    }
    if (status.self === undefined) throw identityError(C.TOKEN_UNKNOWN, `this warden has no record of issuing token \`${cred.jti}\``);
    for (const a of cred.ancestors) {
      const revokedAt = status.ancestors.get(a);
      if (revokedAt !== null) throw ancestorRevoked(a);
    }
    if (status.self !== null) throw tokenRevoked(cred.jti);
  }

  private remember(entry: CacheEntry): void {
    if (this.cacheSize <= 0) return;
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(entry.token, entry);
  }
}

const tokenRevoked = (jti: string) => identityError(C.TOKEN_REVOKED, `token \`${jti}\` has been revoked`);
const ancestorRevoked = (jti: string) =>
  identityError(C.ANCESTOR_REVOKED, `token \`${jti}\`, which this one was exchanged from, has been revoked`, { ancestor: jti });

function mapJoseError(err: unknown): WardenError {
  if (err instanceof WardenError) return err;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return identityError(C.TOKEN_ALG_NOT_ALLOWED, 'token `alg` is not allowed: only `EdDSA` is accepted');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return identityError(C.TOKEN_SIGNATURE_INVALID, 'token signature does not verify');
  if (err instanceof joseErrors.JWTExpired) return identityError(C.TOKEN_EXPIRED, 'token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.reason === 'check_failed') {
      switch (err.claim) {
        case 'typ':
          return identityError(C.TOKEN_TYP_INVALID, `token \`typ\` must be \`${TOKEN_TYPE}\``);
        case 'iss':
          return identityError(C.TOKEN_ISSUER_INVALID, 'token was issued by someone else');
        case 'aud':
          return identityError(C.TOKEN_AUDIENCE_INVALID, `token audience is not \`${AUDIENCE}\``);
        case 'nbf':
        case 'iat':
          return identityError(C.TOKEN_NOT_YET_VALID, 'token is not valid yet');
      }
    }
    return tokenMalformed(`token claim \`${err.claim}\` is missing or invalid`);
  }
  if (err instanceof joseErrors.JOSEError) return tokenMalformed('token is not a well-formed signed jwt');
  if (err instanceof Error) throw err;
  return tokenMalformed('token could not be read');
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function matchesRecord(claims: ParsedClaims, record: CredentialRecord, kid: string): boolean {
  return (
    record.subject === claims.sub &&
    record.kid === kid &&
    record.parent === claims.parent &&
    record.taskId === claims.task.id &&
    record.intent === claims.task.intent &&
    Date.parse(record.expiresAt) === claims.exp * 1000 &&
    Date.parse(record.issuedAt) === claims.iat * 1000 &&
    sameList(record.actors, claims.actors) &&
    sameList(record.scope, claims.scope)
  );
}

interface ParsedClaims {
  jti: string;
  sub: string;
  act?: ActClaim;
  actors: string[];
  scope: string[];
  task: TaskClaim;
  iat: number;
  exp: number;
  parent: string | null;
}

const AGENT_PRINCIPAL = new RegExp(`^agent:${AGENT_ID.source.slice(1, -1)}$`);

function isAgent(p: unknown): p is string {
  return typeof p === 'string' && AGENT_PRINCIPAL.test(p);
}

/** The shape of Warden's claims, checked after the signature: a bad one is TOKEN_MALFORMED. */
function parseClaims(p: JWTPayload): ParsedClaims {
  const { jti, sub, scope, task, iat, exp, parent } = p as Record<string, unknown>;
  if (typeof jti !== 'string' || !JTI.test(jti)) throw tokenMalformed('token `jti` is invalid');
  if (!(isAgent(sub) || (typeof sub === 'string' && HUMAN_PRINCIPAL.test(sub)))) throw tokenMalformed('token `sub` is not a principal');
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) throw tokenMalformed('token times are invalid');
  if (typeof scope !== 'string') throw tokenMalformed('token `scope` is invalid');
  const scopes = scope.split(' ').filter((s) => s.length > 0);
  if (scopes.length === 0 || !scopes.every((s) => TOOL_PATTERN.test(s))) throw tokenMalformed('token `scope` is invalid');
  if (typeof task !== 'object' || task === null) throw tokenMalformed('token `task` is invalid');
  const { id, intent } = task as Record<string, unknown>;
  if (typeof id !== 'string' || typeof intent !== 'string') throw tokenMalformed('token `task` is invalid');
  if (parent !== undefined && (typeof parent !== 'string' || !JTI.test(parent))) throw tokenMalformed('token `parent` is invalid');

  const actors: string[] = [];
  let act: unknown = (p as Record<string, unknown>).act;
  const rawAct = act as ActClaim | undefined;
  while (act !== undefined) {
    if (actors.length >= MAX_ACT_DEPTH || typeof act !== 'object' || act === null) throw tokenMalformed('token `act` is invalid');
    const { sub: actor, act: prior } = act as Record<string, unknown>;
    if (!isAgent(actor)) throw tokenMalformed('token `act` names something other than an agent');
    actors.push(actor);
    act = prior;
  }
  // An agent acting on its own behalf is the first actor of its chain.
  if (isAgent(sub)) actors.push(sub);
  if (actors.length === 0) throw tokenMalformed('token names no agent acting');
  return {
    jti,
    sub,
    ...(rawAct === undefined ? {} : { act: rawAct }),
    actors,
    scope: scopes,
    task: { id, intent },
    iat,
    exp,
    parent: typeof parent === 'string' ? parent : null,
  };
}


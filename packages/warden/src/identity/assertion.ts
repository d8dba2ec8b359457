/**
 * RFC 7523 client assertions: how an agent proves it is itself. The agent signs a short
 * JWT with its own Ed25519 private key (Warden stores only the public half):
 * `iss` = `sub` = `agent:<id>`, `aud` = Warden's issuer or its token endpoint URL, a `jti`,
 * and an `exp` at most five minutes ahead. Each `jti` is good once: it is recorded, in the
 * same transaction as the token it buys, until the assertion expires.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import { CommonCodes, WardenError } from '../errors.js';
import { AGENT_ID } from '../inventory/schemas.js';
import type { ConsumedAssertion } from '../store/identity-types.js';
import type { Agent, PublicJwk, Store } from '../store/types.js';
import { assertionInvalid, identityError, IdentityCodes as C } from './errors.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** The longest an assertion may live, in seconds (from now to its `exp`). */
export const MAX_ASSERTION_LIFETIME = 300;

const MAX_ASSERTION_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
const MAX_CACHED_KEYS = 10_000;
const PRUNE_EVERY_MS = 60_000;
const AGENT_PRINCIPAL = new RegExp(`^agent:(${AGENT_ID.source.slice(1, -1)})$`);

export interface VerifiedAssertion {
  agent: Agent;
  /** `agent:<id>` */
  principal: string;
  jti: string;
  /** What to record so the assertion cannot be used again. */
  consume: ConsumedAssertion;
}

export interface AssertionOptions {
  /** Warden's issuer identifier; `aud` may be this or `tokenEndpoint`. */
  issuer: string;
  tokenEndpoint: string;
  clockLeewaySeconds: number;
  now: () => Date;
}

export class AssertionVerifier {
  /** Agents' public keys by their `x`: made once, reused for every assertion. */
  private readonly keys = new Map<string, KeyObject>();
  private lastPrune = 0;

  constructor(
    private readonly store: Store,
    private readonly options: AssertionOptions,
  ) {}

  /**
   * Checks a client assertion and names the agent it proves. Does not consume its `jti`:
   * the issuance that follows does, atomically (see `replayGuard`).
   *
   * @example
   * const { agent, consume } = await assertions.verify(form.client_assertion);
   */
  async verify(assertion: unknown): Promise<VerifiedAssertion> {
    if (typeof assertion !== 'string' || assertion.length === 0 || assertion.length > MAX_ASSERTION_LENGTH) {
      throw assertionInvalid('assertion is missing or too long');
    }
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(assertion);
    } catch {
      throw assertionInvalid('assertion is not a jwt');
    }
    const match = typeof claims.iss === 'string' ? AGENT_PRINCIPAL.exec(claims.iss) : null;
    if (!match) throw assertionInvalid('assertion `iss` must be `agent:<id>`');
    const principal = claims.iss as string;
    const id = match[1] as string;
    if (claims.sub !== principal) throw assertionInvalid('assertion `sub` must equal its `iss`');

    const agent = await this.store.agents.get(id);
    if (!agent) throw identityError(C.ACTOR_UNKNOWN, `agent \`${id}\` is not registered`, { agent: principal });
    if (agent.status !== 'active') throw identityError(C.ACTOR_SUSPENDED, `agent \`${id}\` is suspended`, { agent: principal });
    if (!agent.publicKey || agent.publicKey.kty !== 'OKP' || agent.publicKey.crv !== 'Ed25519' || typeof agent.publicKey.x !== 'string') {
      throw assertionInvalid(`agent \`${id}\` has no registered ed25519 public key`);
    }

    const now = this.options.now();
    const leeway = this.options.clockLeewaySeconds;
    try {
      await jwtVerify(assertion, this.keyFor(agent.publicKey), {
        algorithms: ['EdDSA'],
        issuer: principal,
        subject: principal,
        audience: [this.options.issuer, this.options.tokenEndpoint],
        clockTolerance: leeway,
        currentDate: now,
        requiredClaims: ['exp', 'jti'],
      });
    } catch (err) {
      throw mapAssertionError(err);
    }
    const exp = claims.exp as number;
    const nowSec = Math.floor(now.getTime() / 1000);
    if (exp - nowSec > MAX_ASSERTION_LIFETIME + leeway) {
      throw identityError(C.ASSERTION_LIFETIME_TOO_LONG, `assertion \`exp\` is \`${exp - nowSec}\` seconds ahead; at most \`${MAX_ASSERTION_LIFETIME}\` are allowed`);
    }
    if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > MAX_JTI_LENGTH) {
      throw assertionInvalid('assertion `jti` is missing or too long');
    }
    if (await this.store.credentials.assertionUsed(principal, claims.jti)) throw replayed(claims.jti);
    await this.prune(now);
    return {
      agent,
      principal,
      jti: claims.jti,
      // Accepted until `exp` plus the leeway, so remembered until then.
      consume: { issuer: principal, jti: claims.jti, expiresAt: new Date((exp + leeway) * 1000).toISOString() },
    };
  }

  private keyFor(jwk: PublicJwk): KeyObject {
    const x = jwk.x as string;
    let key = this.keys.get(x);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x } as never, format: 'jwk' });
      } catch {
        throw assertionInvalid('the agent\'s registered public key is not a valid ed25519 key');
      }
      if (this.keys.size >= MAX_CACHED_KEYS) this.keys.clear();
      this.keys.set(x, key);
    }
    return key;
  }

  /** Used jtis of expired assertions can never be replayed: forget them now and then. */
  private async prune(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now.getTime();
    await this.store.credentials.pruneAssertions(now.toISOString());
  }
}

const replayed = (jti: string) => identityError(C.ASSERTION_REPLAYED, `assertion \`${jti.slice(0, 64)}\` has already been used`);

/**
 * Runs an issuance that consumes an assertion: if a concurrent request consumed the same
 * `jti` first, the store refuses the whole issuance and this turns that into ASSERTION_REPLAYED.
 */
export async function replayGuard<T>(consume: ConsumedAssertion, issue: () => Promise<T>): Promise<T> {
  try {
    return await issue();
  } catch (err) {
    if (err instanceof WardenError && err.code === CommonCodes.CONFLICT) throw replayed(consume.jti);
    throw err;
  }
}

function mapAssertionError(err: unknown): WardenError {
  if (err instanceof WardenError) return err;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return identityError(C.ASSERTION_SIGNATURE_INVALID, 'assertion signature does not verify with the agent\'s registered key');
  }
  if (err instanceof joseErrors.JWTExpired) return identityError(C.ASSERTION_EXPIRED, 'assertion has expired');
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return assertionInvalid('assertion `alg` must be `EdDSA`');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return assertionInvalid('assertion `aud` must be this warden\'s issuer or token endpoint');
    if (err.claim === 'nbf' || err.claim === 'iat') return assertionInvalid('assertion is not valid yet');
    return assertionInvalid(`assertion claim \`${err.claim}\` is missing or invalid`);
  }
  if (err instanceof joseErrors.JOSEError) return assertionInvalid('assertion is not a well-formed signed jwt');
  if (err instanceof Error) throw err;
  return assertionInvalid('assertion could not be read');
}

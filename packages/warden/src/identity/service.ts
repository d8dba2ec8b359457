/**
 * The identity service: everything about who an agent is and what its credential proves,
 * composed once per Warden (`warden.identity`). The pieces are one file each; this file
 * wires them and holds the two rules that span several: who may revoke or introspect a
 * token they present, and what introspection answers.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { CommonCodes, WardenError } from '../errors.js';
import type { AgentRegistry } from '../inventory/agents.js';
import type { Store } from '../store/types.js';
import { AssertionVerifier } from './assertion.js';
import { ClientCredentials } from './client-credentials.js';
import { CredentialReports } from './credentials.js';
import { isIdentityError } from './errors.js';
import { TokenExchange, type DelegationCheck } from './exchange.js';
import { Grants } from './grants.js';
import { Revocation, type RevocationResult } from './revocation.js';
import { scopeAllows } from './scope.js';
import { SigningKeys } from './signing-keys.js';
import { AUDIENCE, TokenIssuer, type ActClaim } from './tokens.js';
import { TokenVerifier, type VerifiedCredential } from './verify.js';

/** Who is asking to revoke or introspect a token. */
export type TokenCaller =
  | { kind: 'admin'; principal: string }
  /** An agent presenting a Warden token of its own in `Authorization`. */
  | { kind: 'bearer'; token: string };

/** RFC 7662 §2.2, plus Warden's own claims. */
export type Introspection =
  | { active: false }
  | {
      active: true;
      iss: string;
      aud: string;
      sub: string;
      act?: ActClaim;
      scope: string;
      client_id: string;
      token_type: 'Bearer';
      iat: number;
      exp: number;
      jti: string;
      task: { id: string; intent: string };
      parent?: string;
      depth: number;
      max_depth: number;
    };

export interface IdentityDeps {
  store: Store;
  agents: AgentRegistry;
  config: Config;
  dataDir: string;
  now: () => Date;
  /** Verified tokens kept in memory (default 10 000; 0 turns the cache off). */
  cacheSize?: number;
  /** The policy's word on each delegation hop (Cedar's `delegate` action). */
  delegationCheck?: DelegationCheck;
}

/** `http://{host}:{port}` unless `issuer` is configured; never with a trailing slash. */
export function issuerFor(config: Pick<Config, 'issuer' | 'host' | 'port'>): string {
  if (config.issuer !== undefined) return config.issuer.replace(/\/+$/, '');
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  return `http://${host}:${config.port}`;
}

export class Identity {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly audience = AUDIENCE;
  readonly signingKeys: SigningKeys;
  readonly tokens: TokenIssuer;
  readonly verifier: TokenVerifier;
  readonly assertions: AssertionVerifier;
  readonly grants: Grants;
  readonly clientCredentials: ClientCredentials;
  readonly tokenExchange: TokenExchange;
  readonly revocation: Revocation;
  readonly credentials: CredentialReports;
  private readonly store: Store;

  constructor(deps: IdentityDeps) {
    const { store, config, now } = deps;
    this.store = store;
    this.issuer = issuerFor(config);
    this.tokenEndpoint = `${this.issuer}/oauth/token`;
    const limits = { tokenDefaultTtl: config.tokenDefaultTtl, tokenMaxTtl: config.tokenMaxTtl, now };
    this.signingKeys = new SigningKeys(store, {
      dir: join(deps.dataDir, 'keys'),
      masterKey: config.masterKey,
      tokenMaxTtl: config.tokenMaxTtl,
      clockLeewaySeconds: config.clockLeewaySeconds,
      now,
    });
    this.tokens = new TokenIssuer(store, this.signingKeys, { issuer: this.issuer, tokenMaxTtl: config.tokenMaxTtl });
    this.verifier = new TokenVerifier(store, this.signingKeys, {
      issuer: this.issuer,
      clockLeewaySeconds: config.clockLeewaySeconds,
      tokenMaxTtl: config.tokenMaxTtl,
      now,
      ...(deps.cacheSize === undefined ? {} : { cacheSize: deps.cacheSize }),
    });
    this.assertions = new AssertionVerifier(store, { issuer: this.issuer, tokenEndpoint: this.tokenEndpoint, clockLeewaySeconds: config.clockLeewaySeconds, now });
    this.grants = new Grants(store, this.tokens, limits);
    this.clientCredentials = new ClientCredentials(this.assertions, this.tokens, limits);
    this.tokenExchange = new TokenExchange(this.verifier, this.assertions, this.tokens, {
      ...limits,
      ...(deps.delegationCheck ? { delegationCheck: deps.delegationCheck } : {}),
    });
    this.revocation = new Revocation(store, now);
    this.credentials = new CredentialReports(store, this.signingKeys, limits);
    // The kill switch: suspending an agent ends every token it acts in.
    deps.agents.onSuspend(async (agentId, actor) => {
      await this.revocation.revokeAgent(agentId, actor);
    });
  }

  /**
   * The one verification every entry point uses; see verify.ts for what it checks.
   *
   * @example
   * const cred = await warden.identity.verify(token);
   * if (!warden.identity.inScope(cred.scope, 'forum.post')) deny();
   */
  verify(token: string): Promise<VerifiedCredential> {
    return this.verifier.verify(token);
  }

  /** Whether `tool` lies within a credential's scope (glob patterns). */
  inScope(scope: readonly string[], tool: string): boolean {
    return scopeAllows(scope, tool);
  }

  /**
   * RFC 7662: `active: true` with the token's claims only if it verifies completely now;
   * expired, revoked, ancestor-revoked, suspended-actor and foreign tokens are all
   * `active: false`, as is a token the caller may not ask about.
   */
  async introspect(token: string, caller: TokenCaller): Promise<Introspection> {
    if (!(await this.mayActOn(token, caller))) return { active: false };
    let cred: VerifiedCredential;
    try {
      cred = await this.verify(token);
    } catch (err) {
      if (isIdentityError(err)) return { active: false };
      throw err;
    }
    return {
      active: true,
      iss: this.issuer,
      aud: AUDIENCE,
      sub: cred.sub,
      ...(cred.act === undefined ? {} : { act: cred.act }),
      scope: cred.scope.join(' '),
      client_id: cred.actors[0] as string,
      token_type: 'Bearer',
      iat: cred.iat,
      exp: cred.exp,
      jti: cred.jti,
      task: cred.task,
      ...(cred.parent === null ? {} : { parent: cred.parent }),
      depth: cred.depth,
      max_depth: cred.maxDepth,
    };
  }

  /**
   * RFC 7009: revokes a presented token (and its descendants). A token that is not one of
   * Warden's, or unknown, is nothing to revoke: null, and the caller answers 200 anyway.
   * Throws FORBIDDEN when the caller neither is an admin nor holds the token.
   */
  async revokePresented(token: string, caller: TokenCaller): Promise<RevocationResult | null> {
    const target = await this.verifier.inspect(token);
    if (!target) return null;
    if (!(await this.mayActOn(token, caller))) {
      throw new WardenError(CommonCodes.FORBIDDEN, 'only an admin or the token\'s holder may revoke it');
    }
    if (!(await this.store.credentials.get(target.jti))) return null;
    const actor = caller.kind === 'admin' ? caller.principal : (target.actors[0] as string);
    return this.revocation.revoke(target.jti, actor, caller.kind === 'admin' ? 'revoked by an admin' : 'revoked by its holder');
  }

  /**
   * An admin may act on any token; an agent on the token it presents, on tokens held by
   * the same agent, and on tokens exchanged from its own. The caller's own token must
   * verify (else UNAUTHENTICATED); a target that is not Warden's is simply not theirs.
   */
  private async mayActOn(token: string, caller: TokenCaller): Promise<boolean> {
    if (caller.kind === 'admin') return true;
    if (caller.token === token) return true;
    let me: VerifiedCredential;
    try {
      me = await this.verify(caller.token);
    } catch (err) {
      if (isIdentityError(err)) throw new WardenError(CommonCodes.UNAUTHENTICATED, `the bearer token does not authenticate (${err.code})`);
      throw err;
    }
    const target = await this.verifier.inspect(token);
    if (!target) return false;
    if (target.jti === me.jti || target.actors[0] === me.actors[0]) return true;
    const record = await this.store.credentials.get(target.jti);
    return record !== undefined && record.ancestors.includes(me.jti);
  }
}

/** Builds the identity service and makes sure a signing key exists. */
export async function createIdentity(deps: IdentityDeps): Promise<Identity> {
  const identity = new Identity(deps);
  await identity.signingKeys.init();
  return identity;
}

/**
 * What the store keeps for identity: the token signing keys' public halves (private halves
 * are secret files in the data directory), a record of every issued credential (never the
 * token itself), and the client-assertion `jti`s already used.
 *
 * INVARIANT: as everywhere in the store, each mutation takes the audit event that
 * describes it and commits with it.
 */
import type { AppendReceipt, AuditEvent } from './audit-types.js';
import type { PublicJwk } from './types.js';

export interface SigningKeyRecord {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  publicJwk: PublicJwk;
  createdAt: string;
  /** null for the one active key. */
  retiredAt: string | null;
}

export interface SigningKeyStore {
  active(): Promise<SigningKeyRecord | undefined>;
  get(kid: string): Promise<SigningKeyRecord | undefined>;
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Makes `key` the active key and retires `replaces` (null: no key may be active yet),
   * with its audit entry. Rejects with CONFLICT when the active key is not `replaces`
   * (another process rotated first).
   */
  activate(key: SigningKeyRecord, replaces: string | null, event: AuditEvent): Promise<AppendReceipt>;
}

export type CredentialKind = 'grant' | 'client_credentials' | 'exchange';

export interface CredentialRecord {
  jti: string;
  kind: CredentialKind;
  /** The originating principal (`sub`). */
  subject: string;
  /** The current actor's agent id: who holds the token. */
  agent: string;
  /** Agent principals of the chain, the current actor first. */
  actors: string[];
  parent: string | null;
  /** jtis of every token this one descends from, the root first. */
  ancestors: string[];
  scope: string[];
  taskId: string;
  intent: string;
  depth: number;
  maxDepth: number;
  kid: string;
  issuedBy: string;
  issuedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

/** A client assertion `jti` consumed together with an issuance. */
export interface ConsumedAssertion {
  issuer: string;
  jti: string;
  expiresAt: string;
}

/** What `CredentialStore.status` reads in one query: enough to decide "still good?". */
export interface CredentialStatus {
  /** undefined: no such credential; null: not revoked. */
  self: string | null | undefined;
  /** Revocation time of each ancestor found (null: not revoked); a missing one is absent. */
  ancestors: ReadonlyMap<string, string | null>;
  /** Status of each agent found; an unregistered one is absent. */
  agents: ReadonlyMap<string, string>;
}

export interface CredentialStore {
  get(jti: string): Promise<CredentialRecord | undefined>;
  /**
   * Records an issued credential with its audit entry. With `consume`, the assertion's jti
   * is marked used in the same transaction; if it already was, rejects with CONFLICT and
   * nothing is recorded.
   */
  insert(record: CredentialRecord, event: AuditEvent, consume?: ConsumedAssertion): Promise<AppendReceipt>;
  /** Whether the assertion `jti` of `issuer` has been used. */
  assertionUsed(issuer: string, jti: string): Promise<boolean>;
  /** Forgets used assertion jtis that expired before `before` (they can no longer be replayed). */
  pruneAssertions(before: string): Promise<number>;
  /** Revocation state of `jti` and its ancestors and the status of `agentIds`, in one read. */
  status(jti: string, agentIds: readonly string[]): Promise<CredentialStatus>;
  /** `jti` and every credential exchanged from it, directly or not, that is not yet revoked. */
  unrevokedLineage(jti: string): Promise<CredentialRecord[]>;
  /** Unrevoked, unexpired credentials in which `agentId` is any actor. */
  liveByActor(agentId: string, now: string): Promise<CredentialRecord[]>;
  /** Unrevoked, unexpired credentials, optionally only those `agentId` holds. */
  live(now: string, agentId?: string): Promise<CredentialRecord[]>;
  /** Marks `jtis` revoked, with the audit entry; already revoked ones are left as they are. */
  revoke(jtis: readonly string[], at: string, reason: string, event: AuditEvent): Promise<AppendReceipt>;
}

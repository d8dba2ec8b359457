/**
 * The small interfaces every store implementation provides. Domain modules depend on
 * these only; `sqlite/` implements them today, and a PostgreSQL implementation can follow
 * without touching the domain.
 *
 * INVARIANT: every mutating method takes the audit event that describes it, and the
 * implementation commits the change and its log entry together (one transaction), so the
 * log never misses a change and never records one that did not happen.
 */
import type { AuditEvent, AppendReceipt, AuditLog } from './audit-types.js';
import type { CredentialStore, SigningKeyStore } from './identity-types.js';
import type { ApprovalStore, BaselineStore, DecisionStore, DiscoveredStore, PolicyStore } from './decision-types.js';

export type Role = 'admin' | 'approver' | 'auditor' | 'viewer';
export type RiskTier = 'low' | 'medium' | 'high';
export type AgentStatus = 'active' | 'suspended';

/** A public JWK for an agent's own key (Ed25519: `{kty:"OKP", crv:"Ed25519", x}`). */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  [k: string]: unknown;
}

export interface Agent {
  id: string;
  name: string;
  owner: string;
  description: string;
  scope: string[];
  /** Groups it belongs to, sorted (Cedar `principal in Warden::Group::"…"`). */
  groups: string[];
  riskTier: RiskTier;
  status: AgentStatus;
  publicKey: PublicJwk | null;
  createdAt: string;
  updatedAt: string;
  lastSeenAt: string | null;
}

export interface Tool {
  name: string;
  categories: string[];
  description: string;
  server: string;
  /** Who set the categories last: an administrator, the config file, or an MCP listing. */
  source: 'admin' | 'config' | 'mcp';
  updatedAt: string;
}

export interface ApiKeyRecord {
  id: string;
  owner: string;
  role: Role;
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export interface AgentStore {
  get(id: string): Promise<Agent | undefined>;
  /**
   * As `get`, for the decision path: served from memory until any process changes any
   * agent, tool or credential, so `lastSeenAt` may lag. The result is frozen.
   */
  lookup(id: string): Promise<Readonly<Agent> | undefined>;
  list(): Promise<Agent[]>;
  insert(agent: Agent, event: AuditEvent): Promise<AppendReceipt>;
  /** Replaces the stored agent by id. */
  update(agent: Agent, event: AuditEvent): Promise<AppendReceipt>;
}

export interface ToolStore {
  /** Served from memory until any process changes the catalog; the result is frozen. */
  get(name: string): Promise<Readonly<Tool> | undefined>;
  list(): Promise<Tool[]>;
  upsert(tool: Tool, event: AuditEvent): Promise<AppendReceipt>;
}

export interface ApiKeyStore {
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  count(): Promise<number>;
  insert(key: ApiKeyRecord, event: AuditEvent): Promise<AppendReceipt>;
  revoke(id: string, at: string, event: AuditEvent): Promise<AppendReceipt>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly agents: AgentStore;
  readonly tools: ToolStore;
  readonly keys: ApiKeyStore;
  readonly log: AuditLog;
  readonly signingKeys: SigningKeyStore;
  readonly credentials: CredentialStore;
  readonly decisions: DecisionStore;
  readonly approvals: ApprovalStore;
  readonly discovered: DiscoveredStore;
  readonly policies: PolicyStore;
  readonly baselines: BaselineStore;
  /**
   * A number that changes whenever any agent, tool or credential changes, in any process
   * (read at most once per turn of the event loop; see sqlite/revision.ts).
   */
  revision(): number;
  /**
   * Moves with every change `revision` counts except a credential issued: what a decision's
   * allow or held call is recorded against (read in the same turn as `revision`).
   */
  narrowing(): number;
  /**
   * Calls `listener` with the duration, in seconds, of each fsync that made audit appends
   * durable, in any of the store's threads; every answer waits for one. Returns the
   * unsubscribe function.
   */
  observeSyncs(listener: (seconds: number) => void): () => void;
  /** Resolves when the store answers a trivial query; for `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Store interfaces of the decision pipeline: recorded decisions (searchable, replayable
 * under candidate policies), the approval queue, and unidentified callers.
 */
import type { AppendReceipt, AuditEvent } from './audit-types.js';

export type DecisionValue = 'allow' | 'deny' | 'pending';
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface Reason {
  code: string;
  message: string;
}

export interface RiskFactorRecord {
  code: string;
  points: number;
  message: string;
}

/** Everything the policy saw, kept so a decision can be replayed under other policies. */
export interface PolicyInput {
  /** `groups` is absent from decisions recorded before agents had groups. */
  agent: { id: string; owner: string; status: string; riskTier: string; groups?: readonly string[] };
  tool: { name: string; categories: string[]; server: string };
  context: Record<string, unknown>;
}

export interface DecisionRecord {
  id: string;
  time: string;
  agent: string;
  /** The originating principal (`human:…` or `agent:…`). */
  origin: string;
  /** Actors, outermost (the one acting now) first. */
  chain: string[];
  jti: string;
  tool: string;
  target: string | null;
  argsDigest: string;
  decision: DecisionValue;
  reasons: Reason[];
  risk: { score: number; factors: RiskFactorRecord[] };
  policyVersion: string;
  determining: string[];
  approvalId: string | null;
  /** Null when the decision never reached the policy (bad credential, out of scope). */
  policyInput: PolicyInput | null;
  logIndex: number;
  outcome: { status: 'succeeded' | 'failed'; summary?: string; at: string } | null;
}

export interface ApprovalRecord {
  id: string;
  decisionId: string;
  status: ApprovalStatus;
  agent: string;
  origin: string;
  chain: string[];
  tool: string;
  categories: string[];
  target: string | null;
  argsDigest: string;
  argsPreview: string;
  policyVersion: string;
  reasons: Reason[];
  risk: { score: number; factors: RiskFactorRecord[] };
  createdAt: string;
  expiresAt: string;
  resolvedBy: string | null;
  resolvedAt: string | null;
  comment: string | null;
  /** Set when the approved call was let through: an approval is single-use. */
  usedAt: string | null;
  /** The task (credential `task.id`) the call was held in; only that task may use it. Null before store version 7. */
  task: string | null;
}

export interface DecisionQuery {
  agent?: string;
  tool?: string;
  decision?: DecisionValue;
  from?: string;
  to?: string;
  limit: number;
}

export interface DiscoveredRecord {
  key: string;
  kind: 'traffic' | 'config';
  label: string;
  detail: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
}

export interface DecisionStore {
  /**
   * Records the decision (and, with it, creates or consumes an approval, and moves the
   * agent's last-seen time) atomically with its audit entry.
   *
   * `basis` is the state revision (`Store.revision`) the decision was made under. An allow,
   * or an approval's use, is refused with the error `state changed` (nothing recorded) if
   * any agent, tool or credential changed since: the caller decides again.
   */
  record(
    decision: Omit<DecisionRecord, 'logIndex'>,
    event: AuditEvent,
    extra?: { createApproval?: ApprovalRecord; consumeApproval?: { id: string; at: string }; basis?: number },
  ): Promise<AppendReceipt>;
  get(id: string): Promise<DecisionRecord | undefined>;
  search(q: DecisionQuery): Promise<DecisionRecord[]>;
  setOutcome(id: string, outcome: NonNullable<DecisionRecord['outcome']>, event: AuditEvent): Promise<AppendReceipt>;
}

/**
 * Calls one agent may have waiting for a human at once. The pipeline denies the next one
 * (APPROVAL_QUEUE_FULL); the store checks it again when it creates an approval, under the
 * write lock, so concurrent calls cannot overshoot it.
 */
export const MAX_PENDING_PER_AGENT = 100;

export interface ApprovalStore {
  get(id: string): Promise<ApprovalRecord | undefined>;
  list(q: { status?: ApprovalStatus; agent?: string; limit: number }): Promise<ApprovalRecord[]>;
  /**
   * The approved, unused, unexpired approval bound to exactly this call, if any: the same
   * agent, tool, target, arguments and policy version, asked for in the same task and chain
   * (origin and actors), so an approval given in one task never lets through another's,
   * even another task the same human granted; and with the tool in the same categories,
   * so a tool recategorised since (say, into `permissions`, where the approver must be
   * outside the chain) is asked for again under its new rules.
   */
  findUsable(
    q: Pick<ApprovalRecord, 'agent' | 'origin' | 'chain' | 'tool' | 'categories' | 'target' | 'argsDigest' | 'policyVersion'> & { task: string; now: string },
  ): Promise<ApprovalRecord | undefined>;
  /**
   * Moves a pending approval to a final status; resolves false if it did not: no longer
   * pending, past its expiry (for approve and deny) or not yet (for expired), or, for
   * approve, an agent of its chain is not active.
   */
  resolve(id: string, status: 'approved' | 'denied' | 'expired', by: string | null, at: string, comment: string | null, event: AuditEvent): Promise<boolean>;
  /** Pending approvals whose time is up. */
  overdue(now: string, limit: number): Promise<ApprovalRecord[]>;
  pendingForAgent(agent: string): Promise<ApprovalRecord[]>;
  countPendingForAgent(agent: string): Promise<number>;
  /** Approved approvals of the agent that were never used: the kill switch voids them too. */
  unusedApprovedForAgent(agent: string): Promise<ApprovalRecord[]>;
  /** Marks an approved, unused approval as spent without letting anything through. */
  void(id: string, at: string, event: AuditEvent): Promise<boolean>;
}

export interface DiscoveredStore {
  /** Upserts an unidentified caller; counted, not audited (it is not a state change anyone made). */
  seen(rec: { key: string; kind: DiscoveredRecord['kind']; label: string; detail: Record<string, unknown>; at: string }): Promise<void>;
  list(): Promise<DiscoveredRecord[]>;
}

export interface PolicyVersionRecord {
  seq: number;
  version: string;
  text: string;
  createdAt: string;
  createdBy: string;
}

export interface PolicyStore {
  current(): Promise<PolicyVersionRecord | undefined>;
  byVersion(version: string): Promise<PolicyVersionRecord | undefined>;
  /** The latest version, cheaply: lets several processes notice a PUT made elsewhere. */
  currentSeq(): Promise<number>;
  insert(rec: Omit<PolicyVersionRecord, 'seq'>, event: AuditEvent): Promise<AppendReceipt>;
}

export interface BaselineStore {
  get(agent: string): Promise<string | undefined>;
  /** Writes many baselines in one transaction; baselines are derived data, not audited. */
  putMany(rows: Array<{ agent: string; data: string; at: string }>): Promise<void>;
}

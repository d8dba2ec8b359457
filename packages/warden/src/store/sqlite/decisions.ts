/** SQLite implementation of recorded decisions, the approval queue and unidentified callers. */
import { WardenError } from '../../errors.js';
import type { AppendReceipt, AuditLog } from '../audit-types.js';
import {
  MAX_PENDING_PER_AGENT,
  type ApprovalRecord,
  type ApprovalStore,
  type BaselineStore,
  type DecisionRecord,
  type DecisionStore,
  type DiscoveredRecord,
  type DiscoveredStore,
  type PolicyStore,
  type PolicyVersionRecord,
} from '../decision-types.js';
import type { Db } from './db.js';
import type { LeafParts, SqliteLog } from './log.js';

interface DecisionRow {
  id: string;
  time: string;
  agent: string;
  origin: string;
  chain: string;
  jti: string;
  tool: string;
  target: string | null;
  args_digest: string;
  decision: DecisionRecord['decision'];
  reasons: string;
  risk: string;
  policy_version: string;
  determining: string;
  approval_id: string | null;
  policy_input: string | null;
  log_index: number;
  outcome: string | null;
}

const decisionFromRow = (r: DecisionRow): DecisionRecord => ({
  id: r.id,
  time: r.time,
  agent: r.agent,
  origin: r.origin,
  chain: JSON.parse(r.chain) as string[],
  jti: r.jti,
  tool: r.tool,
  target: r.target,
  argsDigest: r.args_digest,
  decision: r.decision,
  reasons: JSON.parse(r.reasons) as DecisionRecord['reasons'],
  risk: JSON.parse(r.risk) as DecisionRecord['risk'],
  policyVersion: r.policy_version,
  determining: JSON.parse(r.determining) as string[],
  approvalId: r.approval_id,
  policyInput: r.policy_input === null ? null : (JSON.parse(r.policy_input) as DecisionRecord['policyInput']),
  logIndex: r.log_index,
  outcome: r.outcome === null ? null : (JSON.parse(r.outcome) as DecisionRecord['outcome']),
});

interface ApprovalRow {
  id: string;
  decision_id: string;
  status: ApprovalRecord['status'];
  agent: string;
  origin: string;
  chain: string;
  tool: string;
  categories: string;
  target: string | null;
  args_digest: string;
  args_preview: string;
  policy_version: string;
  reasons: string;
  risk: string;
  created_at: string;
  expires_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
  comment: string | null;
  used_at: string | null;
  task: string | null;
}

const approvalFromRow = (r: ApprovalRow): ApprovalRecord => ({
  id: r.id,
  decisionId: r.decision_id,
  status: r.status,
  agent: r.agent,
  origin: r.origin,
  chain: JSON.parse(r.chain) as string[],
  tool: r.tool,
  categories: JSON.parse(r.categories) as string[],
  target: r.target,
  argsDigest: r.args_digest,
  argsPreview: r.args_preview,
  policyVersion: r.policy_version,
  reasons: JSON.parse(r.reasons) as ApprovalRecord['reasons'],
  risk: JSON.parse(r.risk) as ApprovalRecord['risk'],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at,
  comment: r.comment,
  usedAt: r.used_at,
  task: r.task,
});

/**
 * A decision as the recording connection takes it: its row's columns in order and its leaf
 * without the index, all plain text and numbers. The server thread builds it (`encodeDecision`),
 * so the writer thread gets strings to bind instead of objects to copy, walk and serialise.
 */
export interface EncodedDecision {
  agent: string;
  /** An allow, or an approval's use: checked against the agent's status and `basis` first. */
  letsThrough: boolean;
  basis: number | undefined;
  /** `DECISION_COLUMNS`, in order. */
  row: Array<string | number | null>;
  createApproval: Record<string, string | null> | undefined;
  consumeApproval: { id: string; at: string } | undefined;
  leaf: LeafParts;
}

/** The columns of a decision row, as `EncodedDecision.row` holds them (`log_index` comes last, from the log). */
const DECISION_COLUMNS = [
  'id', 'time', 'agent', 'origin', 'chain', 'jti', 'tool', 'target', 'args_digest', 'decision',
  'reasons', 'risk', 'policy_version', 'determining', 'approval_id', 'policy_input',
] as const;

/** Where the decision's time is in `EncodedDecision.row`: the agent's last-seen time moves to it. */
const TIME_COLUMN = DECISION_COLUMNS.indexOf('time');
const ID_COLUMN = DECISION_COLUMNS.indexOf('id');

/** The id of an encoded decision. */
export function encodedDecisionId(d: EncodedDecision): string {
  return d.row[ID_COLUMN] as string;
}

/** A decision and its audit event, ready for `decisionWriter` (in this thread or the writer thread). */
export function encodeDecision(
  decision: Parameters<DecisionStore['record']>[0],
  leaf: LeafParts,
  extra: Parameters<DecisionStore['record']>[2] = {},
): EncodedDecision {
  const a = extra.createApproval;
  return {
    agent: decision.agent,
    letsThrough: decision.decision === 'allow' || extra.consumeApproval !== undefined,
    basis: extra.basis,
    row: [
      decision.id,
      decision.time,
      decision.agent,
      decision.origin,
      JSON.stringify(decision.chain),
      decision.jti,
      decision.tool,
      decision.target,
      decision.argsDigest,
      decision.decision,
      JSON.stringify(decision.reasons),
      JSON.stringify(decision.risk),
      decision.policyVersion,
      JSON.stringify(decision.determining),
      decision.approvalId,
      decision.policyInput === null ? null : JSON.stringify(decision.policyInput),
    ],
    createApproval:
      a === undefined
        ? undefined
        : {
            id: a.id,
            decisionId: a.decisionId,
            status: a.status,
            agent: a.agent,
            task: a.task,
            origin: a.origin,
            chain: JSON.stringify(a.chain),
            tool: a.tool,
            categories: JSON.stringify(a.categories),
            target: a.target,
            argsDigest: a.argsDigest,
            argsPreview: a.argsPreview,
            policyVersion: a.policyVersion,
            reasons: JSON.stringify(a.reasons),
            risk: JSON.stringify(a.risk),
            createdAt: a.createdAt,
            expiresAt: a.expiresAt,
          },
    consumeApproval: extra.consumeApproval,
    leaf,
  };
}

/**
 * Records an encoded decision: its row, its audit entry and its approval change in one
 * transaction. Runs wherever the recording connection lives: in the server's thread, or in
 * the writer thread (writer.ts) that takes the commits off the event loop.
 */
export function decisionWriter(db: Db, log: SqliteLog): (d: EncodedDecision) => Promise<AppendReceipt> {
  const insert = db.prepare<Array<string | number | null>>(
    `INSERT INTO decisions (${DECISION_COLUMNS.join(', ')}, log_index) VALUES (${DECISION_COLUMNS.map(() => '?').join(', ')}, ?)`,
  );
  const insertApproval = db.prepare(`INSERT INTO approvals (id, decision_id, status, agent, task, origin, chain, tool, categories,
    target, args_digest, args_preview, policy_version, reasons, risk, created_at, expires_at)
    VALUES (@id, @decisionId, @status, @agent, @task, @origin, @chain, @tool, @categories, @target, @argsDigest, @argsPreview,
    @policyVersion, @reasons, @risk, @createdAt, @expiresAt)`);
  const touch = db.prepare('UPDATE agents SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)');
  const consume = db.prepare("UPDATE approvals SET used_at = ? WHERE id = ? AND status = 'approved' AND used_at IS NULL");
  const statusOf = db.prepare<[string], string>('SELECT status FROM agents WHERE id = ?').pluck();
  const pendingOf = db.prepare<[string], number>("SELECT COUNT(*) FROM approvals WHERE status = 'pending' AND agent = ?").pluck();
  const revisionNow = db.prepare<[], number>('SELECT narrowed FROM state_revision WHERE id = 1').pluck();
  return (d) =>
    log.appendParts(d.leaf, (index) => {
      // A held call is guarded as an allow is: its approval, once given, lets the call through.
      const guarded = d.letsThrough || d.createApproval !== undefined;
      // INVARIANT: nothing is let through, and nothing is put before an approver, for an agent
      // suspended while it was being decided: the status is read again inside the
      // transaction that records the answer.
      if (guarded && statusOf.get(d.agent) !== 'active') {
        throw new WardenError('ACTOR_SUSPENDED', `agent \`${d.agent}\` was suspended while this action was being decided`);
      }
      // INVARIANT: nothing is let through or held on state that changed while it was being
      // decided (a token revoked, a delegator suspended, a scope narrowed, a tool
      // recategorised, by this process or another): under the write lock, the narrowing
      // revision must still be the one the decision read (a credential issued meanwhile
      // does not move it). Otherwise nothing is recorded and the caller decides again.
      if (guarded && d.basis !== undefined && revisionNow.get() !== d.basis) throw new Error('state changed');
      // INVARIANT: concurrent held calls cannot overshoot an agent's approval queue: counted
      // again under the write lock. The caller decides again and finds the queue full.
      if (d.createApproval !== undefined && pendingOf.get(d.agent)! >= MAX_PENDING_PER_AGENT) throw new Error('approval queue full');
      if (d.consumeApproval && consume.run(d.consumeApproval.at, d.consumeApproval.id).changes !== 1) {
        throw new Error('approval already used');
      }
      if (d.createApproval) insertApproval.run(d.createApproval);
      insert.run(...d.row, index);
      // Liveness rides in the same transaction: no commit of its own on the hot path.
      const time = d.row[TIME_COLUMN] as string;
      touch.run(time, d.agent, time);
    });
}

/** What happened after a decision, ready for `outcomeWriter`: the outcome as JSON and its leaf. */
export interface EncodedOutcome {
  id: string;
  outcome: string;
  leaf: LeafParts;
}

/** Records what happened after a decision, with its own audit entry. */
export function outcomeWriter(db: Db, log: SqliteLog): (o: EncodedOutcome) => Promise<AppendReceipt> {
  const setOutcome = db.prepare('UPDATE decisions SET outcome = ? WHERE id = ? AND outcome IS NULL');
  return (o) =>
    log.appendParts(o.leaf, () => {
      if (setOutcome.run(o.outcome, o.id).changes !== 1) throw new Error('outcome already recorded');
    });
}

/** Where a decision store's writes go: this connection's writers, or the writer thread's. */
export interface DecisionWrites {
  record(d: EncodedDecision): Promise<AppendReceipt>;
  setOutcome(o: EncodedOutcome): Promise<AppendReceipt>;
}

/**
 * The decision store. Its writes run in this thread unless `writes` says otherwise: the
 * server passes its writer thread's (writer.ts).
 */
export function sqliteDecisionStore(
  db: Db,
  log: SqliteLog,
  writes: DecisionWrites = { record: decisionWriter(db, log), setOutcome: outcomeWriter(db, log) },
): DecisionStore {
  const getStmt = db.prepare<[string], DecisionRow>('SELECT * FROM decisions WHERE id = ?');

  return {
    // Async, so that an event that is not plain JSON rejects like any failed write.
    record: async (decision, event, extra) => writes.record(encodeDecision(decision, log.partsOf(event), extra)),
    setOutcome: async (id, outcome, event) => writes.setOutcome({ id, outcome: JSON.stringify(outcome), leaf: log.partsOf(event) }),
    async get(id) {
      const r = getStmt.get(id);
      return r && decisionFromRow(r);
    },
    async search(q) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: q.limit };
      if (q.agent !== undefined) {
        where.push('agent = @agent');
        params.agent = q.agent;
      }
      if (q.tool !== undefined) {
        where.push('tool = @tool');
        params.tool = q.tool;
      }
      if (q.decision !== undefined) {
        where.push('decision = @decision');
        params.decision = q.decision;
      }
      if (q.from !== undefined) {
        where.push('time >= @from');
        params.from = q.from;
      }
      if (q.to !== undefined) {
        where.push('time < @to');
        params.to = q.to;
      }
      const sql = `SELECT * FROM decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, id DESC LIMIT @limit`;
      return (db.prepare(sql).all(params) as DecisionRow[]).map(decisionFromRow);
    },
  };
}

export function sqliteApprovalStore(db: Db, log: AuditLog): ApprovalStore {
  const getStmt = db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE id = ?');
  const usable = db.prepare<[string, string, string | null, string | null, string, string, string, string, string, string, string], ApprovalRow>(
    `SELECT * FROM approvals WHERE agent = ? AND tool = ? AND (target IS ? OR target = ?) AND args_digest = ?
     AND policy_version = ? AND task = ? AND origin = ? AND chain = ? AND categories = ?
     AND status = 'approved' AND used_at IS NULL AND expires_at > ? ORDER BY created_at LIMIT 1`,
  );
  // INVARIANT, under the write lock: only a pending approval is resolved; a human's answer
  // only before it expires (expiry itself only after); and nothing is approved while an
  // agent of its chain is not active (a kill switch whose cancellations did not all land
  // must not leave an approval that can still be given).
  const resolveStmt = db.prepare(`UPDATE approvals SET status = @status, resolved_by = @by, resolved_at = @at, comment = @comment
    WHERE id = @id AND status = 'pending'
      AND (CASE WHEN @status = 'expired' THEN expires_at <= @at ELSE expires_at > @at END)
      AND (@status != 'approved' OR NOT EXISTS (
        SELECT 1 FROM json_each(approvals.chain) AS actor JOIN agents ON agents.id = substr(actor.value, 7)
        WHERE actor.value LIKE 'agent:%' AND agents.status != 'active'))`);
  const overdueStmt = db.prepare<[string, number], ApprovalRow>("SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?");
  const pendingFor = db.prepare<[string], ApprovalRow>("SELECT * FROM approvals WHERE status = 'pending' AND agent = ?");
  const countPending = db.prepare<[string], number>("SELECT COUNT(*) FROM approvals WHERE status = 'pending' AND agent = ?").pluck();
  const unusedFor = db.prepare<[string], ApprovalRow>("SELECT * FROM approvals WHERE status = 'approved' AND used_at IS NULL AND agent = ?");
  const voidStmt = db.prepare("UPDATE approvals SET used_at = ? WHERE id = ? AND status = 'approved' AND used_at IS NULL");
  return {
    async get(id) {
      const r = getStmt.get(id);
      return r && approvalFromRow(r);
    },
    async list(q) {
      const where: string[] = [];
      const params: Record<string, unknown> = { limit: q.limit };
      if (q.status !== undefined) {
        where.push('status = @status');
        params.status = q.status;
      }
      if (q.agent !== undefined) {
        where.push('agent = @agent');
        params.agent = q.agent;
      }
      const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC LIMIT @limit`;
      return (db.prepare(sql).all(params) as ApprovalRow[]).map(approvalFromRow);
    },
    async findUsable(q) {
      const r = usable.get(q.agent, q.tool, q.target, q.target, q.argsDigest, q.policyVersion, q.task, q.origin, JSON.stringify(q.chain), JSON.stringify(q.categories), q.now);
      return r && approvalFromRow(r);
    },
    async resolve(id, status, by, at, comment, event) {
      let changed = false;
      try {
        await log.append(event, () => {
          changed = resolveStmt.run({ status, by, at, comment, id }).changes === 1;
          if (!changed) throw new NotPending();
        });
      } catch (err) {
        if (err instanceof NotPending) return false;
        throw err;
      }
      return changed;
    },
    async overdue(now, limit) {
      return overdueStmt.all(now, limit).map(approvalFromRow);
    },
    async pendingForAgent(agent) {
      return pendingFor.all(agent).map(approvalFromRow);
    },
    async countPendingForAgent(agent) {
      return countPending.get(agent) ?? 0;
    },
    async unusedApprovedForAgent(agent) {
      return unusedFor.all(agent).map(approvalFromRow);
    },
    async void(id, at, event) {
      try {
        await log.append(event, () => {
          if (voidStmt.run(at, id).changes !== 1) throw new NotPending();
        });
        return true;
      } catch (err) {
        if (err instanceof NotPending) return false;
        throw err;
      }
    },
  };
}

/** Thrown inside a log transaction to undo it when the approval was already resolved. */
class NotPending extends Error {}

/** Unidentified callers kept at most: anyone can send a bad token, nobody may fill the disk. */
export const DISCOVERED_CAP = 10_000;

/** Counts an unidentified caller (upsert, capped; not audited). */
export function discoveredWriter(db: Db): DiscoveredStore['seen'] {
  const bump = db.prepare('UPDATE discovered SET last_seen_at = @at, detail = @detail, count = count + 1 WHERE key = @key');
  const insert = db.prepare(`INSERT OR IGNORE INTO discovered (key, kind, label, detail, first_seen_at, last_seen_at, count)
    SELECT @key, @kind, @label, @detail, @at, @at, 1 WHERE (SELECT COUNT(*) FROM discovered) < ${DISCOVERED_CAP}`);
  const upsert = db.transaction((row: Record<string, unknown>) => {
    // Known callers are counted; new ones are added only while the table is under its cap.
    if (bump.run(row).changes === 0) insert.run(row);
  });
  return async (rec) => {
    upsert.immediate({ ...rec, detail: JSON.stringify(rec.detail) });
  };
}

/**
 * Unidentified callers; `seen` runs in this thread unless the server passes its writer
 * thread's (a flood of bad tokens must not make the event loop wait for the write lock).
 */
export function sqliteDiscoveredStore(db: Db, seen: DiscoveredStore['seen'] = discoveredWriter(db)): DiscoveredStore {
  const listStmt = db.prepare<[], { key: string; kind: DiscoveredRecord['kind']; label: string; detail: string; first_seen_at: string; last_seen_at: string; count: number }>(
    'SELECT * FROM discovered ORDER BY last_seen_at DESC LIMIT 1000',
  );
  return {
    seen,
    async list() {
      return listStmt.all().map((r) => ({
        key: r.key,
        kind: r.kind,
        label: r.label,
        detail: JSON.parse(r.detail) as Record<string, unknown>,
        firstSeenAt: r.first_seen_at,
        lastSeenAt: r.last_seen_at,
        count: r.count,
      }));
    },
  };
}

export function sqlitePolicyStore(db: Db, log: AuditLog): PolicyStore {
  type Row = { seq: number; version: string; text: string; created_at: string; created_by: string };
  const fromRow = (r: Row): PolicyVersionRecord => ({ seq: r.seq, version: r.version, text: r.text, createdAt: r.created_at, createdBy: r.created_by });
  const current = db.prepare<[], Row>('SELECT * FROM policies ORDER BY seq DESC LIMIT 1');
  const byVersion = db.prepare<[string], Row>('SELECT * FROM policies WHERE version = ? ORDER BY seq DESC LIMIT 1');
  const seq = db.prepare<[], { s: number }>('SELECT COALESCE(MAX(seq), 0) AS s FROM policies');
  const insert = db.prepare('INSERT INTO policies (version, text, created_at, created_by) VALUES (?, ?, ?, ?)');
  return {
    async current() {
      const r = current.get();
      return r && fromRow(r);
    },
    async byVersion(version) {
      const r = byVersion.get(version);
      return r && fromRow(r);
    },
    async currentSeq() {
      return seq.get()?.s ?? 0;
    },
    insert(rec, event) {
      return log.append(event, () => insert.run(rec.version, rec.text, rec.createdAt, rec.createdBy));
    },
  };
}

/** Writes learned baselines, many in one transaction (derived data, not audited). */
export function baselineWriter(db: Db): BaselineStore['putMany'] {
  const put = db.prepare(`INSERT INTO baselines (agent, data, updated_at) VALUES (@agent, @data, @at)
    ON CONFLICT(agent) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`);
  const putAll = db.transaction((rows: Array<{ agent: string; data: string; at: string }>) => {
    for (const r of rows) put.run(r);
  });
  return async (rows) => {
    if (rows.length > 0) putAll.immediate(rows);
  };
}

/** Baselines; `putMany` runs in this thread unless the server passes its writer thread's. */
export function sqliteBaselineStore(db: Db, putMany: BaselineStore['putMany'] = baselineWriter(db)): BaselineStore {
  const get = db.prepare<[string], { data: string }>('SELECT data FROM baselines WHERE agent = ?');
  return {
    async get(agent) {
      return get.get(agent)?.data;
    },
    putMany,
  };
}

/**
 * The SQLite audit log appender: group commit over a WAL database. Appends made while a
 * commit is under way queue up and share the next one; no append resolves before its
 * transaction has committed AND the write-ahead log holding it has been fsynced.
 *
 * Durability: the database runs `synchronous=NORMAL`, so SQLite does not fsync on commit;
 * this appender fsyncs the WAL file itself after each group commit, on libuv's thread
 * pool, and only then resolves the batch. That is the same guarantee as `synchronous=FULL`
 * (the commit frame is on disk before anyone is told), without blocking the event loop
 * for the disk: the next batch is built and committed while the previous one syncs.
 *
 * Fail closed: if the transaction cannot be written or committed (database closed, disk
 * full, I/O error), every append of the batch rejects with `AUDIT_UNAVAILABLE` and none
 * of their state changes is kept. A state change (`apply`) that throws fails only its
 * own append: it runs in a savepoint.
 *
 * INVARIANT: the tree's size is read inside the write transaction, never trusted across
 * commits, so several processes (the server, the CLI, a stdio gateway) can append to one
 * data directory and the sequence stays gap-free. The cached right edge of the tree is
 * used only when the size read matches the size it was cached at.
 */
import { createHmac } from 'node:crypto';
import { close as closeFd, closeSync, existsSync, fsync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { auditUnavailable } from '../../audit/errors.js';
import { canonicalText } from '../../audit/canonical.js';
import { leafHashOfText } from '../../audit/merkle.js';
import { redactedPreview } from '../../audit/redact.js';
import { completedNodes } from '../../audit/tree.js';
import type { HashReader } from '../../audit/tree.js';
import type { AppendReceipt, AuditEntry, AuditEvent, AuditLog, StoredEntry } from '../audit-types.js';
import type { Db } from './db.js';

/** The HTTP status of `AUDIT_UNAVAILABLE`, for `registerStatuses`: callers treat it as deny. */
export const LOG_STATUSES: Readonly<Record<string, number>> = { AUDIT_UNAVAILABLE: 503 };

interface Pending {
  /** The event, made into a leaf after `apply` (which may complete its data); or its leaf already. */
  event: AuditEvent | LeafParts;
  apply: ((index: number) => void) | undefined;
  resolve: (r: AppendReceipt) => void;
  reject: (e: unknown) => void;
}

/** One entry ready to insert. */
interface Prepared {
  index: number;
  hash: Buffer;
  text: string;
  secrets: LeafParts['secrets'];
}

/**
 * An entry's leaf text without its index, which is known only inside the write transaction:
 * the leaf is `head + index + tail`. It is plain strings, so it can be built on one thread and
 * sent to another (the writer thread) at the cost of copying text.
 */
export interface LeafParts {
  readonly head: string;
  readonly tail: string;
  /** The raw sensitive values, for the erasable side table: [field, canonical JSON]. */
  readonly secrets: ReadonlyArray<readonly [field: string, raw: string]>;
}

/**
 * The parts of the leaf of `event` at `time`: sensitive values become an HMAC digest and a
 * redacted preview. Throws `TypeError` (naming the path) for an event that is not plain JSON.
 *
 * INVARIANT: `head + index + tail` is exactly the RFC 8785 canonical JSON of the entry. The
 * entry's keys are fixed and sort as actor, data, index, sensitive, subject, time, type, v,
 * so `index` splits it in two without looking inside `data`.
 *
 * @example
 * const { head, tail } = leafParts({ type: 't', actor: 'system', data: {} }, '2026-01-01T00:00:00.000Z', key);
 * head + 7 + tail; // '{"actor":"system","data":{},"index":7,"time":"2026-01-01T00:00:00.000Z","type":"t","v":1}'
 */
export function leafParts(event: AuditEvent, time: string, hmacKey: Buffer): LeafParts {
  const secrets: Array<[string, string]> = [];
  let sensitive: Record<string, { digest: string; preview: string }> | undefined;
  if (event.sensitive !== undefined) {
    sensitive = {};
    for (const [field, value] of Object.entries(event.sensitive)) {
      const raw = canonicalText(value);
      sensitive[field] = { digest: createHmac('sha256', hmacKey).update(raw, 'utf8').digest('base64'), preview: redactedPreview(value) };
      secrets.push([field, raw]);
    }
  }
  try {
    const head = `{"actor":${canonicalText(event.actor)},"data":${canonicalText(event.data)},"index":`;
    const tail =
      (sensitive === undefined ? '' : `,"sensitive":${canonicalText(sensitive)}`) +
      (event.subject === undefined ? '' : `,"subject":${canonicalText(event.subject)}`) +
      `,"time":${canonicalText(time)},"type":${canonicalText(event.type)},"v":1}`;
    return { head, tail, secrets };
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    // Say where in the entry the offending value is, as the whole entry's writer would.
    canonicalText({ v: 1, index: 0, time, type: event.type, actor: event.actor, data: event.data, ...(event.subject === undefined ? {} : { subject: event.subject }) });
    throw err;
  }
}

function isLeafParts(e: AuditEvent | LeafParts): e is LeafParts {
  return typeof (e as LeafParts).head === 'string';
}

export interface SqliteLogOptions {
  /** Key for the HMAC digests of sensitive values (kept outside the database). */
  hmacKey: Buffer;
  now?: () => Date;
  /** Called with the duration, in seconds, of each WAL fsync that made a batch durable. */
  onSync?: (seconds: number) => void;
  /**
   * Fsync on this thread, blocking it, when nothing else is waiting (no other fsync under
   * way, no append queued): a lone caller's answer then skips two hand-offs to and from
   * the fsync thread. Only for a thread that does nothing else (the writer thread); under
   * load commits overlap their fsyncs as before.
   */
  syncAloneInline?: boolean;
}

/** An entry as stored: the leaf hash and the exact leaf text. */
export interface RawEntry {
  index: number;
  leafHash: Buffer;
  /** RFC 8785 canonical JSON of the entry: the leaf bytes, as UTF-8 text. */
  text: string;
}

/** Errors that mean the database itself cannot be written: the whole batch fails. */
const STORAGE_FAILURE = /^SQLITE_(IOERR|FULL|CORRUPT|NOTADB|READONLY|CANTOPEN|NOMEM|BUSY|LOCKED|PROTOCOL|PERM)/;

function isStorageFailure(err: unknown): boolean {
  if (err instanceof Database.SqliteError) return STORAGE_FAILURE.test(err.code);
  // better-sqlite3 throws a TypeError once the connection is closed.
  return err instanceof TypeError && /database connection is not open/i.test(err.message);
}

export class SqliteLog implements AuditLog, HashReader {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly now: () => Date;
  private readonly stmts;
  /**
   * The right edge of the tree after the last commit (level → the one node of that level
   * a later append may need as a left sibling), valid only at `edgeSize` leaves.
   */
  private edge = new Map<number, { index: number; hash: Buffer }>();
  private edgeSize = -1;
  /** Reads the edge first, the database otherwise. */
  private readonly edgeReader: HashReader = {
    getNode: (level, index) => {
      const cached = this.edge.get(level);
      return cached !== undefined && cached.index === index ? cached.hash : this.getNode(level, index);
    },
  };

  private readonly savepoint: (index: number, item: Pending) => Prepared;
  // Leaves and subtree hashes go in as multi-row INSERTs at the end of each batch.
  private readonly entryRows: BulkInsert;
  private readonly nodeRows: BulkInsert;

  /** The WAL file, fsynced after each group commit; undefined for an in-memory database. */
  private walFd: number | undefined;
  private syncing = 0;

  constructor(
    private readonly db: Db,
    private readonly options: SqliteLogOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    if (!db.memory) {
      const wal = `${db.name}-wal`;
      // INVARIANT: openDatabase has put the database in WAL mode and written to it, so the
      // WAL exists, and it is not deleted while this connection stays open.
      if (!existsSync(wal)) throw new Error(`write-ahead log \`${wal}\` is missing: the database is not in WAL mode`);
      this.walFd = openSync(wal, 'r');
    }
    // Nested in the batch's transaction, better-sqlite3 runs this as a SAVEPOINT.
    this.savepoint = db.transaction((index: number, item: Pending) => {
      item.apply?.(index);
      return this.prepare(index, item.event);
    });
    this.entryRows = new BulkInsert(db, 'audit_entries (idx, leaf_hash, entry)', 3);
    this.nodeRows = new BulkInsert(db, 'audit_nodes (level, idx, hash)', 3);
    this.stmts = {
      size: db.prepare<[], { n: number }>('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM audit_entries'),
      insertSecret: db.prepare<[number, string, string]>('INSERT INTO audit_secrets (idx, field, value) VALUES (?, ?, ?)'),
      leaf: db.prepare<[number], Buffer>('SELECT leaf_hash FROM audit_entries WHERE idx = ?').pluck(),
      node: db.prepare<[number, number], Buffer>('SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?').pluck(),
      range: db.prepare<[number, number], { idx: number; leaf_hash: Buffer; entry: string }>(
        'SELECT idx, leaf_hash, entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx',
      ),
      erase: db.prepare<[string, string]>(
        `UPDATE audit_secrets SET value = NULL, erased_at = ?
         WHERE value IS NOT NULL AND idx IN (SELECT idx FROM audit_entries WHERE json_extract(entry, '$.time') < ?)`,
      ),
      eraseAll: db.prepare<[string]>('UPDATE audit_secrets SET value = NULL, erased_at = ? WHERE value IS NOT NULL'),
    };
  }

  /**
   * Appends `event`; `apply(index)` (the state change it records) runs in the same
   * transaction and may complete `event.data` before the leaf is written. Resolves with
   * the receipt once the commit is durable.
   *
   * `apply` works on the state tables: the audit tables may not hold the batch's earlier
   * entries yet (they are written together at the end of the batch).
   *
   * @example
   * const { index, leafHash } = await log.append({ type: 'key.revoked', actor, data }, () => revoke.run(id));
   */
  append(event: AuditEvent, apply?: (index: number) => void): Promise<AppendReceipt> {
    return this.enqueue(event, apply);
  }

  /**
   * As `append`, for a leaf already built (`leafParts`, `partsOf`): the writer thread gets
   * its leaves this way, built by the server thread. The leaf is fixed before `apply` runs,
   * so `apply` cannot complete it.
   */
  appendParts(parts: LeafParts, apply?: (index: number) => void): Promise<AppendReceipt> {
    return this.enqueue(parts, apply);
  }

  /** The leaf parts of `event`, with this log's key, at its time or now. */
  partsOf(event: AuditEvent): LeafParts {
    return leafParts(event, event.time ?? this.now().toISOString(), this.options.hmacKey);
  }

  private enqueue(event: AuditEvent | LeafParts, apply: ((index: number) => void) | undefined): Promise<AppendReceipt> {
    if (this.closed) return Promise.reject(auditUnavailable(undefined, 'the audit log is closed'));
    return new Promise<AppendReceipt>((resolve, reject) => {
      this.queue.push({ event, apply, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued, in one durable transaction. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const settled: Array<[Pending, AppendReceipt | Error]> = [];
    try {
      this.db
        .transaction(() => {
          let size = this.stmts.size.get()?.n ?? 0;
          if (size !== this.edgeSize) this.edge.clear();
          for (const item of batch) {
            let prepared: Prepared;
            try {
              prepared = item.apply === undefined ? this.prepare(size, item.event) : this.applyAndPrepare(size, item);
            } catch (err) {
              // A statement that rolled back the whole transaction (a trigger's RAISE(ROLLBACK),
              // an ON CONFLICT ROLLBACK) leaves nothing to go on with: every later statement
              // would commit on its own. The whole batch fails, as on a storage failure.
              if (isStorageFailure(err) || !this.db.inTransaction) throw err;
              settled.push([item, err instanceof Error ? err : new Error(String(err))]);
              continue;
            }
            this.insert(prepared);
            size++;
            settled.push([item, { index: prepared.index, leafHash: prepared.hash.toString('base64') }]);
          }
          this.entryRows.flush();
          this.nodeRows.flush();
          this.edgeSize = size;
        })
        .immediate();
    } catch (err) {
      this.entryRows.clear();
      this.nodeRows.clear();
      this.edge.clear();
      this.edgeSize = -1;
      const failure = auditUnavailable(err);
      for (const item of batch) item.reject(failure);
      return;
    }
    const settle = (syncError: Error | null) => {
      for (const [item, outcome] of settled) {
        if (outcome instanceof Error) item.reject(outcome);
        else if (syncError !== null) item.reject(auditUnavailable(syncError));
        else item.resolve(outcome);
      }
    };
    if (this.walFd === undefined) {
      settle(null);
      return;
    }
    const syncStart = process.hrtime.bigint();
    const synced = (err: Error | null) => {
      if (err === null) this.options.onSync?.(Number(process.hrtime.bigint() - syncStart) / 1e9);
      settle(err);
    };
    if (this.options.syncAloneInline === true && this.syncing === 0 && this.queue.length === 0) {
      let failure: Error | null = null;
      try {
        fsyncSync(this.walFd);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      synced(failure);
      return;
    }
    this.syncing++;
    fsync(this.walFd, (err) => {
      this.syncing--;
      synced(err);
      if (this.closed && this.syncing === 0) this.closeWal();
    });
  }

  /**
   * Fsyncs the WAL now, on this thread: for the rare caller that must not race a commit.
   * It is one file, so this also covers what other connections (the writer thread, another
   * process) committed to it; once this appender has closed its descriptor, it opens one.
   */
  syncWal(): void {
    if (this.walFd !== undefined) {
      fsyncSync(this.walFd);
    } else if (!this.db.memory && existsSync(`${this.db.name}-wal`)) {
      const fd = openSync(`${this.db.name}-wal`, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  private closeWal(): void {
    if (this.walFd === undefined) return;
    const fd = this.walFd;
    this.walFd = undefined;
    closeFd(fd, () => undefined);
  }

  /** The state change and the leaf in a savepoint: either fails, both are undone. */
  private applyAndPrepare(index: number, item: Pending): Prepared {
    return this.savepoint(index, item);
  }

  /** Builds the leaf (pure: throws `TypeError` for an event that is not plain JSON). */
  private prepare(index: number, event: AuditEvent | LeafParts): Prepared {
    const { head, tail, secrets } = isLeafParts(event) ? event : this.partsOf(event);
    const text = head + index + tail;
    return { index, hash: leafHashOfText(text), text, secrets };
  }

  /** Writes the leaf, its secrets and every complete subtree it closes (at most log2 n). */
  private insert({ index, hash, text, secrets }: Prepared): void {
    for (const [field, raw] of secrets) this.stmts.insertSecret.run(index, field, raw);
    this.entryRows.add(index, hash, text);
    for (const node of completedNodes(index, hash, this.edgeReader)) {
      // Level 0 is the leaf hash, stored with the entry.
      if (node.level > 0) this.nodeRows.add(node.level, node.index, node.hash);
      this.edge.set(node.level, { index: node.index, hash: node.hash });
    }
  }

  /** The stored hash of complete subtree (level, index); level 0 is a leaf hash. */
  getNode(level: number, index: number): Buffer | undefined {
    return level === 0 ? this.stmts.leaf.get(index) : this.stmts.node.get(level, index);
  }

  async size(): Promise<number> {
    return this.sizeSync();
  }

  sizeSync(): number {
    return this.stmts.size.get()?.n ?? 0;
  }

  async entries(start: number, end: number): Promise<StoredEntry[]> {
    return this.rawEntries(start, end).map((r) => ({
      index: r.index,
      leafHash: r.leafHash.toString('base64'),
      entry: JSON.parse(r.text) as AuditEntry,
    }));
  }

  /** Entries [start, end) as stored, without parsing them. */
  rawEntries(start: number, end: number): RawEntry[] {
    return this.stmts.range.all(start, end).map((r) => ({ index: r.idx, leafHash: r.leaf_hash, text: r.entry }));
  }

  /**
   * Removes raw sensitive values (of entries older than `before`, an ISO time, or all of
   * them) and returns how many: meant to run as the `apply` of the `audit.erased` entry
   * that records it. Leaves keep their digests, so the tree is unchanged.
   */
  eraseSecrets(at: string, before?: string): number {
    // The batch's earlier entries must be in the table the erasure selects from.
    this.entryRows.flush();
    return before === undefined ? this.stmts.eraseAll.run(at).changes : this.stmts.erase.run(at, before).changes;
  }

  /** Rejects new appends and commits what is queued. */
  close(): void {
    this.closed = true;
    this.flush();
    if (this.syncing === 0) this.closeWal();
  }
}

/** Rows for one table, written as INSERTs of up to 64 rows each (one statement per size). */
class BulkInsert {
  private static readonly MAX_ROWS = 64;
  private values: unknown[] = [];
  private readonly statements = new Map<number, Database.Statement<unknown[]>>();

  constructor(
    private readonly db: Db,
    private readonly target: string,
    private readonly columns: number,
  ) {}

  add(...row: unknown[]): void {
    this.values.push(...row);
    if (this.values.length === BulkInsert.MAX_ROWS * this.columns) this.flush();
  }

  flush(): void {
    if (this.values.length === 0) return;
    const rows = this.values.length / this.columns;
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const row = `(${new Array<string>(this.columns).fill('?').join(', ')})`;
      statement = this.db.prepare<unknown[]>(`INSERT INTO ${this.target} VALUES ${new Array<string>(rows).fill(row).join(', ')}`);
      this.statements.set(rows, statement);
    }
    const values = this.values;
    this.values = [];
    statement.run(values);
  }

  /** Drops rows of a batch that failed. */
  clear(): void {
    this.values = [];
  }
}

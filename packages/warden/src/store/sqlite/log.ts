/**
 * The SQLite audit log appender: group commit over a durable (WAL, `synchronous=FULL`)
 * database. Appends made while a commit is under way queue up and share the next one; no
 * append resolves before its transaction has committed.
 *
 * INVARIANT: the tree's size is read inside the write transaction, never cached across
 * commits, so several processes (the server, the CLI, a stdio gateway) can append to one
 * data directory and the sequence stays gap-free.
 */
import { createHmac } from 'node:crypto';
import { WardenError } from '../../errors.js';
import { canonicalBytes } from '../../audit/canonical.js';
import { leafHash, nodeHash } from '../../audit/merkle.js';
import type { AppendReceipt, AuditEntry, AuditEvent, AuditLog, StoredEntry } from '../audit-types.js';
import type { Db } from './db.js';
import { redactedPreview } from '../../audit/redact.js';

export const LogCodes = { AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE' } as const;

interface Pending {
  event: AuditEvent;
  apply: (() => void) | undefined;
  resolve: (r: AppendReceipt) => void;
  reject: (e: unknown) => void;
}

export interface SqliteLogOptions {
  /** Key for the HMAC digests of sensitive values (kept outside the database). */
  hmacKey: Buffer;
  now?: () => Date;
}

/** Synchronous reads of stored hashes: level 0 are leaves, higher levels complete subtrees. */
export interface NodeReader {
  getNode(level: number, index: number): Buffer | undefined;
}

export class SqliteLog implements AuditLog, NodeReader {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly now: () => Date;
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly options: SqliteLogOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.stmts = {
      size: db.prepare<[], { n: number }>('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM audit_entries'),
      insertEntry: db.prepare('INSERT INTO audit_entries (idx, leaf_hash, entry) VALUES (?, ?, ?)'),
      insertNode: db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)'),
      insertSecret: db.prepare('INSERT INTO audit_secrets (idx, field, value) VALUES (?, ?, ?)'),
      leaf: db.prepare<[number], { leaf_hash: Buffer }>('SELECT leaf_hash FROM audit_entries WHERE idx = ?'),
      node: db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?'),
      range: db.prepare<[number, number], { idx: number; leaf_hash: Buffer; entry: string }>(
        'SELECT idx, leaf_hash, entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx',
      ),
    };
  }

  append(event: AuditEvent, apply?: () => void): Promise<AppendReceipt> {
    if (this.closed) return Promise.reject(new WardenError(LogCodes.AUDIT_UNAVAILABLE, 'the audit log is closed'));
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
          for (const item of batch) {
            try {
              // A savepoint per item: a failing state change fails its own append only.
              const receipt = this.db.transaction(() => {
                item.apply?.();
                return this.write(size, item.event);
              })();
              size++;
              settled.push([item, receipt]);
            } catch (err) {
              settled.push([item, err instanceof Error ? err : new Error(String(err))]);
            }
          }
        })
        .immediate();
    } catch (err) {
      const failure = new WardenError(LogCodes.AUDIT_UNAVAILABLE, 'the audit log could not be written');
      failure.cause = err;
      for (const item of batch) item.reject(failure);
      return;
    }
    for (const [item, outcome] of settled) {
      if (outcome instanceof Error) item.reject(outcome);
      else item.resolve(outcome);
    }
  }

  private write(index: number, event: AuditEvent): AppendReceipt {
    const entry: AuditEntry = {
      v: 1,
      index,
      time: event.time ?? this.now().toISOString(),
      type: event.type,
      actor: event.actor,
      data: event.data,
    };
    if (event.subject !== undefined) entry.subject = event.subject;
    if (event.sensitive !== undefined) {
      entry.sensitive = {};
      for (const [field, value] of Object.entries(event.sensitive)) {
        const bytes = canonicalBytes(value);
        entry.sensitive[field] = {
          digest: createHmac('sha256', this.options.hmacKey).update(bytes).digest('base64'),
          preview: redactedPreview(value),
        };
        this.stmts.insertSecret.run(index, field, bytes.toString('utf8'));
      }
    }
    const bytes = canonicalBytes(entry);
    const hash = leafHash(bytes);
    this.stmts.insertEntry.run(index, hash, bytes.toString('utf8'));
    // Every complete subtree this leaf closes gets its hash stored: at most log2(n) rows.
    let level = 0;
    let i = index;
    let h = hash;
    while (i % 2 === 1) {
      const left = this.getNode(level, i - 1);
      if (!left) throw new Error(`audit tree is missing node ${level}/${i - 1}`);
      h = nodeHash(left, h);
      level++;
      i = (i - 1) / 2;
      this.stmts.insertNode.run(level, i, h);
    }
    return { index, leafHash: hash.toString('base64') };
  }

  getNode(level: number, index: number): Buffer | undefined {
    if (level === 0) return this.stmts.leaf.get(index)?.leaf_hash;
    return this.stmts.node.get(level, index)?.hash;
  }

  async size(): Promise<number> {
    return this.sizeSync();
  }

  sizeSync(): number {
    return this.stmts.size.get()?.n ?? 0;
  }

  async entries(start: number, end: number): Promise<StoredEntry[]> {
    return this.stmts.range.all(start, end).map((r) => ({
      index: r.idx,
      leafHash: r.leaf_hash.toString('base64'),
      entry: JSON.parse(r.entry) as AuditEntry,
    }));
  }

  /** Rejects new appends and commits what is queued. */
  close(): void {
    this.closed = true;
    this.flush();
  }
}

/**
 * The audit service Warden exposes as `warden.audit`: the log key, checkpoints, proofs,
 * entries and erasure of raw sensitive values, over the SQLite store. Routes and CLI
 * commands stay thin by calling only this.
 */
import { WardenError, CommonCodes } from '../errors.js';
import type { StoredEntry } from '../store/audit-types.js';
import type { Db } from '../store/sqlite/db.js';
import { SqliteCheckpoints, type StoredCheckpoint } from '../store/sqlite/checkpoints.js';
import type { RawEntry, SqliteLog } from '../store/sqlite/log.js';
import { Checkpointer } from './checkpointer.js';
import { outOfRange } from './errors.js';
import { loadLogKey, logOrigin, type LogKey } from './log-key.js';
import { consistencyProof, inclusionProof } from './tree.js';

export interface AuditServiceOptions {
  db: Db;
  log: SqliteLog;
  dataDir: string;
  /** `WARDEN_LOG_ORIGIN`; default `warden.local/<random id>`. */
  logOrigin?: string;
  masterKey?: string;
  checkpointIntervalMs: number;
  now?: () => Date;
  onError?: (err: unknown) => void;
}

export interface ErasureResult {
  /** Raw values removed. */
  erased: number;
  /** The `audit.erased` entry that records the erasure. */
  index: number;
}

export class AuditService {
  readonly key: LogKey;
  private readonly checkpoints: SqliteCheckpoints;
  private readonly checkpointer: Checkpointer;
  private readonly log: SqliteLog;
  private readonly now: () => Date;
  private readonly onError: ((err: unknown) => void) | undefined;
  private closed = false;

  constructor(options: AuditServiceOptions) {
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError;
    this.checkpoints = new SqliteCheckpoints(options.db);
    const origin = logOrigin(options.logOrigin, (key, make) => this.checkpoints.metaOrSet(key, make));
    this.key = loadLogKey(options.dataDir, origin, options.masterKey);
    this.checkpointer = new Checkpointer(options.db, options.log, this.checkpoints, this.key, {
      intervalMs: options.checkpointIntervalMs,
      now: this.now,
      onError: options.onError,
    });
  }

  /** Starts the checkpoint timer. */
  start(): void {
    this.checkpointer.start();
  }

  /**
   * Commits what is queued, signs a last checkpoint and stops the timer. The store is
   * closed by its owner afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.checkpointer.stop();
    this.log.close();
    try {
      this.checkpointer.checkpoint();
    } catch (err) {
      // The store must still close; the next start signs what this could not.
      this.onError?.(err);
    }
  }

  /**
   * A new signed checkpoint now if the tree grew since the latest one, else the latest.
   *
   * @example
   * (await warden.audit.checkpoint()).note; // 'warden.local/…\n42\n…\n\n— warden.local/… …\n'
   */
  async checkpoint(): Promise<StoredCheckpoint> {
    return this.checkpointer.checkpoint();
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.checkpointer.latest();
  }

  /** The checkpoint of exactly `size` leaves, if one was signed. */
  async checkpointAt(size: number): Promise<StoredCheckpoint | undefined> {
    return this.checkpoints.get(size);
  }

  /** The note verifier key string auditors pin. */
  logKey(): string {
    return this.key.vkey;
  }

  async size(): Promise<number> {
    return this.log.sizeSync();
  }

  /**
   * The RFC 9162 inclusion proof of leaf `index` in the tree of `treeSize` leaves.
   * Throws `OUT_OF_RANGE` unless index < treeSize <= the log's size.
   *
   * @example
   * const hashes = await warden.audit.inclusionProof(5, checkpoint.size);
   */
  async inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    this.assertWithinLog(treeSize, 'tree size');
    return inclusionProof(index, treeSize, this.log);
  }

  /**
   * The RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to`.
   * Throws `OUT_OF_RANGE` unless from <= to <= the log's size.
   */
  async consistencyProof(from: number, to: number): Promise<Buffer[]> {
    this.assertWithinLog(to, 'to');
    return consistencyProof(from, to, this.log);
  }

  /** Entries [start, end), parsed. */
  async entries(start: number, end: number): Promise<StoredEntry[]> {
    return this.log.entries(start, end);
  }

  /** Entries [start, end) with their exact leaf text. */
  rawEntries(start: number, end: number): RawEntry[] {
    return this.log.rawEntries(start, end);
  }

  /**
   * Removes the raw values of sensitive fields, of entries older than `before` (a date or
   * ISO time) or all, and records that as an `audit.erased` entry in the same
   * transaction. Leaves keep their digests: the tree and every proof stay valid.
   *
   * @example
   * await warden.audit.erase({ before: '2026-01-01' }, 'human:alice'); // { erased: 12, index: 4711 }
   */
  async erase(options: { before?: string }, actor: string): Promise<ErasureResult> {
    const before = options.before === undefined ? undefined : erasureCutoff(options.before);
    const time = this.now().toISOString();
    const data: { before: string | null; erased: number } = { before: before ?? null, erased: 0 };
    const receipt = await this.log.append({ type: 'audit.erased', actor, subject: 'audit:secrets', time, data }, () => {
      data.erased = this.log.eraseSecrets(time, before);
    });
    return { erased: data.erased, index: receipt.index };
  }

  private assertWithinLog(size: number, name: string): void {
    const logSize = this.log.sizeSync();
    if (Number.isSafeInteger(size) && size > logSize) {
      throw outOfRange(`${name} \`${size}\` is larger than the log (\`${logSize}\` entries)`);
    }
  }
}

/**
 * The ISO time of an erasure cutoff given as a date (`2026-01-31`, midnight UTC) or an
 * ISO time. Throws `INVALID_REQUEST` for anything else.
 *
 * @example
 * erasureCutoff('2026-01-31'); // '2026-01-31T00:00:00.000Z'
 */
export function erasureCutoff(before: string): string {
  const at = new Date(before);
  if (!/^\d{4}-\d{2}-\d{2}/.test(before) || Number.isNaN(at.getTime())) {
    throw new WardenError(CommonCodes.INVALID_REQUEST, `\`before\` must be a date such as \`2026-01-31\` or an ISO time, got \`${before.slice(0, 100)}\``);
  }
  return at.toISOString();
}

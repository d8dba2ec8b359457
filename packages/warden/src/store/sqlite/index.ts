/** Builds the SQLite store: one database file under the data directory. */
import type { Store } from '../types.js';
import { sqliteAgentStore } from './agents.js';
import { sqliteApprovalStore, sqliteBaselineStore, sqliteDecisionStore, sqliteDiscoveredStore, sqlitePolicyStore } from './decisions.js';
import { openDatabase, type Db } from './db.js';
import { sqliteCredentialStore, sqliteSigningKeyStore } from './identity.js';
import { sqliteKeyStore } from './keys.js';
import { SqliteLog } from './log.js';
import { stateRevisions } from './revision.js';
import { sqliteToolStore } from './tools.js';
import { DEFAULT_CHECKPOINTS, SQLITE_AUTOCHECKPOINT, type CheckpointDone, type CheckpointSettings } from './wal-checkpoints.js';
import { DecisionWriter } from './writer.js';

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  readonly db: Db;
  readonly log: SqliteLog;
  /** The writer thread that records decisions, when there is one. */
  readonly writer: DecisionWriter | undefined;
  /** Tells `listener` of each WAL checkpoint the checkpoint thread does; returns the unsubscribe. */
  observeCheckpoints(listener: (done: CheckpointDone) => void): () => void;
}

export interface SqliteStoreOptions {
  hmacKey: Buffer;
  now?: () => Date;
  /**
   * Record decisions from a worker thread with its own connection (writer.ts), so commits
   * and fsyncs leave the event loop. For a long-running server; not for `:memory:`.
   */
  writerThread?: boolean;
  /** Called once if the writer thread dies (decisions then fail closed). */
  onWriterFailure?: (err: unknown) => void;
  /**
   * With the writer thread, when its checkpoint thread copies the WAL back into the
   * database file (wal-checkpoints.ts); `false` leaves it to SQLite, in the commits.
   */
  checkpoints?: CheckpointSettings | false;
  /** Called if the checkpoint thread fails (SQLite then checkpoints in the commits again). */
  onCheckpointFailure?: (err: unknown) => void;
}

export function createSqliteStore(file: string, options: SqliteStoreOptions): SqliteStore {
  const db = openDatabase(file);
  const syncListeners = new Set<(seconds: number) => void>();
  const onSync = (seconds: number) => {
    for (const listener of syncListeners) listener(seconds);
  };
  const log = new SqliteLog(db, { hmacKey: options.hmacKey, ...(options.now ? { now: options.now } : {}), onSync });
  const ping = db.prepare('SELECT 1');
  const { revision, narrowing } = stateRevisions(db);
  const committedStmt = db.prepare<[string], { index: number; leafHash: Buffer }>(
    'SELECT d.log_index AS "index", e.leaf_hash AS leafHash FROM decisions d JOIN audit_entries e ON e.idx = d.log_index WHERE d.id = ?',
  );
  const committed = (ids: string[]) => {
    const found = new Map<string, { index: number; leafHash: string }>();
    for (const id of ids) {
      const row = committedStmt.get(id);
      if (row !== undefined) found.set(id, { index: row.index, leafHash: row.leafHash.toString('base64') });
    }
    if (found.size > 0) log.syncWal();
    return found;
  };
  const checkpoints = options.checkpoints ?? DEFAULT_CHECKPOINTS;
  const checkpointListeners = new Set<(done: CheckpointDone) => void>();
  const writer =
    options.writerThread === true && file !== ':memory:'
      ? new DecisionWriter(
          { file, hmacKey: options.hmacKey },
          {
            ...(options.onWriterFailure ? { onFailure: options.onWriterFailure } : {}),
            onSync,
            committed,
            checkpoints,
            onCheckpoint: (done) => {
              for (const listener of checkpointListeners) listener(done);
            },
            // SQLite's own checkpoints again, on this thread's commits too.
            onCheckpointsStopped: (err) => {
              if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
              if (err !== undefined) options.onCheckpointFailure?.(err);
            },
          },
        )
      : undefined;
  // The checkpoint thread copies the WAL back: this thread's commits, on the event loop,
  // checkpoint only past the backstop.
  if (writer?.checkpointer !== undefined && checkpoints !== false) db.pragma(`wal_autocheckpoint = ${checkpoints.backstopPages}`);
  return {
    kind: 'sqlite',
    db,
    log,
    writer,
    agents: sqliteAgentStore(db, log, revision),
    tools: sqliteToolStore(db, log, revision),
    keys: sqliteKeyStore(db, log),
    signingKeys: sqliteSigningKeyStore(db, log),
    credentials: sqliteCredentialStore(db, log, revision),
    decisions: sqliteDecisionStore(db, log, writer),
    approvals: sqliteApprovalStore(db, log),
    discovered: sqliteDiscoveredStore(db, writer?.seen),
    policies: sqlitePolicyStore(db, log),
    baselines: sqliteBaselineStore(db, writer?.putBaselines),
    revision,
    narrowing,
    observeSyncs(listener) {
      syncListeners.add(listener);
      return () => syncListeners.delete(listener);
    },
    observeCheckpoints(listener) {
      checkpointListeners.add(listener);
      return () => checkpointListeners.delete(listener);
    },
    async ping() {
      ping.get();
      writer?.check();
    },
    async close() {
      await writer?.close();
      log.close();
      db.close();
    },
  };
}

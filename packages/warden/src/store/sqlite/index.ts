/** Builds the SQLite store: one database file under the data directory. */
import type { Store } from '../types.js';
import { sqliteAgentStore } from './agents.js';
import { sqliteApprovalStore, sqliteBaselineStore, sqliteDecisionStore, sqliteDiscoveredStore, sqlitePolicyStore } from './decisions.js';
import { openDatabase, type Db } from './db.js';
import { sqliteCredentialStore, sqliteSigningKeyStore } from './identity.js';
import { sqliteKeyStore } from './keys.js';
import { SqliteLog } from './log.js';
import { stateRevision } from './revision.js';
import { sqliteToolStore } from './tools.js';

export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  readonly db: Db;
  readonly log: SqliteLog;
}

export function createSqliteStore(file: string, options: { hmacKey: Buffer; now?: () => Date }): SqliteStore {
  const db = openDatabase(file);
  const log = new SqliteLog(db, options);
  const ping = db.prepare('SELECT 1');
  const revision = stateRevision(db);
  return {
    kind: 'sqlite',
    db,
    log,
    agents: sqliteAgentStore(db, log, revision),
    tools: sqliteToolStore(db, log, revision),
    keys: sqliteKeyStore(db, log),
    signingKeys: sqliteSigningKeyStore(db, log),
    credentials: sqliteCredentialStore(db, log, revision),
    decisions: sqliteDecisionStore(db, log),
    approvals: sqliteApprovalStore(db, log),
    discovered: sqliteDiscoveredStore(db),
    policies: sqlitePolicyStore(db, log),
    baselines: sqliteBaselineStore(db),
    async ping() {
      ping.get();
    },
    async close() {
      log.close();
      db.close();
    },
  };
}

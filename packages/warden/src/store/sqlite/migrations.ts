/**
 * Versioned schema migrations, applied in order. Never edit a released migration: add one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin','approver','auditor','viewer')),
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner TEXT NOT NULL,
        description TEXT NOT NULL,
        scope TEXT NOT NULL,
        risk_tier TEXT NOT NULL,
        status TEXT NOT NULL,
        public_key TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_seen_at TEXT
      );
      CREATE TABLE tools (
        name TEXT PRIMARY KEY,
        categories TEXT NOT NULL,
        description TEXT NOT NULL,
        server TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'audit-log',
    sql: `
      CREATE TABLE audit_entries (
        idx INTEGER PRIMARY KEY,
        leaf_hash BLOB NOT NULL,
        entry TEXT NOT NULL
      );
      -- Hashes of complete subtrees (level >= 1) so roots and proofs read O(log n) rows.
      CREATE TABLE audit_nodes (
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, idx)
      ) WITHOUT ROWID;
      CREATE TABLE audit_checkpoints (
        size INTEGER PRIMARY KEY,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      -- Raw values of sensitive fields; erasable without touching the tree.
      CREATE TABLE audit_secrets (
        idx INTEGER NOT NULL,
        field TEXT NOT NULL,
        value TEXT,
        erased_at TEXT,
        PRIMARY KEY (idx, field)
      );
      CREATE TABLE audit_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];

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
  {
    version: 3,
    name: 'identity',
    sql: `
      -- Public halves of the token signing keys; the private halves are secret files.
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        public_jwk TEXT NOT NULL,
        created_at TEXT NOT NULL,
        retired_at TEXT
      );
      -- At most one active key, whatever process rotates.
      CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
      -- Every issued credential (never the token itself).
      CREATE TABLE credentials (
        jti TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('grant','client_credentials','exchange')),
        subject TEXT NOT NULL,
        agent TEXT NOT NULL,
        actors TEXT NOT NULL,
        parent TEXT,
        ancestors TEXT NOT NULL,
        scope TEXT NOT NULL,
        task_id TEXT NOT NULL,
        intent TEXT NOT NULL,
        depth INTEGER NOT NULL,
        max_depth INTEGER NOT NULL,
        kid TEXT NOT NULL,
        issued_by TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        revoked_reason TEXT
      );
      CREATE INDEX credentials_parent ON credentials (parent);
      CREATE INDEX credentials_live ON credentials (agent, expires_at) WHERE revoked_at IS NULL;
      -- Which agents act in which credentials: suspension revokes them all.
      CREATE TABLE credential_actors (
        agent_id TEXT NOT NULL,
        jti TEXT NOT NULL,
        PRIMARY KEY (agent_id, jti)
      ) WITHOUT ROWID;
      -- RFC 7523 assertion jtis, single-use until they expire.
      CREATE TABLE used_assertions (
        issuer TEXT NOT NULL,
        jti TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (issuer, jti)
      ) WITHOUT ROWID;
      CREATE INDEX used_assertions_expiry ON used_assertions (expires_at);
    `,
  },
  {
    version: 4,
    name: 'decisions',
    sql: `
      CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        agent TEXT NOT NULL,
        origin TEXT NOT NULL,
        chain TEXT NOT NULL,
        jti TEXT NOT NULL,
        tool TEXT NOT NULL,
        target TEXT,
        args_digest TEXT NOT NULL,
        decision TEXT NOT NULL,
        reasons TEXT NOT NULL,
        risk TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        determining TEXT NOT NULL,
        approval_id TEXT,
        policy_input TEXT,
        log_index INTEGER NOT NULL,
        outcome TEXT
      );
      CREATE INDEX decisions_time ON decisions (time);
      CREATE INDEX decisions_agent_time ON decisions (agent, time);
      CREATE INDEX decisions_tool_time ON decisions (tool, time);
      CREATE TABLE approvals (
        id TEXT PRIMARY KEY,
        decision_id TEXT NOT NULL,
        status TEXT NOT NULL,
        agent TEXT NOT NULL,
        origin TEXT NOT NULL,
        chain TEXT NOT NULL,
        tool TEXT NOT NULL,
        categories TEXT NOT NULL,
        target TEXT,
        args_digest TEXT NOT NULL,
        args_preview TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        reasons TEXT NOT NULL,
        risk TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        resolved_by TEXT,
        resolved_at TEXT,
        comment TEXT,
        used_at TEXT
      );
      CREATE INDEX approvals_status ON approvals (status, expires_at);
      CREATE INDEX approvals_call ON approvals (agent, tool, args_digest);
      CREATE TABLE policies (
        seq INTEGER PRIMARY KEY,
        version TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE TABLE discovered (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        detail TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        count INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: 'behavior',
    sql: `
      -- One learned baseline per agent (JSON, bounded in size whatever the history).
      CREATE TABLE baselines (
        agent TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'state-revision',
    // One counter that every change to a row the decision path reads bumps, in the same
    // transaction and whichever process makes it: while it stays the same, those rows may
    // be served from memory (see revision.ts). An agent's last-seen time is not such a row.
    sql: `
      CREATE TABLE state_revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
      INSERT INTO state_revision (id, n) VALUES (1, 0);
      CREATE TRIGGER agents_revision_insert AFTER INSERT ON agents BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER agents_revision_update AFTER UPDATE OF id, name, owner, description, scope, risk_tier, status, public_key, created_at, updated_at ON agents BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER agents_revision_delete AFTER DELETE ON agents BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER tools_revision_insert AFTER INSERT ON tools BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER tools_revision_update AFTER UPDATE ON tools BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER tools_revision_delete AFTER DELETE ON tools BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER credentials_revision_insert AFTER INSERT ON credentials BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER credentials_revision_update AFTER UPDATE ON credentials BEGIN UPDATE state_revision SET n = n + 1; END;
      CREATE TRIGGER credentials_revision_delete AFTER DELETE ON credentials BEGIN UPDATE state_revision SET n = n + 1; END;
    `,
  },
  {
    version: 7,
    name: 'approval-task',
    // An approval is bound to the task it was asked for in. Approvals from before this
    // version have none, and match no call: they are asked for again.
    sql: `
      ALTER TABLE approvals ADD COLUMN task TEXT;
    `,
  },
  {
    version: 8,
    name: 'narrowing-revision',
    // A second counter, moved by every change the first one counts except a credential
    // issued. A new token takes nothing away from any decision under way, so it must not
    // make those decisions start again (another agent minting tokens in a loop could
    // otherwise keep a victim's allows from being recorded). The first counter still moves
    // on issue: the caches remember "not found".
    sql: `
      ALTER TABLE state_revision ADD COLUMN narrowed INTEGER NOT NULL DEFAULT 0;
      DROP TRIGGER agents_revision_insert;
      DROP TRIGGER agents_revision_update;
      DROP TRIGGER agents_revision_delete;
      DROP TRIGGER tools_revision_insert;
      DROP TRIGGER tools_revision_update;
      DROP TRIGGER tools_revision_delete;
      DROP TRIGGER credentials_revision_update;
      DROP TRIGGER credentials_revision_delete;
      CREATE TRIGGER agents_revision_insert AFTER INSERT ON agents BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER agents_revision_update AFTER UPDATE OF id, name, owner, description, scope, risk_tier, status, public_key, created_at, updated_at ON agents BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER agents_revision_delete AFTER DELETE ON agents BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER tools_revision_insert AFTER INSERT ON tools BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER tools_revision_update AFTER UPDATE ON tools BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER tools_revision_delete AFTER DELETE ON tools BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER credentials_revision_update AFTER UPDATE ON credentials BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
      CREATE TRIGGER credentials_revision_delete AFTER DELETE ON credentials BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
    `,
  },
  {
    version: 9,
    name: 'agent-groups',
    // The groups an agent belongs to: Cedar's `principal in Warden::Group::"…"`. A change
    // of groups moves both counters, as any other change of an agent does: leaving a group
    // can take away what a policy allowed it, joining one can bring in a forbid.
    sql: `
      ALTER TABLE agents ADD COLUMN group_ids TEXT NOT NULL DEFAULT '[]';
      DROP TRIGGER agents_revision_update;
      CREATE TRIGGER agents_revision_update AFTER UPDATE OF id, name, owner, description, scope, group_ids, risk_tier, status, public_key, created_at, updated_at ON agents BEGIN UPDATE state_revision SET n = n + 1, narrowed = narrowed + 1; END;
    `,
  },
];

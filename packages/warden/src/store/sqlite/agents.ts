/** SQLite implementation of the agent registry. */
import type { AuditLog, AuditEvent, AppendReceipt } from '../audit-types.js';
import type { Agent, AgentStore } from '../types.js';
import type { Db } from './db.js';
import { RevisionCache } from './revision.js';
import { deepFreeze } from '../../util.js';

interface AgentRow {
  id: string;
  name: string;
  owner: string;
  description: string;
  scope: string;
  group_ids: string;
  risk_tier: Agent['riskTier'];
  status: Agent['status'];
  public_key: string | null;
  created_at: string;
  updated_at: string;
  last_seen_at: string | null;
}

function fromRow(r: AgentRow): Agent {
  return {
    id: r.id,
    name: r.name,
    owner: r.owner,
    description: r.description,
    scope: JSON.parse(r.scope) as string[],
    groups: JSON.parse(r.group_ids) as string[],
    riskTier: r.risk_tier,
    status: r.status,
    publicKey: r.public_key === null ? null : (JSON.parse(r.public_key) as Agent['publicKey']),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastSeenAt: r.last_seen_at,
  };
}

function toParams(a: Agent): Record<string, unknown> {
  return {
    id: a.id,
    name: a.name,
    owner: a.owner,
    description: a.description,
    scope: JSON.stringify(a.scope),
    group_ids: JSON.stringify(a.groups),
    risk_tier: a.riskTier,
    status: a.status,
    public_key: a.publicKey === null ? null : JSON.stringify(a.publicKey),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    last_seen_at: a.lastSeenAt,
  };
}

export function sqliteAgentStore(db: Db, log: AuditLog, revision: () => number): AgentStore {
  const cache = new RevisionCache<Agent | undefined>(revision);
  const getStmt = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ?');
  const listStmt = db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY id');
  const insertStmt = db.prepare(`INSERT INTO agents
    (id, name, owner, description, scope, group_ids, risk_tier, status, public_key, created_at, updated_at, last_seen_at)
    VALUES (@id, @name, @owner, @description, @scope, @group_ids, @risk_tier, @status, @public_key, @created_at, @updated_at, @last_seen_at)`);
  const updateStmt = db.prepare(`UPDATE agents SET name=@name, owner=@owner, description=@description, scope=@scope, group_ids=@group_ids,
    risk_tier=@risk_tier, status=@status, public_key=@public_key, updated_at=@updated_at WHERE id=@id`);

  return {
    async get(id) {
      const row = getStmt.get(id);
      return row && fromRow(row);
    },
    async lookup(id) {
      return cache.get(id, () => {
        const row = getStmt.get(id);
        return row && deepFreeze(fromRow(row));
      });
    },
    async list() {
      return listStmt.all().map(fromRow);
    },
    insert(agent: Agent, event: AuditEvent): Promise<AppendReceipt> {
      return log.append(event, () => insertStmt.run(toParams(agent)));
    },
    update(agent: Agent, event: AuditEvent): Promise<AppendReceipt> {
      return log.append(event, () => {
        if (updateStmt.run(toParams(agent)).changes !== 1) throw new Error(`agent ${agent.id} vanished`);
      });
    },
  };
}

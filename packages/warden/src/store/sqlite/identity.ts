/**
 * SQLite implementation of the identity stores: signing key records, issued credentials,
 * used client-assertion jtis.
 *
 * `status()` is on the path of every verification, cached token or not, so it is one
 * prepared statement over primary keys: the token, its ancestors (from its own row's
 * `ancestors` list) and the agents of its chain. Its answers are kept in memory only while
 * the state revision (revision.ts) is unchanged: a revocation or suspension, by this
 * process or another (the CLI revoking while the server runs), moves that counter in the
 * same transaction, so it is seen on the very next call.
 */
import { CommonCodes, WardenError } from '../../errors.js';
import type { AppendReceipt, AuditEvent, AuditLog } from '../audit-types.js';
import type {
  ConsumedAssertion,
  CredentialRecord,
  CredentialStatus,
  CredentialStore,
  SigningKeyRecord,
  SigningKeyStore,
} from '../identity-types.js';
import type { PublicJwk } from '../types.js';
import type { Db } from './db.js';
import { RevisionCache } from './revision.js';

interface KeyRow {
  kid: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
}

const keyFromRow = (r: KeyRow): SigningKeyRecord => ({
  kid: r.kid,
  publicJwk: JSON.parse(r.public_jwk) as PublicJwk,
  createdAt: r.created_at,
  retiredAt: r.retired_at,
});

export function sqliteSigningKeyStore(db: Db, log: AuditLog): SigningKeyStore {
  const activeStmt = db.prepare<[], KeyRow>('SELECT * FROM signing_keys WHERE retired_at IS NULL');
  const getStmt = db.prepare<[string], KeyRow>('SELECT * FROM signing_keys WHERE kid = ?');
  const listStmt = db.prepare<[], KeyRow>('SELECT * FROM signing_keys ORDER BY created_at, kid');
  const retireStmt = db.prepare('UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL');
  const insertStmt = db.prepare('INSERT INTO signing_keys (kid, public_jwk, created_at, retired_at) VALUES (?, ?, ?, NULL)');
  return {
    async active() {
      const r = activeStmt.get();
      return r && keyFromRow(r);
    },
    async get(kid) {
      const r = getStmt.get(kid);
      return r && keyFromRow(r);
    },
    async list() {
      return listStmt.all().map(keyFromRow);
    },
    activate(key, replaces, event) {
      return log.append(event, () => {
        const current = activeStmt.get();
        if ((current?.kid ?? null) !== replaces) {
          throw new WardenError(CommonCodes.CONFLICT, 'the active signing key changed meanwhile');
        }
        if (replaces !== null) retireStmt.run(key.createdAt, replaces);
        insertStmt.run(key.kid, JSON.stringify(key.publicJwk), key.createdAt);
      });
    },
  };
}

interface CredentialRow {
  jti: string;
  kind: CredentialRecord['kind'];
  subject: string;
  agent: string;
  actors: string;
  parent: string | null;
  ancestors: string;
  scope: string;
  task_id: string;
  intent: string;
  depth: number;
  max_depth: number;
  kid: string;
  issued_by: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

const credentialFromRow = (r: CredentialRow): CredentialRecord => ({
  jti: r.jti,
  kind: r.kind,
  subject: r.subject,
  agent: r.agent,
  actors: JSON.parse(r.actors) as string[],
  parent: r.parent,
  ancestors: JSON.parse(r.ancestors) as string[],
  scope: JSON.parse(r.scope) as string[],
  taskId: r.task_id,
  intent: r.intent,
  depth: r.depth,
  maxDepth: r.max_depth,
  kid: r.kid,
  issuedBy: r.issued_by,
  issuedAt: r.issued_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
});

const AGENT_PREFIX = 'agent:';

export function sqliteCredentialStore(db: Db, log: AuditLog, revision: () => number): CredentialStore {
  const statusCache = new RevisionCache<CredentialStatus>(revision);
  const getStmt = db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE jti = ?');
  const insertStmt = db.prepare(`INSERT INTO credentials
    (jti, kind, subject, agent, actors, parent, ancestors, scope, task_id, intent, depth, max_depth, kid, issued_by, issued_at, expires_at)
    VALUES (@jti, @kind, @subject, @agent, @actors, @parent, @ancestors, @scope, @taskId, @intent, @depth, @maxDepth, @kid, @issuedBy, @issuedAt, @expiresAt)`);
  const insertActorStmt = db.prepare('INSERT OR IGNORE INTO credential_actors (agent_id, jti) VALUES (?, ?)');
  const consumeStmt = db.prepare('INSERT OR IGNORE INTO used_assertions (issuer, jti, expires_at) VALUES (?, ?, ?)');
  const usedStmt = db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM used_assertions WHERE issuer = ? AND jti = ?');
  const pruneStmt = db.prepare('DELETE FROM used_assertions WHERE expires_at < ?');
  // One read for the hot path: kind 'c' rows are the token (is_self = 1) and its
  // ancestors, kind 'a' rows the agents of the chain.
  const statusStmt = db.prepare<[string, string, string], { kind: 'c' | 'a'; id: string; value: string | null; is_self: number }>(`
    SELECT 'c' AS kind, jti AS id, revoked_at AS value, 1 AS is_self FROM credentials WHERE jti = ?
    UNION ALL
    SELECT 'c', c.jti, c.revoked_at, 0
      FROM json_each((SELECT ancestors FROM credentials WHERE jti = ?)) AS a
      JOIN credentials AS c ON c.jti = a.value
    UNION ALL
    SELECT 'a', g.id, g.status, 0 FROM json_each(?) AS x JOIN agents AS g ON g.id = x.value`);
  const lineageStmt = db.prepare<[string], CredentialRow>(`
    WITH RECURSIVE lineage(jti) AS (
      SELECT ? UNION SELECT c.jti FROM credentials AS c JOIN lineage AS l ON c.parent = l.jti
    )
    SELECT c.* FROM credentials AS c JOIN lineage AS l ON c.jti = l.jti WHERE c.revoked_at IS NULL ORDER BY c.depth, c.jti`);
  const byActorStmt = db.prepare<[string, string], CredentialRow>(`
    SELECT c.* FROM credential_actors AS ca JOIN credentials AS c ON c.jti = ca.jti
    WHERE ca.agent_id = ? AND c.revoked_at IS NULL AND c.expires_at > ? ORDER BY c.depth, c.jti`);
  const liveStmt = db.prepare<[string], CredentialRow>(
    'SELECT * FROM credentials WHERE revoked_at IS NULL AND expires_at > ? ORDER BY agent, expires_at, jti',
  );
  const liveForStmt = db.prepare<[string, string], CredentialRow>(
    'SELECT * FROM credentials WHERE revoked_at IS NULL AND expires_at > ? AND agent = ? ORDER BY expires_at, jti',
  );
  const revokeStmt = db.prepare('UPDATE credentials SET revoked_at = ?, revoked_reason = ? WHERE jti = ? AND revoked_at IS NULL');

  return {
    async get(jti) {
      const r = getStmt.get(jti);
      return r && credentialFromRow(r);
    },
    insert(record: CredentialRecord, event: AuditEvent, consume?: ConsumedAssertion): Promise<AppendReceipt> {
      return log.append(event, () => {
        if (consume && consumeStmt.run(consume.issuer, consume.jti, consume.expiresAt).changes !== 1) {
          throw new WardenError(CommonCodes.CONFLICT, `assertion \`${consume.jti}\` was already used`);
        }
        insertStmt.run({
          ...record,
          actors: JSON.stringify(record.actors),
          ancestors: JSON.stringify(record.ancestors),
          scope: JSON.stringify(record.scope),
        });
        for (const actor of record.actors) {
          if (actor.startsWith(AGENT_PREFIX)) insertActorStmt.run(actor.slice(AGENT_PREFIX.length), record.jti);
        }
      });
    },
    async assertionUsed(issuer, jti) {
      return usedStmt.get(issuer, jti) !== undefined;
    },
    async pruneAssertions(before) {
      return pruneStmt.run(before).changes;
    },
    async status(jti, agentIds): Promise<CredentialStatus> {
      const agents = JSON.stringify(agentIds);
      return statusCache.get(`${jti} ${agents}`, () => {
        let self: CredentialStatus['self'];
        const ancestors = new Map<string, string | null>();
        const statuses = new Map<string, string>();
        for (const row of statusStmt.all(jti, jti, agents)) {
          if (row.kind === 'a') statuses.set(row.id, row.value ?? '');
          else if (row.is_self === 1) self = row.value;
          else ancestors.set(row.id, row.value);
        }
        return { self, ancestors, agents: statuses };
      });
    },
    async unrevokedLineage(jti) {
      return lineageStmt.all(jti).map(credentialFromRow);
    },
    async liveByActor(agentId, now) {
      return byActorStmt.all(agentId, now).map(credentialFromRow);
    },
    async live(now, agentId) {
      return (agentId === undefined ? liveStmt.all(now) : liveForStmt.all(now, agentId)).map(credentialFromRow);
    },
    revoke(jtis, at, reason, event) {
      return log.append(event, () => {
        for (const jti of jtis) revokeStmt.run(at, reason, jti);
      });
    },
  };
}

/** SQLite implementation of human API key records (hashes only). */
import type { AuditLog } from '../audit-types.js';
import type { ApiKeyRecord, ApiKeyStore } from '../types.js';
import type { Db } from './db.js';

interface KeyRow {
  id: string;
  owner: string;
  role: ApiKeyRecord['role'];
  hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

const fromRow = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  owner: r.owner,
  role: r.role,
  hash: r.hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export function sqliteKeyStore(db: Db, log: AuditLog): ApiKeyStore {
  const byHash = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE hash = ?');
  const byId = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?');
  const listStmt = db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  const countStmt = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM api_keys');
  const insertStmt = db.prepare(`INSERT INTO api_keys (id, owner, role, hash, created_at, expires_at, revoked_at)
    VALUES (@id, @owner, @role, @hash, @createdAt, @expiresAt, @revokedAt)`);
  const revokeStmt = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  return {
    async findByHash(hash) {
      const r = byHash.get(hash);
      return r && fromRow(r);
    },
    async get(id) {
      const r = byId.get(id);
      return r && fromRow(r);
    },
    async list() {
      return listStmt.all().map(fromRow);
    },
    async count() {
      return countStmt.get()?.n ?? 0;
    },
    insert(key, event) {
      return log.append(event, () => insertStmt.run(key));
    },
    revoke(id, at, event) {
      return log.append(event, () => revokeStmt.run(at, id));
    },
  };
}

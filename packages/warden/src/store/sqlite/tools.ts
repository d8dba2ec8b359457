/** SQLite implementation of the tool catalog. */
import type { AuditLog } from '../audit-types.js';
import type { Tool, ToolStore } from '../types.js';
import type { Db } from './db.js';
import { RevisionCache } from './revision.js';
import { deepFreeze } from '../../util.js';

interface ToolRow {
  name: string;
  categories: string;
  description: string;
  server: string;
  source: Tool['source'];
  updated_at: string;
}

const fromRow = (r: ToolRow): Tool => ({
  name: r.name,
  categories: JSON.parse(r.categories) as string[],
  description: r.description,
  server: r.server,
  source: r.source,
  updatedAt: r.updated_at,
});

export function sqliteToolStore(db: Db, log: AuditLog, revision: () => number): ToolStore {
  // Every decision reads its tool: from memory while no process has changed the catalog.
  const cache = new RevisionCache<Tool | undefined>(revision);
  const getStmt = db.prepare<[string], ToolRow>('SELECT * FROM tools WHERE name = ?');
  const listStmt = db.prepare<[], ToolRow>('SELECT * FROM tools ORDER BY name');
  const upsertStmt = db.prepare(`INSERT INTO tools (name, categories, description, server, source, updated_at)
    VALUES (@name, @categories, @description, @server, @source, @updated_at)
    ON CONFLICT(name) DO UPDATE SET categories=excluded.categories, description=excluded.description,
      server=excluded.server, source=excluded.source, updated_at=excluded.updated_at`);
  return {
    async get(name) {
      return cache.get(name, () => {
        const row = getStmt.get(name);
        return row && deepFreeze(fromRow(row));
      });
    },
    async list() {
      return listStmt.all().map(fromRow);
    },
    upsert(tool, event) {
      return log.append(event, () =>
        upsertStmt.run({
          name: tool.name,
          categories: JSON.stringify(tool.categories),
          description: tool.description,
          server: tool.server,
          source: tool.source,
          updated_at: tool.updatedAt,
        }),
      );
    },
  };
}

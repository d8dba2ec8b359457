/**
 * The audit log over HTTP: the signed checkpoint and the log key for anyone, RFC 9162
 * proofs for anyone, and the entries themselves for auditors. Out-of-range sizes and
 * indexes are 400 `OUT_OF_RANGE`, never a 500.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuditCodes, outOfRange } from '../../audit/errors.js';
import { LOG_STATUSES } from '../../store/sqlite/log.js';
import type { Warden } from '../../warden.js';
import { requireHuman } from '../auth.js';
import { parseWith, registerStatuses } from '../errors.js';

/** Entries per page of `GET /v1/audit/entries`. */
export const MAX_ENTRIES_PAGE = 1000;

const count = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a whole number')
  .transform(Number)
  .refine(Number.isSafeInteger, 'must be a whole number below 2^53');

const EntriesQuery = z.object({ start: count.optional(), end: count.optional() }).strict();
const InclusionQuery = z.object({ index: count, treeSize: count }).strict();
const ConsistencyQuery = z.object({ from: count, to: count }).strict();

const b64 = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('base64'));

export function auditRoutes(app: FastifyInstance, warden: Warden): void {
  registerStatuses({ ...LOG_STATUSES, [AuditCodes.OUT_OF_RANGE]: 400, [AuditCodes.NODE_MISSING]: 500 });

  app.get('/v1/audit/checkpoint', async (_request, reply) => {
    const latest = (await warden.audit.latestCheckpoint()) ?? (await warden.audit.checkpoint());
    reply.type('text/plain; charset=utf-8').header('cache-control', 'no-cache');
    return latest.note;
  });

  app.get('/v1/audit/log-key', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    return warden.audit.logKey();
  });

  app.get('/v1/audit/entries', async (request, reply) => {
    await requireHuman(warden.keys, request, 'auditor');
    const { start = 0, end } = parseWith(EntriesQuery, request.query, 'query');
    const size = await warden.audit.size();
    if (start > size) throw outOfRange(`start \`${start}\` is past the end of the log (\`${size}\` entries)`);
    if (end !== undefined && end < start) throw outOfRange(`end \`${end}\` is before start \`${start}\``);
    const last = Math.min(end ?? size, size);
    const pageEnd = Math.min(last, start + MAX_ENTRIES_PAGE);
    // The stored leaf text is sent as is: the client's canonical bytes of `entry` are the leaf.
    const items = warden.audit
      .rawEntries(start, pageEnd)
      .map((r) => `{"index":${r.index},"leafHash":"${r.leafHash.toString('base64')}","entry":${r.text}}`);
    const next = pageEnd < last ? `,"next":${pageEnd}` : '';
    reply.type('application/json; charset=utf-8');
    return `{"entries":[${items.join(',')}]${next}}`;
  });

  app.get('/v1/audit/proof/inclusion', async (request) => {
    const { index, treeSize } = parseWith(InclusionQuery, request.query, 'query');
    return { index, treeSize, hashes: b64(await warden.audit.inclusionProof(index, treeSize)) };
  });

  app.get('/v1/audit/proof/consistency', async (request) => {
    const { from, to } = parseWith(ConsistencyQuery, request.query, 'query');
    return { from, to, hashes: b64(await warden.audit.consistencyProof(from, to)) };
  });
}

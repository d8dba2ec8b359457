/**
 * `warden audit verify --url`: checks a running server's log from the outside, with
 * nothing but HTTP. Fetches the signed checkpoint, checks its signature with the pinned
 * verifier key (or, weaker, the key the server itself serves), pages through every entry
 * recomputing leaves and the root, and compares. With the checkpoint saved by an earlier
 * run it also proves that the log only grew since (recomputed root at the old size, and
 * the server's RFC 9162 consistency proof).
 */
import { WardenError } from '../errors.js';
import { canonicalBytes } from './canonical.js';
import { openCheckpoint } from './checkpoint.js';
import type { Checkpoint } from './checkpoint.js';
import { Frontier } from './frontier.js';
import { verifierFor } from './log-key.js';
import { leafHash } from './merkle.js';
import { decodeBase64, parseVerifierKey } from './note.js';
import type { NoteVerifier } from './note.js';
import { verifyConsistency } from './verify.js';
import { VerifyProblems } from './verify-log.js';
import type { KeySource, VerifyFailure, VerifyProblem, VerifyResult } from './verify-log.js';

export const RemoteCodes = { REMOTE_ERROR: 'REMOTE_ERROR' } as const;

export interface RemoteVerifyOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7700`. */
  url: string;
  /** An auditor's API key (`wk_…`): `GET /v1/audit/entries` needs one. */
  apiKey?: string;
  /** The published verifier key; without it the server's own key is used (weaker). */
  logKey?: string;
  /** A signed checkpoint kept from an earlier run: the log must have grown from it. */
  previousCheckpoint?: string;
  onProgress?: (done: number, total: number) => void;
  fetch?: typeof fetch;
}

export type RemoteVerifyResult = VerifyResult & {
  /** The server's signed checkpoint that was verified (to keep for the next run). */
  checkpointNote?: string;
};

interface EntryPage {
  entries: Array<{ index: number; leafHash: string; entry: unknown }>;
  next?: number;
}

class Mismatch extends Error {
  constructor(readonly failure: VerifyFailure) {
    super(failure.problem);
  }
}

const fail = (index: number, code: VerifyProblem, problem: string, checkpoint?: number): never => {
  throw new Mismatch({ ok: false, index, code, problem, ...(checkpoint === undefined ? {} : { checkpoint }) });
};

/**
 * Verifies the log of the Warden server at `options.url`.
 *
 * @example
 * const r = await verifyRemoteLog({ url, apiKey, logKey: pinnedVkey, previousCheckpoint: saved });
 * if (r.ok) saved = r.checkpointNote;
 */
export async function verifyRemoteLog(options: RemoteVerifyOptions): Promise<RemoteVerifyResult> {
  const get = client(options);
  let keySource: KeySource = 'provided';
  let vkey = options.logKey?.trim();
  if (vkey === undefined) {
    vkey = (await get('/v1/audit/log-key', 'text')).trim();
    keySource = 'server';
  }
  const verifier = parseVerifierKey(vkey);
  const note = await get('/v1/audit/checkpoint', 'text');
  try {
    const head = open(note, verifier, 'the server');
    const previous = options.previousCheckpoint === undefined ? undefined : open(options.previousCheckpoint, verifier, 'the previous');
    if (previous !== undefined && previous.size > head.size) {
      fail(head.size, VerifyProblems.CHECKPOINT_BEYOND_LOG, `the log shrank: the previous checkpoint has \`${previous.size}\` entries, the server's \`${head.size}\``, previous.size);
    }
    const frontier = new Frontier();
    const compareWithPrevious = () => {
      if (previous !== undefined && frontier.size === previous.size && !frontier.root().equals(previous.root)) {
        fail(0, VerifyProblems.ROOT_MISMATCH, `entries \`0\` to \`${previous.size - 1}\` do not match the root of the previous checkpoint`, previous.size);
      }
    };
    compareWithPrevious();
    while (frontier.size < head.size) {
      const start = frontier.size;
      const page = JSON.parse(await get(`/v1/audit/entries?start=${start}&end=${head.size}`, 'text')) as EntryPage;
      if (!Array.isArray(page.entries) || page.entries.length === 0) {
        fail(start, VerifyProblems.ENTRY_MISSING, `the server returned no entry \`${start}\` below its checkpoint size \`${head.size}\``);
      }
      for (const item of page.entries) {
        checkEntry(item, frontier);
        compareWithPrevious();
        if (frontier.size === head.size) break;
      }
      options.onProgress?.(frontier.size, head.size);
    }
    const from = previous?.size ?? 0;
    if (!frontier.root().equals(head.root)) {
      fail(from, VerifyProblems.ROOT_MISMATCH, `entries \`${from}\` to \`${head.size - 1}\` do not match the root signed by the checkpoint of size \`${head.size}\``, head.size);
    }
    if (previous !== undefined) {
      const proof = JSON.parse(await get(`/v1/audit/proof/consistency?from=${previous.size}&to=${head.size}`, 'text')) as { hashes?: unknown };
      const hashes = Array.isArray(proof.hashes) ? proof.hashes.map((h) => (typeof h === 'string' ? decodeBase64(h) : undefined)) : [];
      if (hashes.some((h) => h === undefined) || !verifyConsistency(previous.size, head.size, hashes as Buffer[], previous.root, head.root)) {
        fail(from, VerifyProblems.INCONSISTENT, `the server's consistency proof from size \`${previous.size}\` to \`${head.size}\` does not verify`, head.size);
      }
    }
    return {
      ok: true,
      entries: head.size,
      checkpoints: previous === undefined ? 1 : 2,
      latest: { size: head.size, root: head.root.toString('base64'), note },
      unsigned: 0,
      keySource,
      checkpointNote: note,
    };
  } catch (err) {
    if (err instanceof Mismatch) return err.failure;
    throw err;
  }
}

function checkEntry(item: EntryPage['entries'][number], frontier: Frontier): void {
  const position = frontier.size;
  if (item?.index !== position) {
    fail(position, VerifyProblems.ENTRY_MISSING, `the server returned entry \`${String(item?.index)}\` where entry \`${position}\` belongs`);
  }
  let bytes: Buffer;
  try {
    bytes = canonicalBytes(item.entry);
  } catch {
    return fail(position, VerifyProblems.ENTRY_NOT_CANONICAL, `entry \`${position}\` is not plain JSON`);
  }
  if ((item.entry as { index?: unknown } | null)?.index !== position) {
    fail(position, VerifyProblems.INDEX_MISMATCH, `entry at position \`${position}\` says it is entry \`${String((item.entry as { index?: unknown } | null)?.index)}\``);
  }
  const leaf = leafHash(bytes);
  const claimed = typeof item.leafHash === 'string' ? decodeBase64(item.leafHash) : undefined;
  if (claimed === undefined || !leaf.equals(claimed)) {
    fail(position, VerifyProblems.LEAF_MISMATCH, `the leaf hash the server gives for entry \`${position}\` does not match its content`);
  }
  frontier.append(leaf);
}

/** Opens a signed checkpoint with `verifier`'s key under the checkpoint's own origin. */
function open(note: string, verifier: NoteVerifier, which: string): Checkpoint {
  const origin = note.slice(0, Math.max(0, note.indexOf('\n')));
  try {
    const key = origin === verifier.name ? verifier : verifierFor(origin, verifier.publicKey);
    return openCheckpoint(note, key);
  } catch (err) {
    const size = Number(note.split('\n')[1]);
    const at = Number.isSafeInteger(size) && size > 0 ? size - 1 : 0;
    const why = err instanceof Error ? err.message : String(err);
    return fail(at, VerifyProblems.CHECKPOINT_SIGNATURE, `${which} checkpoint does not verify with the log key (${why})`);
  }
}

function client(options: RemoteVerifyOptions): (path: string, as: 'text') => Promise<string> {
  const doFetch = options.fetch ?? fetch;
  const base = options.url.replace(/\/+$/, '');
  return async (path) => {
    const headers: Record<string, string> = {};
    if (options.apiKey !== undefined && path.startsWith('/v1/audit/entries')) headers.authorization = `Bearer ${options.apiKey}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { headers });
    } catch (err) {
      throw new WardenError(RemoteCodes.REMOTE_ERROR, `cannot reach \`${base}\`: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = '';
      try {
        detail = `: ${(JSON.parse(text) as { error?: { message?: string } }).error?.message ?? ''}`;
      } catch {
        // not a Warden error body
      }
      throw new WardenError(RemoteCodes.REMOTE_ERROR, `\`GET ${path.split('?')[0]}\` answered ${res.status}${detail}`);
    }
    return text;
  };
}

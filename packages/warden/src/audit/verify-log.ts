/**
 * `warden audit verify` on a data directory: recomputes every leaf from the stored entry
 * text and the whole tree from the leaves, compares each with what the database stores,
 * and checks every signed checkpoint (signature, root at its size, consistency with the
 * one before). Stops at the first mismatch and names the index.
 *
 * The database is opened read-only and read in chunks inside one read transaction, so a
 * running server can go on appending, and memory stays O(chunk + log n) however long
 * the log (the tree is rebuilt with a `Frontier`, not kept).
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { WardenError } from '../errors.js';
import type { Db } from '../store/sqlite/db.js';
import { openReadOnlyDatabase, sqliteHashReader } from '../store/sqlite/readonly.js';
import { canonicalText } from './canonical.js';
import { parseCheckpoint } from './checkpoint.js';
import { Frontier } from './frontier.js';
import { logKeyPath, readLogPublicKey, verifierFor } from './log-key.js';
import { leafHashOfText } from './merkle.js';
import { parseVerifierKey, verifyNote } from './note.js';
import type { NoteVerifier } from './note.js';
import { consistencyProof } from './tree.js';
import { verifyConsistency } from './verify.js';

/** What a failed verification names. */
export const VerifyProblems = {
  ENTRY_MISSING: 'ENTRY_MISSING',
  ENTRY_NOT_JSON: 'ENTRY_NOT_JSON',
  ENTRY_NOT_CANONICAL: 'ENTRY_NOT_CANONICAL',
  INDEX_MISMATCH: 'INDEX_MISMATCH',
  LEAF_MISMATCH: 'LEAF_MISMATCH',
  NODE_MISMATCH: 'NODE_MISMATCH',
  NODE_MISSING: 'NODE_MISSING',
  EXTRA_NODE: 'EXTRA_NODE',
  CHECKPOINT_MALFORMED: 'CHECKPOINT_MALFORMED',
  CHECKPOINT_SIGNATURE: 'CHECKPOINT_SIGNATURE',
  CHECKPOINT_MISMATCH: 'CHECKPOINT_MISMATCH',
  CHECKPOINT_BEYOND_LOG: 'CHECKPOINT_BEYOND_LOG',
  ROOT_MISMATCH: 'ROOT_MISMATCH',
  INCONSISTENT: 'INCONSISTENT',
} as const;
export type VerifyProblem = (typeof VerifyProblems)[keyof typeof VerifyProblems];

export const VerifyCodes = { LOG_KEY_MISSING: 'LOG_KEY_MISSING' } as const;

/** Which key the checkpoint signatures were checked against. */
export type KeySource = 'provided' | 'data-dir' | 'server';

export interface VerifyOk {
  ok: true;
  entries: number;
  checkpoints: number;
  /** The latest checkpoint verified. */
  latest?: { size: number; root: string; note: string };
  /** Entries after the latest checkpoint: verified, but not signed yet. */
  unsigned: number;
  keySource: KeySource;
}

export interface VerifyFailure {
  ok: false;
  /**
   * The entry the problem is at: the entry itself, the first entry a checkpoint's root
   * disagrees about, or the first entry missing from the end.
   */
  index: number;
  code: VerifyProblem;
  problem: string;
  /** The tree size of the checkpoint concerned, if any. */
  checkpoint?: number;
}

export type VerifyResult = VerifyOk | VerifyFailure;

export interface VerifyOptions {
  /** The published verifier key (`<name>+<id>+<key>`); default the data directory's own key. */
  logKey?: string;
  /** To read an encrypted key file. */
  masterKey?: string;
  /**
   * A signed checkpoint kept from an earlier run: the log must still hold exactly the
   * entries it signed (catches a log cut back together with its checkpoints).
   */
  previousCheckpoint?: string;
  /** Called after each chunk with entries done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Entries per read; default 8192. */
  chunk?: number;
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
 * Verifies the audit log of the data directory `dataDir`, opened read-only.
 *
 * @example
 * const result = await verifyLocalLog('./.warden', { logKey: publishedVkey });
 * if (!result.ok) console.error(`index ${result.index}: ${result.problem}`);
 */
export async function verifyLocalLog(dataDir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  let publicKey: KeyObject;
  let keySource: KeySource;
  let given: NoteVerifier | undefined;
  if (options.logKey !== undefined) {
    given = parseVerifierKey(options.logKey.trim());
    publicKey = given.publicKey;
    keySource = 'provided';
  } else {
    const own = readLogPublicKey(dataDir, options.masterKey);
    if (own === undefined) {
      throw new WardenError(VerifyCodes.LOG_KEY_MISSING, `no log key at \`${logKeyPath(dataDir)}\`: pass the published verifier key with \`--log-key\``);
    }
    publicKey = own;
    keySource = 'data-dir';
  }
  const db = openReadOnlyDatabase(join(dataDir, 'warden.db'));
  try {
    // One read transaction: every chunk sees the same snapshot while a server appends.
    db.exec('BEGIN');
    const run = new Run(db, publicKey, given, options);
    try {
      if (options.previousCheckpoint !== undefined) run.expect(options.previousCheckpoint);
      return { ...(await run.all()), keySource };
    } catch (err) {
      if (err instanceof Mismatch) return err.failure;
      throw err;
    } finally {
      db.exec('COMMIT');
    }
  } finally {
    db.close();
  }
}

interface CheckpointRow {
  size: number;
  root: Buffer;
  note: string;
}

/** One verification pass over one database snapshot. */
class Run {
  private readonly frontier = new Frontier();
  private readonly verifiers = new Map<string, NoteVerifier>();
  private readonly stmts;
  private readonly reader;
  private readonly chunk: number;
  private pending: CheckpointRow[] = [];
  private pendingFrom = -1;
  private previous: CheckpointRow | undefined;
  private checked = 0;
  /** A checkpoint the auditor kept from an earlier run. */
  private kept: { size: number; root: Buffer } | undefined;

  constructor(
    db: Db,
    private readonly publicKey: KeyObject,
    given: NoteVerifier | undefined,
    private readonly options: VerifyOptions,
  ) {
    if (given !== undefined) this.verifiers.set(given.name, given);
    this.chunk = options.chunk ?? 8192;
    this.reader = sqliteHashReader(db);
    this.stmts = {
      total: db.prepare<[], number>('SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries').pluck(),
      entries: db.prepare<[number, number], { idx: number; leaf_hash: Buffer; entry: string }>(
        'SELECT idx, leaf_hash, entry FROM audit_entries WHERE idx > ? ORDER BY idx LIMIT ?',
      ),
      nodes: db.prepare<[number, number, number], { idx: number; hash: Buffer }>(
        'SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx <= ? ORDER BY idx',
      ),
      nodeCount: db.prepare<[], number>('SELECT COUNT(*) FROM audit_nodes').pluck(),
      firstExtraNode: db.prepare<[number], { level: number; idx: number }>(
        'SELECT level, idx FROM audit_nodes WHERE level < 1 OR idx < 0 OR (idx + 1) * (1 << level) > ? ORDER BY level, idx LIMIT 1',
      ),
      checkpoints: db.prepare<[number, number], CheckpointRow>(
        'SELECT size, root, note FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?',
      ),
    };
  }

  /** Adds a checkpoint kept from an earlier run to the checks. */
  expect(note: string): void {
    const { size, root } = this.open(note, 'the previous checkpoint', { size: 0, root: Buffer.alloc(0), note });
    this.kept = { size, root };
  }

  async all(): Promise<Omit<VerifyOk, 'keySource'>> {
    const total = this.stmts.total.get() ?? 0;
    let last = -1;
    this.checkpointsAt(0);
    for (;;) {
      const rows = this.stmts.entries.all(last, this.chunk);
      if (rows.length === 0) break;
      const stored = this.storedNodes(this.frontier.size, this.frontier.size + rows.length);
      for (const row of rows) {
        this.entry(row, stored);
        last = row.idx;
        this.checkpointsAt(this.frontier.size);
      }
      this.options.onProgress?.(this.frontier.size, Math.max(total, this.frontier.size));
      await yieldToLoop();
    }
    const n = this.frontier.size;
    this.extraNodes(n);
    if (this.kept !== undefined && this.kept.size > n) {
      fail(n, VerifyProblems.CHECKPOINT_BEYOND_LOG, `the previous checkpoint signed \`${this.kept.size}\` entries but the log ends at \`${n}\`: entries were removed`, this.kept.size);
    }
    const beyond = this.nextCheckpoint();
    if (beyond !== undefined) {
      fail(n, VerifyProblems.CHECKPOINT_BEYOND_LOG, `checkpoint of size \`${beyond.size}\` was signed but the log ends at \`${n}\` entries: entries were removed`, beyond.size);
    }
    const latest = this.previous;
    return {
      ok: true,
      entries: n,
      checkpoints: this.checked,
      ...(latest ? { latest: { size: latest.size, root: latest.root.toString('base64'), note: latest.note } } : {}),
      unsigned: n - (latest?.size ?? 0),
    };
  }

  /** Checks one stored entry at the next position and adds its leaf. */
  private entry(row: { idx: number; leaf_hash: Buffer; entry: string }, stored: Map<number, Buffer>[]): void {
    const position = this.frontier.size;
    if (row.idx !== position) {
      if (row.idx > position) fail(position, VerifyProblems.ENTRY_MISSING, `entry \`${position}\` is missing: the next stored entry is \`${row.idx}\``);
      fail(position, VerifyProblems.INDEX_MISMATCH, `stored row \`${row.idx}\` is out of sequence at position \`${position}\``);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.entry);
    } catch {
      fail(position, VerifyProblems.ENTRY_NOT_JSON, `entry \`${position}\` is not valid JSON`);
    }
    let canonical: string;
    try {
      canonical = canonicalText(parsed);
    } catch {
      return fail(position, VerifyProblems.ENTRY_NOT_CANONICAL, `entry \`${position}\` is not plain JSON`);
    }
    // Same string, same UTF-8 bytes: the stored text is exactly the canonical leaf.
    if (canonical !== row.entry) {
      fail(position, VerifyProblems.ENTRY_NOT_CANONICAL, `entry \`${position}\` is not in RFC 8785 canonical form`);
    }
    const claimed = typeof parsed === 'object' && parsed !== null ? (parsed as { index?: unknown }).index : undefined;
    if (claimed !== position) {
      fail(position, VerifyProblems.INDEX_MISMATCH, `entry at position \`${position}\` says it is entry \`${String(claimed)}\``);
    }
    const leaf = leafHashOfText(canonical);
    if (!leaf.equals(row.leaf_hash)) {
      fail(position, VerifyProblems.LEAF_MISMATCH, `the stored leaf hash of entry \`${position}\` does not match its content`);
    }
    this.frontier.append(leaf, (level, index, hash) => {
      const have = stored[level]?.get(index);
      if (have === undefined) {
        fail(position, VerifyProblems.NODE_MISSING, `the stored tree lacks the hash of subtree level \`${level}\` index \`${index}\``);
      } else if (!have.equals(hash)) {
        fail(position, VerifyProblems.NODE_MISMATCH, `the stored hash of subtree level \`${level}\` index \`${index}\` (entries \`${index * 2 ** level}\`–\`${position}\`) does not match the entries`);
      }
    });
  }

  /** The stored nodes that appending leaves [from, to) completes, by level. */
  private storedNodes(from: number, to: number): Map<number, Buffer>[] {
    const out: Map<number, Buffer>[] = [];
    for (let level = 1, width = 2; width <= to; level++, width *= 2) {
      // Node (level, i) is completed by leaf (i + 1)·2^level − 1.
      const lo = Math.floor(from / width);
      const hi = Math.floor(to / width) - 1;
      const map = new Map<number, Buffer>();
      if (hi >= lo) for (const r of this.stmts.nodes.all(level, lo, hi)) map.set(r.idx, r.hash);
      out[level] = map;
    }
    return out;
  }

  /** After n entries, no stored node may cover an entry past the end. */
  private extraNodes(n: number): void {
    let expected = 0;
    for (let width = 2; width <= n; width *= 2) expected += Math.floor(n / width);
    if ((this.stmts.nodeCount.get() ?? 0) === expected) return;
    const extra = this.stmts.firstExtraNode.get(n);
    const where = extra ? ` (level \`${extra.level}\` index \`${extra.idx}\`)` : '';
    fail(n, VerifyProblems.EXTRA_NODE, `the stored tree has hashes${where} of entries past the last one (\`${n}\`): entries were removed`);
  }

  /** Verifies every checkpoint of exactly `size` leaves (there is at most one). */
  private checkpointsAt(size: number): void {
    if (this.kept?.size === size && !this.frontier.root().equals(this.kept.root)) {
      fail(0, VerifyProblems.ROOT_MISMATCH, `entries \`0\` to \`${size - 1}\` do not match the root of the previous checkpoint`, size);
    }
    for (let cp = this.nextCheckpoint(); cp !== undefined && cp.size === size; cp = this.nextCheckpoint()) {
      this.pending.shift();
      this.checkpoint(cp);
    }
  }

  private nextCheckpoint(): CheckpointRow | undefined {
    if (this.pending.length === 0) {
      this.pending = this.stmts.checkpoints.all(this.pendingFrom, 256);
      const last = this.pending[this.pending.length - 1];
      if (last !== undefined) this.pendingFrom = last.size;
    }
    return this.pending[0];
  }

  /** Verifies a note's signature and parses its checkpoint; `row` says which one, for messages. */
  private open(note: string, what: string, row: CheckpointRow): { size: number; root: Buffer } {
    const at = Math.max(0, row.size - 1);
    const origin = note.slice(0, Math.max(0, note.indexOf('\n')));
    let body: string;
    try {
      body = verifyNote(note, this.verifierFor(origin)).body;
    } catch (err) {
      const code = err instanceof WardenError ? err.code : 'MALFORMED_NOTE';
      if (code === 'BAD_SIGNATURE' || code === 'UNKNOWN_KEY') {
        fail(at, VerifyProblems.CHECKPOINT_SIGNATURE, `${what} is not signed by the log key (${(err as Error).message})`, row.size);
      }
      return fail(at, VerifyProblems.CHECKPOINT_MALFORMED, `${what} is not a signed note`, row.size);
    }
    try {
      return parseCheckpoint(body);
    } catch {
      return fail(at, VerifyProblems.CHECKPOINT_MALFORMED, `${what} is not a valid checkpoint`, row.size);
    }
  }

  private checkpoint(row: CheckpointRow): void {
    const size = row.size;
    const at = Math.max(0, size - 1);
    const signed = this.open(row.note, `checkpoint of size \`${size}\``, row);
    if (signed.size !== size || !signed.root.equals(row.root)) {
      fail(at, VerifyProblems.CHECKPOINT_MISMATCH, `the checkpoint stored for size \`${size}\` signs size \`${signed.size}\` and another root`, size);
    }
    const from = this.previous?.size ?? 0;
    if (!this.frontier.root().equals(signed.root)) {
      fail(from, VerifyProblems.ROOT_MISMATCH, `entries \`${from}\` to \`${size - 1}\` do not match the root signed by the checkpoint of size \`${size}\``, size);
    }
    if (this.previous !== undefined) {
      const proof = consistencyProof(this.previous.size, size, this.reader);
      if (!verifyConsistency(this.previous.size, size, proof, this.previous.root, signed.root)) {
        fail(from, VerifyProblems.INCONSISTENT, `checkpoint of size \`${size}\` is not consistent with the one of size \`${from}\``, size);
      }
    }
    this.previous = row;
    this.checked += 1;
  }

  private verifierFor(origin: string): NoteVerifier {
    let verifier = this.verifiers.get(origin);
    if (verifier === undefined) {
      // The same key under another origin (WARDEN_LOG_ORIGIN changed): the key ID covers the name.
      verifier = verifierFor(origin, this.publicKey);
      this.verifiers.set(origin, verifier);
    }
    return verifier;
  }
}

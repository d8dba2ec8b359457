/**
 * C2SP tlog checkpoints (c2sp.org/tlog-checkpoint): the signed tree head of the log.
 *
 *     <origin>
 *     <tree size, decimal, no leading zeros>
 *     <base64 root hash>
 *     [extension lines…]
 *
 * each line ending in a newline, signed as a C2SP note (`note.ts`). Parsing is strict (one
 * spelling per checkpoint) because two texts for the same tree head would let a log show
 * different auditors different signed bytes.
 */
import { AuditCodes, auditError, malformedCheckpoint } from './errors.js';
import { HASH_SIZE } from './merkle.js';
import { decodeBase64, signNote, verifyNote } from './note.js';
import type { NoteSigner, NoteVerifier } from './note.js';

export interface Checkpoint {
  /** The log's identity, e.g. `warden.example/audit`. */
  origin: string;
  /** Number of leaves. */
  size: number;
  /** The RFC 6962 root at `size`. */
  root: Buffer;
  /** Opaque extra lines; Warden writes none. */
  extensions: readonly string[];
}

export type CheckpointInput = Omit<Checkpoint, 'extensions'> & { extensions?: readonly string[] };

/**
 * The checkpoint's note text (what gets signed).
 *
 * @example
 * formatCheckpoint({ origin: 'warden.example/audit', size: 8, root });
 * // 'warden.example/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n'
 */
export function formatCheckpoint(checkpoint: CheckpointInput): string {
  const { origin, size, root, extensions = [] } = checkpoint;
  for (const line of [origin, ...extensions]) {
    if (!isLine(line)) throw new TypeError(`checkpoint line \`${line}\` must be non-empty, one line, no control characters`);
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError(`invalid tree size \`${size}\``);
  if (!Buffer.isBuffer(root) || root.length !== HASH_SIZE) throw new TypeError(`the root must be a ${HASH_SIZE}-byte Buffer`);
  return [origin, String(size), root.toString('base64'), ...extensions].map((line) => `${line}\n`).join('');
}

/**
 * Parses a checkpoint's note text. Throws `MALFORMED_CHECKPOINT` unless it is exactly
 * in the format `formatCheckpoint` writes (extension lines allowed).
 *
 * @example
 * parseCheckpoint(verifyNote(text, verifier).body).size;
 */
export function parseCheckpoint(body: string): Checkpoint {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw malformedCheckpoint('a checkpoint must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === undefined || sizeText === undefined || rootText === undefined) {
    throw malformedCheckpoint('a checkpoint has an origin, a tree size and a root hash line');
  }
  if (!lines.every(isLine)) throw malformedCheckpoint('checkpoint lines must be non-empty, without control characters');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw malformedCheckpoint(`invalid tree size \`${sizeText}\``);
  }
  const root = decodeBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE) throw malformedCheckpoint(`invalid root hash \`${rootText}\``);
  return { origin, size: Number(sizeText), root, extensions };
}

/**
 * Formats and signs a checkpoint: the text `GET /v1/audit/checkpoint` serves.
 *
 * @example
 * signCheckpoint({ origin, size: tree.size, root: tree.root() }, signer);
 */
export function signCheckpoint(checkpoint: CheckpointInput, signer: NoteSigner): string {
  return signNote(formatCheckpoint(checkpoint), signer);
}

/**
 * Verifies a signed checkpoint and parses it. With `origin`, also requires the
 * checkpoint to be that log's (`ORIGIN_MISMATCH` otherwise); note errors as `verifyNote`.
 *
 * @example
 * const head = openCheckpoint(text, parseVerifierKey(vkey), { origin: 'warden.example/audit' });
 */
export function openCheckpoint(
  text: string,
  verifiers: NoteVerifier | readonly NoteVerifier[],
  expect: { origin?: string } = {},
): Checkpoint {
  const checkpoint = parseCheckpoint(verifyNote(text, verifiers).body);
  if (expect.origin !== undefined && checkpoint.origin !== expect.origin) {
    throw auditError(AuditCodes.ORIGIN_MISMATCH, `checkpoint origin \`${checkpoint.origin}\` is not \`${expect.origin}\``);
  }
  return checkpoint;
}

// Non-empty, and no control character (a `\r` would hide in CRLF text).
const isLine = (line: unknown): line is string =>
  typeof line === 'string' && line.length > 0 && !/[\u0000-\u001f]/.test(line);

/**
 * Error codes of the audit domain.
 *
 * Bad outside input (a proof request past the tree, a tampered note, a malformed
 * checkpoint) gets one of these codes; programmer misuse throws `TypeError` instead.
 * The proof verifiers themselves return booleans: a proof that does not verify is an
 * answer, not an exception, and callers that must report it use `INVALID_PROOF`.
 */
import { WardenError } from '../errors.js';

export const AuditCodes = {
  /** A proof did not verify (for callers that turn a `false` into an error). */
  INVALID_PROOF: 'INVALID_PROOF',
  /** Recomputed leaf or root does not match the stored or signed one. */
  ROOT_MISMATCH: 'ROOT_MISMATCH',
  /** A proof or root was asked for an index or size the tree does not cover. */
  OUT_OF_RANGE: 'OUT_OF_RANGE',
  /** The store lacks a subtree hash it must hold: a truncated or damaged tree. */
  NODE_MISSING: 'NODE_MISSING',
  MALFORMED_CHECKPOINT: 'MALFORMED_CHECKPOINT',
  MALFORMED_NOTE: 'MALFORMED_NOTE',
  /** A verifier key string (`<name>+<hex id>+<base64 key>`) that does not parse. */
  MALFORMED_KEY: 'MALFORMED_KEY',
  /** A signature by a known key that does not verify. */
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  /** No signature on the note is by a key the verifier knows. */
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  /** The checkpoint verifies but names another log. */
  ORIGIN_MISMATCH: 'ORIGIN_MISMATCH',
  /** The log could not be written (or read to decide): every caller treats it as deny. */
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
} as const;

export type AuditCode = (typeof AuditCodes)[keyof typeof AuditCodes];

export const auditError = (code: AuditCode, message: string, details?: Record<string, unknown>) =>
  new WardenError(code, message, details);

export const outOfRange = (message: string) => auditError(AuditCodes.OUT_OF_RANGE, message);

export const nodeMissing = (level: number, index: number) =>
  auditError(AuditCodes.NODE_MISSING, `no stored hash for subtree level \`${level}\` index \`${index}\``, {
    level,
    index,
  });

export const malformedCheckpoint = (message: string) => auditError(AuditCodes.MALFORMED_CHECKPOINT, message);
export const malformedNote = (message: string) => auditError(AuditCodes.MALFORMED_NOTE, message);
export const malformedKey = (message: string) => auditError(AuditCodes.MALFORMED_KEY, message);

/** The log could not be written: fail closed. The cause is kept for the server's own log only. */
export function auditUnavailable(cause?: unknown, message = 'the audit log could not be written'): WardenError {
  const failure = new WardenError(AuditCodes.AUDIT_UNAVAILABLE, message);
  if (cause !== undefined) failure.cause = cause;
  return failure;
}

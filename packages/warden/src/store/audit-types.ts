/**
 * What the store promises about the audit log: durable appends that resolve only after
 * the entry is on disk, and O(log n) roots and proofs.
 */

/** A state change to record. `sensitive` values never reach the leaf: the leaf holds an
 * HMAC digest and a redacted preview of each, the raw value an erasable side table. */
export interface AuditEvent {
  type: string;
  /** `human:<id>`, `agent:<id>`, `system` or `cli:<user>`. */
  actor: string;
  /** What the change is about, e.g. `agent:forum-helper`. */
  subject?: string;
  data: Record<string, unknown>;
  sensitive?: Record<string, unknown>;
  /** ISO time; the appender fills it in when absent. */
  time?: string;
}

/** The leaf: RFC 8785 canonical JSON of this object is what is hashed. */
export interface AuditEntry {
  v: 1;
  index: number;
  time: string;
  type: string;
  actor: string;
  subject?: string;
  data: Record<string, unknown>;
  sensitive?: Record<string, { digest: string; preview: string }>;
}

export interface AppendReceipt {
  index: number;
  /** base64 */
  leafHash: string;
}

export interface StoredEntry {
  index: number;
  leafHash: string;
  entry: AuditEntry;
}

export interface AuditLog {
  /**
   * Appends the entry; `apply` runs inside the same transaction (the state change the entry
   * records), with the index the entry will get. Resolves only once both are durable. Rejects if they could not be written:
   * callers must treat that as "deny".
   */
  append(event: AuditEvent, apply?: (index: number) => void): Promise<AppendReceipt>;
  size(): Promise<number>;
  entries(start: number, end: number): Promise<StoredEntry[]>;
}

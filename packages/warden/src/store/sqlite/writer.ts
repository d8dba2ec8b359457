/**
 * The writer thread: decisions are recorded (row, audit entry, approval change, one
 * transaction, fsynced WAL) by a worker thread with its own connection, so the server's
 * event loop spends its time deciding, not committing. On a two-core machine the commit
 * work then runs beside the decisions instead of between them.
 *
 * Nothing about durability changes: `record` resolves only when the worker reports the
 * append durable, exactly as the in-thread appender would (log.ts). Both threads append to
 * one tree safely: the log's size is read inside each write transaction (log.ts).
 *
 * Beside it runs the checkpoint thread (wal-checkpoints.ts), which copies the WAL back into
 * the database file so that no commit waits for that; the writer asks it directly.
 *
 * Fail closed: if the worker dies, every waiting and later `record` rejects with
 * `AUDIT_UNAVAILABLE` (the caller denies) and `ping` fails, so `/readyz` reports it. The
 * one exception is a decision the worker committed before it died: its caller gets the
 * answer on the record (see `fail`).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort, type Transferable } from 'node:worker_threads';
import { auditUnavailable } from '../../audit/errors.js';
import { WardenError } from '../../errors.js';
import type { AppendReceipt } from '../audit-types.js';
import type { BaselineStore, DiscoveredStore } from '../decision-types.js';
import { encodedDecisionId, type DecisionWrites, type EncodedDecision, type EncodedOutcome } from './decisions.js';
import { DEFAULT_CHECKPOINTS, type CheckpointDone, type CheckpointSettings, type CheckpointThreadInit } from './wal-checkpoints.js';

/** What the worker is started with. */
export interface WriterInit {
  file: string;
  hmacKey: Uint8Array;
  /** The writer's end of the channel to the checkpoint thread (wal-checkpoints.ts), and when to ask it. */
  checkpoints?: { port: MessagePort; settings: CheckpointSettings };
}

/** The writes of the decision path: a decision, its outcome, learned baselines, unidentified callers. */
export type WriterOp =
  | { op: 'record'; decision: EncodedDecision }
  | { op: 'outcome'; outcome: EncodedOutcome }
  | { op: 'baselines'; rows: Parameters<BaselineStore['putMany']>[0] }
  | { op: 'discovered'; rec: Parameters<DiscoveredStore['seen']>[0] };

export interface WriterRequest {
  seq: number;
  op: WriterOp;
}

/** The worker's answer to one request: a receipt (or nothing, for baselines) or an error. */
export interface WriterAnswer {
  seq: number;
  receipt?: AppendReceipt;
  error?: { code?: string; message: string; details?: Record<string, unknown>; cause?: string };
}

export type WriterMessage = WriterRequest[] | 'close';
/**
 * From the worker: once its connection is open, then answers, with the WAL fsync durations
 * (seconds) that made them durable, and each WAL checkpoint the checkpoint thread has done.
 */
export type WriterReply = { answers: WriterAnswer[]; syncs: number[] } | { checkpoint: CheckpointDone } | 'ready';

/** Decisions per message at most (see `record`). */
const CHUNK = 8;

interface Waiting {
  resolve: (r: AppendReceipt | undefined) => void;
  reject: (e: unknown) => void;
  /** For a decision's record: its id, to look for if the worker dies before answering. */
  decision?: string;
}

/**
 * Which of these decisions are committed, with their receipts, once they are durable (the
 * WAL fsynced): asked on the server's own connection when the worker dies with them
 * unanswered.
 */
export type CommittedDecisions = (ids: string[]) => Map<string, AppendReceipt>;

/**
 * Starts the worker whose entry point is `name` beside this file. From TypeScript sources
 * (the tests), the worker loads it through tsx; from the built package, directly.
 */
function startWorker(name: 'writer-thread' | 'checkpoint-thread', init: unknown, transferList: Transferable[] = []): Worker {
  const entry = new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!entry.href.endsWith('.ts')) return new Worker(entry, { workerData: init, transferList });
  // Resolved from here, not from the working directory the process happens to run in.
  const tsx = tsxApi();
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: init, transferList });
}

/** Where tsx's ESM API is, resolved from here rather than from the working directory. */
function tsxApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  // Vitest's module runner has no `import.meta.resolve`; require finds the CommonJS build,
  // whose ESM twin sits beside it.
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
}

export interface DecisionWriterOptions {
  /** Called once if the worker dies (decisions then fail closed). */
  onFailure?: (err: unknown) => void;
  /** Called with each WAL fsync's duration, in seconds. */
  onSync?: (seconds: number) => void;
  /** Looks up decisions the worker may have committed before it died. */
  committed?: CommittedDecisions;
  /**
   * When to checkpoint from the checkpoint thread (wal-checkpoints.ts); `false` leaves the
   * checkpoints to SQLite, in the writer's commits.
   */
  checkpoints?: CheckpointSettings | false;
  /** Called once the checkpoint thread has stopped: with why, if it failed. */
  onCheckpointsStopped?: (err: unknown) => void;
  /** Called with each WAL checkpoint the checkpoint thread has done. */
  onCheckpoint?: (done: CheckpointDone) => void;
}

export class DecisionWriter {
  readonly worker: Worker;
  /** Copies the WAL back into the database file for the worker (wal-checkpoints.ts), when there is one. */
  readonly checkpointer: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private outbox: WriterRequest[] = [];
  private seq = 0;
  /** Set once the worker is gone: every record fails closed from then on. */
  private dead: Error | undefined;
  private closed = false;
  private readonly exited: Promise<void>;
  /** Resolves once the worker has its connection open; rejects if it could not start. */
  readonly ready: Promise<void>;

  private readonly onFailure: (err: unknown) => void;
  private readonly committed: CommittedDecisions;

  constructor(init: Omit<WriterInit, 'checkpoints'>, options: DecisionWriterOptions = {}) {
    this.onFailure = options.onFailure ?? (() => undefined);
    this.committed = options.committed ?? (() => new Map());
    const onSync = options.onSync ?? (() => undefined);
    const onCheckpoint = options.onCheckpoint ?? (() => undefined);
    const settings = options.checkpoints ?? DEFAULT_CHECKPOINTS;
    if (settings === false) {
      this.worker = startWorker('writer-thread', init);
    } else {
      // The two threads talk directly: the writer asks, the checkpoint thread answers.
      const { port1, port2 } = new MessageChannel();
      this.checkpointer = startWorker('checkpoint-thread', { file: init.file, port: port2, intervalMs: settings.intervalMs } satisfies CheckpointThreadInit, [port2]);
      // Its failure is not the writer's: the writer goes back to SQLite's own checkpoints.
      const stopped = options.onCheckpointsStopped ?? (() => undefined);
      let failure: unknown;
      this.checkpointer.on('error', (err) => {
        failure = err;
      });
      this.checkpointer.once('exit', (code) => stopped(failure ?? (code === 0 ? undefined : new Error(`the checkpoint thread exited with code ${code}`))));
      try {
        this.worker = startWorker('writer-thread', { ...init, checkpoints: { port: port1, settings } } satisfies WriterInit, [port1]);
      } catch (err) {
        void this.checkpointer.terminate();
        throw err;
      }
    }
    let started: () => void = () => undefined;
    let failed: (err: unknown) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    // Never an unhandled rejection: callers that do not wait for `ready` see `record` fail.
    this.ready.catch(() => undefined);
    this.worker.on('message', (reply: WriterReply) => {
      if (reply === 'ready') {
        started();
        return;
      }
      if ('checkpoint' in reply) {
        onCheckpoint(reply.checkpoint);
        return;
      }
      for (const seconds of reply.syncs) onSync(seconds);
      for (const a of reply.answers) this.settle(a);
    });
    this.worker.on('error', (err) => {
      failed(err);
      this.fail(err);
    });
    const writerExited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        failed(new Error(`the writer thread exited with code ${code} before it started`));
        if (!this.closed || this.waiting.size > 0) this.fail(new Error(`the writer thread exited with code ${code}`));
        resolve();
      });
    });
    // The checkpoint thread stops once the writer has closed its end of their channel.
    const checkpointer = this.checkpointer;
    const checkpointerExited = checkpointer === undefined ? undefined : new Promise<void>((resolve) => checkpointer.once('exit', () => resolve()));
    this.exited = Promise.all([writerExited, checkpointerExited]).then(() => undefined);
  }

  /** Records an encoded decision: resolves once the worker has made the record durable. */
  readonly record: DecisionWrites['record'] = (decision) => this.call({ op: 'record', decision }) as Promise<AppendReceipt>;

  /** Records an encoded outcome, on the worker's connection. */
  readonly setOutcome: DecisionWrites['setOutcome'] = (outcome) => this.call({ op: 'outcome', outcome }) as Promise<AppendReceipt>;

  /** As `BaselineStore.putMany`, on the worker's connection. */
  readonly putBaselines: BaselineStore['putMany'] = async (rows) => {
    if (rows.length > 0) await this.call({ op: 'baselines', rows });
  };

  /** As `DiscoveredStore.seen`, on the worker's connection. */
  readonly seen: DiscoveredStore['seen'] = async (rec) => {
    await this.call({ op: 'discovered', rec });
  };

  /**
   * The decision path's writes all go through the worker: two connections taking turns at
   * the write lock would make the server thread wait for it (SQLite's busy handler sleeps,
   * blocking the event loop) and drop its page cache at every turn.
   */
  private call(op: WriterOp): Promise<AppendReceipt | undefined> {
    if (this.dead !== undefined || this.closed) return Promise.reject(auditUnavailable(this.dead, 'the audit log could not be written'));
    return new Promise<AppendReceipt | undefined>((resolve, reject) => {
      const seq = ++this.seq;
      this.waiting.set(seq, op.op === 'record' ? { resolve, reject, decision: encodedDecisionId(op.decision) } : { resolve, reject });
      this.outbox.push({ seq, op });
      // Nothing in flight: send at once (a lone caller waits for no batch). Otherwise one
      // message per turn of the event loop, or per CHUNK decisions if more come at once, so
      // that the worker commits one batch while the next is being decided.
      if (this.waiting.size === 1 || this.outbox.length >= CHUNK) this.send();
      else if (this.outbox.length === 1) setImmediate(this.send);
    });
  }

  /** Throws while the worker is gone: for readiness. */
  check(): void {
    if (this.dead !== undefined) throw auditUnavailable(this.dead, 'the writer thread has stopped');
  }

  /** Lets the worker finish what it was sent, then stops it. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.send();
    this.closed = true;
    this.worker.postMessage('close' satisfies WriterMessage);
    return this.exited;
  }

  /** For tests: stops the worker as a crash would. */
  async kill(): Promise<void> {
    await this.worker.terminate();
  }

  private readonly send = (): void => {
    if (this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    if (this.dead !== undefined) {
      for (const r of batch) this.settle({ seq: r.seq, error: { code: 'AUDIT_UNAVAILABLE', message: 'the audit log could not be written' } });
      return;
    }
    try {
      this.worker.postMessage(batch satisfies WriterMessage);
    } catch {
      // Something in the batch cannot be cloned (decisions, outcomes and baselines arrive as
      // text, but an unidentified caller's detail is an object that may hold anything): send
      // them one by one, so only that request fails, and never hangs.
      for (const r of batch) {
        try {
          this.worker.postMessage([r] satisfies WriterMessage);
        } catch (err) {
          this.settle({ seq: r.seq, error: { message: `the record could not be sent to the writer thread: ${String(err)}` } });
        }
      }
    }
  };

  private settle(answer: WriterAnswer): void {
    const w = this.waiting.get(answer.seq);
    if (w === undefined) return;
    this.waiting.delete(answer.seq);
    if (answer.error === undefined) {
      w.resolve(answer.receipt);
      return;
    }
    const { code, message, details, cause } = answer.error;
    const err = code === undefined ? new Error(message) : new WardenError(code, message, details);
    if (cause !== undefined) err.cause = new Error(cause);
    w.reject(err);
  }

  private fail(err: unknown): void {
    if (this.dead === undefined) {
      this.dead = err instanceof Error ? err : new Error(String(err));
      this.onFailure(err);
    }
    const failure = auditUnavailable(this.dead);
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    // A decision the worker committed before it died is on the record, so its caller gets
    // the answer the record holds, not a 503 beside an `allow` in the log. Looked up on
    // this thread's connection, and made durable here first.
    let found = new Map<string, AppendReceipt>();
    const ids = waiting.flatMap((w) => (w.decision === undefined ? [] : [w.decision]));
    if (ids.length > 0) {
      try {
        found = this.committed(ids);
      } catch {
        // Cannot tell, or cannot make it durable: fail closed, as for the rest.
      }
    }
    for (const w of waiting) {
      const receipt = w.decision === undefined ? undefined : found.get(w.decision);
      if (receipt !== undefined) w.resolve(receipt);
      else w.reject(failure);
    }
  }
}

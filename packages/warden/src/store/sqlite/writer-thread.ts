/**
 * The writer thread's entry point (see writer.ts): its own connection to the database, its
 * own group-committing log appender, and the same writers (decision, outcome, baselines,
 * unidentified callers) the server thread would use. Requests arrive in batches; answers
 * go back in batches, once each append is durable (committed and its WAL fsynced).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WardenError } from '../../errors.js';
import type { AppendReceipt } from '../audit-types.js';
import { openDatabase } from './db.js';
import { baselineWriter, decisionWriter, discoveredWriter, outcomeWriter } from './decisions.js';
import { SqliteLog } from './log.js';
import { WalCheckpoints } from './wal-checkpoints.js';
import type { WriterAnswer, WriterInit, WriterMessage, WriterOp, WriterReply } from './writer.js';

const port = parentPort;
if (port === null) throw new Error('writer-thread.ts runs only as a worker thread');
const init = workerData as WriterInit;
const db = openDatabase(init.file);
/** WAL fsync durations since the last reply: they go back with the answers they made durable. */
let syncs: number[] = [];
// This thread does nothing but write: a lone commit may wait for its fsync right here.
const log = new SqliteLog(db, { hmacKey: Buffer.from(init.hmacKey), onSync: (seconds) => syncs.push(seconds), syncAloneInline: true });
const record = decisionWriter(db, log);
const setOutcome = outcomeWriter(db, log);
const putBaselines = baselineWriter(db);
const seen = discoveredWriter(db);
const checkpoints =
  init.checkpoints === undefined
    ? undefined
    : new WalCheckpoints(db, init.checkpoints.port, init.checkpoints.settings, (checkpoint) => port.postMessage({ checkpoint } satisfies WriterReply));
// Ready once the checkpoint thread is too (or gone): from then on no commit checkpoints inline.
void (checkpoints?.ready ?? Promise.resolve()).then(() => port.postMessage('ready' satisfies WriterReply));

let outbox: WriterAnswer[] = [];
let inFlight = 0;
let closing = false;

function send(answer: WriterAnswer): void {
  // The answers of one commit settle together: one message carries them all, sent as soon
  // as the last of them is in (a microtask queued after theirs).
  if (outbox.length === 0) queueMicrotask(drain);
  outbox.push(answer);
}

function drain(): void {
  const reply: WriterReply = { answers: outbox, syncs };
  outbox = [];
  syncs = [];
  port?.postMessage(reply);
  checkpoints?.wrote(reply.answers.length);
  if (closing && inFlight === 0) finish();
}

function errorOf(err: unknown): WriterAnswer['error'] {
  // The cause (an SQLite error behind AUDIT_UNAVAILABLE, say) goes along for the server's log.
  const cause = err instanceof Error && err.cause !== undefined ? { cause: String(err.cause instanceof Error ? err.cause.message : err.cause) } : {};
  if (err instanceof WardenError) return { code: err.code, message: err.message, ...(err.details ? { details: { ...err.details } } : {}), ...cause };
  return { message: err instanceof Error ? err.message : String(err), ...cause };
}

function finish(): void {
  checkpoints?.stop();
  log.close();
  // The last batch's fsync may still run: the WAL descriptor closes after it (log.ts).
  db.close();
  port?.close();
}

async function perform(r: WriterOp): Promise<AppendReceipt | undefined> {
  switch (r.op) {
    case 'record':
      return record(r.decision);
    case 'outcome':
      return setOutcome(r.outcome);
    case 'baselines':
      await putBaselines(r.rows);
      return undefined;
    case 'discovered':
      await seen(r.rec);
      return undefined;
  }
}

port.on('message', (message: WriterMessage) => {
  if (message === 'close') {
    closing = true;
    log.close();
    if (inFlight === 0 && outbox.length === 0) finish();
    return;
  }
  for (const r of message) {
    inFlight++;
    perform(r.op).then(
      (receipt: AppendReceipt | undefined) => {
        inFlight--;
        send(receipt === undefined ? { seq: r.seq } : { seq: r.seq, receipt });
      },
      (err: unknown) => {
        inFlight--;
        send({ seq: r.seq, error: errorOf(err) });
      },
    );
  }
});

/**
 * The checkpoint thread's entry point (see wal-checkpoints.ts): on its own connection, it
 * copies what the WAL holds back into the database file when the writer thread asks, so
 * that no commit waits for that copy and its fsync of the database file.
 *
 * A PASSIVE checkpoint takes no lock a writer or a reader needs: commits go on meanwhile,
 * and what they add waits for the next one. It fsyncs the WAL before copying and the
 * database file after, so the WAL is never started over on pages that are not on disk.
 */
import Database from 'better-sqlite3';
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'node:worker_threads';
import type { CheckpointReply, CheckpointThreadInit } from './wal-checkpoints.js';

const init = workerData as CheckpointThreadInit;
const port: MessagePort = init.port;
// A bare connection: the server thread has opened the database, migrated it and put it in
// WAL mode before this thread starts. SQLite's default `synchronous` (FULL) makes each
// checkpoint fsync the WAL before the copy and the database file after it.
const db = new Database(init.file, { fileMustExist: true });

let last = Date.now();

function checkpoint(): void {
  last = Date.now();
  const start = process.hrtime.bigint();
  // A failure is thrown: the thread ends, the writer goes back to SQLite's own checkpoints
  // and the server logs why.
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  if (row === undefined) throw new Error('the WAL checkpoint returned no row');
  port.postMessage({ frames: row.log, copied: row.checkpointed, seconds: Number(process.hrtime.bigint() - start) / 1e9 } satisfies CheckpointReply);
}

// The writer thread asks every so many writes. The timer covers what the server thread
// writes on its own (keys, agents, grants), which the writer thread never sees.
const timer = setInterval(() => {
  if (Date.now() - last >= init.intervalMs) checkpoint();
}, init.intervalMs);
timer.unref();
// The writer thread closes its end to stop this one; nothing else keeps it alive.
port.on('close', () => {
  clearInterval(timer);
  db.close();
});
port.on('message', checkpoint);
port.postMessage('ready' satisfies CheckpointReply);

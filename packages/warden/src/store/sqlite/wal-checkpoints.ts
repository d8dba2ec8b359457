/**
 * WAL checkpoints off the writer thread.
 *
 * SQLite copies the WAL back into the database file (a checkpoint) once it holds 1,000
 * pages, inside the commit that crossed the mark: that commit's callers wait for the copy
 * and an fsync of the database file. A lone decision adds about ten pages, so one caller in
 * a hundred waited about 2 ms more, which was most of one caller's p99. With a checkpoint
 * thread (checkpoint-thread.ts) the writer thread leaves SQLite's checkpoints for a WAL far
 * larger than it should grow (`backstopPages`) and asks that thread for one every `every`
 * writes instead; that thread also checkpoints on its own every `intervalMs` without a
 * request, for what the server thread writes.
 *
 * The WAL starts over from its beginning only when a write transaction begins with every
 * frame copied. Commits made while the checkpoint thread copies leave a few frames behind,
 * so once the WAL has grown past `restartFrames` the writer thread copies those few itself,
 * between two commits, and its next commit starts the WAL over. The WAL file then usually
 * stays near `restartFrames` pages (a restart can miss while the checkpoint thread holds its
 * locks), overwritten in place, which fsyncs faster than a growing file.
 *
 * If the checkpoint thread fails or stops, SQLite's own checkpoints come back, on the
 * writer's connection and (store/sqlite/index.ts) the server's.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Db } from './db.js';

/** What the checkpoint thread is started with: the database, and its end of the writer's channel. */
export interface CheckpointThreadInit {
  file: string;
  port: MessagePort;
  /** Checkpoints on its own after this long without being asked. */
  intervalMs: number;
}

/** A checkpoint done: the WAL's frames, how many of them are copied back, and how long it took. */
export interface CheckpointDone {
  frames: number;
  copied: number;
  seconds: number;
}

/** From the checkpoint thread: ready, then each checkpoint done. */
export type CheckpointReply = 'ready' | CheckpointDone;

export interface CheckpointSettings {
  /** Writes (decisions, outcomes, baselines, callers) between two checkpoints. */
  every: number;
  /** WAL frames past which the writer thread finishes a checkpoint itself, so the WAL starts over. */
  restartFrames: number;
  /**
   * WAL pages past which a commit still checkpoints inline, as SQLite does by default,
   * should the checkpoint thread fall behind. A backstop, not a hard bound: SQLite's own
   * checkpoint gives way while the checkpoint thread holds the checkpoint lock.
   */
  backstopPages: number;
  /** The checkpoint thread checkpoints on its own after this long without being asked (ms). */
  intervalMs: number;
}

export const DEFAULT_CHECKPOINTS: CheckpointSettings = { every: 500, restartFrames: 8192, backstopPages: 32_768, intervalMs: 1000 };

/** SQLite's own default, in pages: what a connection goes back to without the checkpoint thread. */
export const SQLITE_AUTOCHECKPOINT = 1000;

/** The writer thread's side: counts writes, asks for checkpoints, starts the WAL over. */
export class WalCheckpoints {
  private port: MessagePort | undefined;
  /** A checkpoint is under way, or the thread is not ready yet. */
  private busy = true;
  private writes = 0;
  /** Resolves once the checkpoint thread is ready, or gone. */
  readonly ready: Promise<void>;
  private started: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    port: MessagePort,
    private readonly settings: CheckpointSettings,
    /** Told of each checkpoint done (for `/metrics`). */
    private readonly onCheckpoint: (done: CheckpointDone) => void = () => undefined,
  ) {
    this.port = port;
    this.ready = new Promise((resolve) => (this.started = resolve));
    port.on('message', (reply: CheckpointReply) => this.answer(reply));
    port.on('close', () => this.stop());
  }

  /** `n` writes were committed: asks for a checkpoint once enough have been since the last. */
  wrote(n: number): void {
    if (this.port === undefined) return;
    this.writes += n;
    if (this.busy || this.writes < this.settings.every) return;
    this.ask();
  }

  private ask(): void {
    this.writes = 0;
    this.busy = true;
    this.port?.postMessage('checkpoint');
  }

  /** Back to SQLite's own checkpoints, in the commits; tells the checkpoint thread to stop. */
  stop(): void {
    const port = this.port;
    if (port === undefined) return;
    this.port = undefined;
    port.close();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
    this.started();
  }

  private answer(reply: CheckpointReply): void {
    if (this.port === undefined) return;
    if (reply === 'ready') {
      this.db.pragma(`wal_autocheckpoint = ${this.settings.backstopPages}`);
      this.busy = false;
      this.started();
      return;
    }
    this.busy = false;
    this.onCheckpoint(reply);
    if (reply.frames <= this.settings.restartFrames) return;
    // Much left behind (a reader held the checkpoint back): the checkpoint thread again,
    // not a long copy here between two commits.
    if (reply.frames - reply.copied > this.settings.restartFrames / 8) {
      this.ask();
      return;
    }
    // Runs between two commits (no transaction is open while a message is handled), so it
    // copies the few frames the checkpoint thread left behind and the next commit starts
    // the WAL over.
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // The next commit meets the same storage and fails closed there.
    }
  }
}

/**
 * Running the `warden` CLI in tests: in this process with its output captured
 * (`runCli`), or as a process of its own from source (`spawnWarden`, for `serve`).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The script a spawned `warden` runs: the CLI from source. */
const ENTRY = resolve(HERE, '../../src/cli/entry.ts');
/** tsx's loader by absolute URL, so a spawned process may run in any directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `warden <args>` in this process, with `env` set for the run only, and returns
 * the exit code and everything written to stdout and stderr.
 */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out) as typeof process.stdout.write);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err) as typeof process.stderr.write);
  try {
    const code = await main(['node', 'warden', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** This process's environment without any `WARDEN_*` variable, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WARDEN_')) env[k] = v;
  return { ...env, ...extra };
}

export interface SpawnedWarden {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the match once stdout matches `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Starts `warden <args>` as its own process, from source. */
export function spawnWarden(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnedWarden {
  const child = spawn(process.execPath, ['--import', TSX, ENTRY, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const l of listeners) l();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('close', (code, signal) => {
      done({ code, signal });
      for (const l of listeners) l();
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolveMatch, reject) => {
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            finish();
            resolveMatch(m);
          } else if (gone || child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`warden exited before printing ${String(pattern)}; stderr: ${err}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out waiting for ${String(pattern)}; stdout: ${out}; stderr: ${err}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

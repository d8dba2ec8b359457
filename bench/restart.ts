/**
 * A restart under load: a Warden set up earlier (agent, tool, token) is started again in a
 * fresh process, as `warden serve` would be, and offered 1,000 decisions a second from the
 * moment it is ready. The first seconds (code not yet compiled by V8's JIT, Cedar's wasm
 * not yet tiered up) against the next seconds of the same process: the ratio is what a
 * restart costs the agents calling it. Run in a child process of its own, since the bench
 * process itself has long been warm.
 *
 * `benchRestart()` is called by the decisions suite; this file run directly is the child.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { validateConfig } from '../packages/warden/src/config/load.js';
import { buildApp } from '../packages/warden/src/server/app.js';
import { createWarden } from '../packages/warden/src/warden.js';
import { benchWarden, serveLogger } from './decisions.js';
import { offered, type OfferedResult } from './offered.js';

const RATE = 1000;
const WINDOW_SECONDS = 3;

export interface Restart {
  /** From the child process's start (node and tsx loading the sources included) to the server listening, ms. */
  readyMs: number;
  first: OfferedResult;
  next: OfferedResult;
}

/** In the child: start over `dataDir`, serve, and offer the load in two windows. */
async function child(dataDir: string, token: string): Promise<Restart> {
  const warden = await createWarden(validateConfig({ dataDir, logLevel: 'silent' }), {});
  const app = await buildApp(warden, { loggerInstance: serveLogger(dataDir) });
  try {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    // performance.now() counts from this process's start.
    const readyMs = performance.now();
    const load = () =>
      offered({
        url: `${url}/v1/decisions`,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tool: 'docs.read', target: 'docs/page-1' }),
        rate: RATE,
        seconds: WINDOW_SECONDS,
        connections: 32,
      });
    const first = await load();
    const next = await load();
    for (const r of [first, next]) if (r.errors > 0 || r.non2xx > 0) throw new Error(`restart: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return { readyMs, first, next };
  } finally {
    await app.close();
    await warden.close();
  }
}

/** Sets a Warden up in this process, closes it, and measures its restart in a child process. */
export async function benchRestart(): Promise<Restart> {
  const { warden, token } = await benchWarden({});
  const dir = warden.dataDir;
  await warden.close();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), dir, token], {
      maxBuffer: 1 << 20,
      // Start, two 3 s windows (each given up 30 s after its last request at the latest), close.
      timeout: 180_000,
    });
    return JSON.parse(stdout) as Restart;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, token] = process.argv.slice(2);
  if (dir === undefined || token === undefined) throw new Error('usage: restart.ts <dataDir> <token>');
  process.stdout.write(JSON.stringify(await child(dir, token)));
}

/**
 * The MCP gateway: the added latency of a governed `tools/call` (in-process decisions:
 * scope, policy, durable audit append) against the same call made directly to the same
 * upstream, server-everything's `echo`, in the same run. Calls are sequential (a model
 * makes one tool call at a time), and the two paths are measured in alternating blocks so
 * that drift on this shared machine falls on both alike.
 *
 * Beside them, `decide()` alone: most of the added latency is the decision's audit entry
 * reaching the disk (`synchronous=FULL`), which no action may be answered before.
 *
 * Two governed paths: the proxy in this process (client ↔ proxy in memory: the
 * governance alone), and `warden mcp wrap` as a separate process over stdio (what an MCP
 * client actually runs: governance plus one more stdio hop).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { validateConfig } from '../packages/warden/src/config/load.js';
import { GovernedProxy } from '../packages/warden/src/mcp/proxy.js';
import { DEFAULT_TIMEOUTS } from '../packages/warden/src/mcp/types.js';
import { Upstream } from '../packages/warden/src/mcp/upstream.js';
import { wardenDecider } from '../packages/warden/src/mcp/warden-adapter.js';
import { createWarden } from '../packages/warden/src/warden.js';
import type { Row } from './types.js';
import { benchDir, percentile } from './util.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const EVERYTHING = `${REPO}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
const CLI = fileURLToPath(new URL('../packages/warden/src/cli/entry.ts', import.meta.url));
const BLOCKS = 10;
const PER_BLOCK = 200;

async function time(client: Client, n: number, into: number[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
    into.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.isError) throw new Error(`echo failed: ${JSON.stringify(r.content)}`);
  }
}

export async function benchMcp(): Promise<Row[]> {
  const dir = benchDir();
  const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }));
  await warden.agents.register({ id: 'bench-agent', name: 'Bench', owner: 'human:bench', scope: ['everything.*'] }, 'system');
  const { token } = await warden.identity.grants.grant({ agent: 'bench-agent', intent: 'echo messages for the benchmark', scope: ['everything.echo'], ttlSeconds: 3600 }, 'human:bench');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token);

  const direct = new Client({ name: 'bench', version: '1' });
  await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }));

  const upstream = await Upstream.connect({ name: 'everything', command: [process.execPath, EVERYTHING, 'stdio'] }, { connectTimeoutMs: 30_000, stderr: 'ignore' });
  const proxy = new GovernedProxy({ upstream, decider: wardenDecider(warden), token: () => token, timeouts: DEFAULT_TIMEOUTS });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await proxy.server.connect(serverSide);
  const governed = new Client({ name: 'bench', version: '1' });
  await governed.connect(clientSide);
  await governed.listTools();

  // The wrapper reads the same data directory; this process's Warden stays open beside it.
  const wrapped = new Client({ name: 'bench', version: '1' });
  const tsx = pathToFileURL(`${REPO}node_modules/tsx/dist/loader.mjs`).href;
  await wrapped.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['--import', tsx, CLI, 'mcp', 'wrap', '--token-file', tokenFile, '--data-dir', dir, '--', process.execPath, EVERYTHING, 'stdio'],
      stderr: 'ignore',
    }),
  );

  try {
    const lat = { direct: [] as number[], governed: [] as number[], wrapped: [] as number[], decide: [] as number[] };
    const decideAlone = async (n: number, into: number[]) => {
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await warden.decisions.decide({ token, tool: 'everything.echo', args: { message: `m${i}` } });
        into.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    // Warm-up: JIT, the token cache, the policy, SQLite pages.
    await time(direct, 200, []);
    await time(governed, 200, []);
    await time(wrapped, 200, []);
    for (let b = 0; b < BLOCKS; b++) {
      await time(direct, PER_BLOCK, lat.direct);
      await time(governed, PER_BLOCK, lat.governed);
      await time(wrapped, PER_BLOCK, lat.wrapped);
      await decideAlone(PER_BLOCK, lat.decide);
    }
    await proxy.settle();
    const s = (xs: number[]) => xs.sort((a, b) => a - b);
    const [d, g, w, dec] = [s(lat.direct), s(lat.governed), s(lat.wrapped), s(lat.decide)];
    const base50 = { name: 'direct to server-everything', value: percentile(d, 50) };
    const base99 = { name: 'direct to server-everything', value: percentile(d, 99) };
    return [
      { name: 'tools/call echo p50, governed (in-process proxy)', value: percentile(g, 50), unit: 'ms', baseline: base50 },
      { name: 'tools/call echo p99, governed (in-process proxy)', value: percentile(g, 99), unit: 'ms', baseline: base99 },
      { name: 'added p50, in-process proxy', value: percentile(g, 50) - percentile(d, 50), unit: 'ms' },
      { name: 'added p99, in-process proxy', value: percentile(g, 99) - percentile(d, 99), unit: 'ms' },
      // What the added latency is made of: one decision, its audit entry durable on disk.
      { name: 'decide() alone p50 (durable audit append)', value: percentile(dec, 50), unit: 'ms' },
      { name: 'tools/call echo p50, `warden mcp wrap` (stdio)', value: percentile(w, 50), unit: 'ms', baseline: base50 },
      { name: 'tools/call echo p99, `warden mcp wrap` (stdio)', value: percentile(w, 99), unit: 'ms', baseline: base99 },
      { name: 'added p50, `warden mcp wrap`', value: percentile(w, 50) - percentile(d, 50), unit: 'ms' },
    ];
  } finally {
    await wrapped.close();
    await governed.close();
    await proxy.close();
    await upstream.close();
    await direct.close();
    await warden.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

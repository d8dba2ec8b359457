/** `GET /v1/agents/:id` (authenticated, SQLite-backed) beside a bare Fastify route, same run. */
import Fastify from 'fastify';
import { rmSync } from 'node:fs';
import { validateConfig } from '../packages/warden/src/config/load.js';
import { buildApp } from '../packages/warden/src/server/app.js';
import { createWarden } from '../packages/warden/src/warden.js';
import type { Row } from './types.js';
import { benchDir, load } from './util.js';

export async function benchInventory(): Promise<Row[]> {
  const dir = benchDir();
  const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }));
  const app = await buildApp(warden);
  const { key } = await warden.keys.create({ owner: 'human:bench', role: 'viewer' }, 'system');
  await warden.agents.register({ id: 'bench-agent', name: 'Bench', owner: 'human:bench', scope: ['forum.*'] }, 'system');
  const wardenUrl = await app.listen({ port: 0, host: '127.0.0.1' });

  const bare = Fastify();
  bare.get('/v1/agents/:id', async (request) => ({ id: (request.params as { id: string }).id, name: 'Bench' }));
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  try {
    // Warm both, then measure each in turn (the machine has 2 cores; never both at once).
    await load({ url: `${bareUrl}/v1/agents/bench-agent`, seconds: 1 });
    await load({ url: `${wardenUrl}/v1/agents/bench-agent`, headers: { authorization: `Bearer ${key}` }, seconds: 1 });
    const base = await load({ url: `${bareUrl}/v1/agents/bench-agent`, seconds: 5 });
    const w = await load({ url: `${wardenUrl}/v1/agents/bench-agent`, headers: { authorization: `Bearer ${key}` }, seconds: 5 });
    if (w.non2xx > 0 || w.errors > 0) throw new Error(`warden answered ${w.non2xx} non-2xx and ${w.errors} errors`);
    return [
      { name: 'GET /v1/agents/:id requests/s', value: w.rps, unit: 'req/s', baseline: { name: 'bare Fastify route', value: base.rps }, higherIsBetter: true },
      { name: 'GET /v1/agents/:id p99', value: w.p99ms, unit: 'ms', baseline: { name: 'bare Fastify route', value: base.p99ms } },
    ];
  } finally {
    await bare.close();
    await app.close();
    await warden.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Identity: token verifications per second, cached (no Ed25519: one store query for
 * revocation and agent status) and uncached (jose's full EdDSA verification plus the same
 * query), each beside Node's raw `crypto.verify` of the same token's signature in the same
 * run; and issuances (grants) per second beside raw Ed25519 signing. Issuance waits for the
 * durable audit entry, so it measures group commit as much as signing.
 */
import { createPublicKey, sign, verify } from 'node:crypto';
import { rmSync } from 'node:fs';
import { validateConfig } from '../packages/warden/src/config/load.js';
import { TokenVerifier } from '../packages/warden/src/identity/verify.js';
import { createWarden } from '../packages/warden/src/warden.js';
import type { Row } from './types.js';
import { benchDir } from './util.js';

const SECONDS = 2;

/** Runs `fn` back to back for about `seconds`; returns operations per second. */
async function rate(fn: () => unknown, seconds = SECONDS): Promise<number> {
  // Warm up (JIT, caches), then measure.
  for (let i = 0; i < 200; i++) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(seconds * 1e9);
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Like `rate` but with `concurrency` operations in flight (issuance shares group commits). */
async function concurrentRate(fn: () => Promise<unknown>, concurrency: number, seconds = SECONDS): Promise<number> {
  await Promise.all(Array.from({ length: concurrency }, fn));
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(seconds * 1e9);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (process.hrtime.bigint() < deadline) {
        await fn();
        n++;
      }
    }),
  );
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function benchIdentity(): Promise<Row[]> {
  const dir = benchDir();
  const warden = await createWarden(validateConfig({ dataDir: dir, logLevel: 'silent' }));
  try {
    await warden.agents.register({ id: 'bench-agent', name: 'Bench', owner: 'human:bench', scope: ['forum.*'] }, 'system');
    const { token } = await warden.identity.grants.grant({ agent: 'bench-agent', intent: 'bench', scope: ['forum.read'], ttlSeconds: 3600 }, 'human:bench');
    const { identity, config } = warden;
    const uncached = new TokenVerifier(warden.store, identity.signingKeys, {
      issuer: identity.issuer,
      clockLeewaySeconds: config.clockLeewaySeconds,
      tokenMaxTtl: config.tokenMaxTtl,
      now: warden.now,
      cacheSize: 0,
    });

    // The raw baseline: the same signature over the same bytes, with a KeyObject made once.
    const [h, p, s] = token.split('.') as [string, string, string];
    const signingInput = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const active = await identity.signingKeys.active();
    const publicKey = createPublicKey(active.privateKey);
    if (!verify(null, signingInput, publicKey, signature)) throw new Error('baseline signature does not verify');

    await identity.verify(token);
    const raw = await rate(() => verify(null, signingInput, publicKey, signature));
    const cached = await rate(() => identity.verify(token));
    const fresh = await rate(() => uncached.verify(token));
    const rawSign = await rate(() => sign(null, signingInput, active.privateKey));
    const grant = () => identity.grants.grant({ agent: 'bench-agent', intent: 'bench', scope: ['forum.read'] }, 'human:bench');
    const issued1 = await rate(grant, 1);
    const issued64 = await concurrentRate(grant, 64);

    const baseline = { name: 'node crypto.verify ed25519 (raw)', value: raw };
    return [
      { name: 'verify, cached token', value: cached, unit: 'verif/s', baseline, higherIsBetter: true },
      { name: 'verify, uncached token', value: fresh, unit: 'verif/s', baseline, higherIsBetter: true },
      { name: 'issue (grant), one at a time', value: issued1, unit: 'tokens/s', baseline: { name: 'node crypto.sign ed25519 (raw)', value: rawSign }, higherIsBetter: true },
      { name: 'issue (grant), 64 in flight', value: issued64, unit: 'tokens/s', baseline: { name: 'node crypto.sign ed25519 (raw)', value: rawSign }, higherIsBetter: true },
    ];
  } finally {
    await warden.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Unidentified callers (`GET /v1/discovered`): every decision asked for with a credential
 * that does not verify is refused 401 and counted, grouped by a fingerprint, under the
 * name the token claims; the token itself is never stored or shown.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { decodePart, otherEd25519Key, signAsWarden } from '../identity/fixtures.js';
import { expectError, fixedClock, type Clock } from './state.js';

interface Discovered {
  key: string;
  kind: string;
  label: string;
  detail: { reason: string; tool: string; fingerprint: string };
  firstSeenAt: string;
  lastSeenAt: string;
  count: number;
}

describe('GET /v1/discovered', () => {
  let t: DecisionTest;
  let clock: Clock;
  let token: string;

  beforeAll(async () => {
    clock = fixedClock();
    t = await decisionWarden({}, { now: clock.now });
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    token = await t.grant('helper', ['forum.read'], undefined, { ttlSeconds: 60 });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    // Each case starts from an empty inventory of unknowns.
    t.warden.store.db.prepare('DELETE FROM discovered').run();
  });

  async function discovered(): Promise<{ list: Discovered[]; text: string }> {
    const res = await t.request('GET', '/v1/discovered', { key: t.keys.viewer });
    expect(res.statusCode).toBe(200);
    return { list: res.json().discovered, text: res.body };
  }

  async function expectRecorded(bad: string, code: string, label: string): Promise<void> {
    const res = await t.decide(bad, { tool: 'forum.read', target: 'forum/1' });
    expectError(res, 401, code);
    const { list, text } = await discovered();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'traffic', label, detail: { reason: code, tool: 'forum.read' }, count: 1, firstSeenAt: clock.iso(), lastSeenAt: clock.iso() });
    expect(list[0]!.key).toBe(`traffic:${list[0]!.detail.fingerprint}`);
    expect(list[0]!.detail.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // Neither the token nor its signature is kept.
    expect(text).not.toContain(bad);
    const signature = bad.split('.')[2];
    if (signature) expect(text).not.toContain(signature);
    expect(JSON.stringify(t.warden.store.db.prepare('SELECT * FROM discovered').all())).not.toContain(bad);
  }

  it('records a garbage token as an unknown caller', async () => {
    await expectRecorded('not-a-jwt-at-all', 'TOKEN_MALFORMED', 'unknown');
  });

  it('records a token signed by another key (its own kid) under the name it claims', async () => {
    const forged = await new SignJWT(decodePart(token, 1)).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'someone-else' }).sign(otherEd25519Key());
    await expectRecorded(forged, 'TOKEN_KEY_UNKNOWN', 'agent:helper');
  });

  it("records a token signed by another key that borrows Warden's kid", async () => {
    const kid = decodePart(token, 0).kid as string;
    const forged = await new SignJWT(decodePart(token, 1)).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid }).sign(otherEd25519Key());
    await expectRecorded(forged, 'TOKEN_SIGNATURE_INVALID', 'agent:helper');
  });

  it('records a well-signed token this warden never issued', async () => {
    const forged = await signAsWarden(t, { ...decodePart(token, 1), jti: randomBytes(12).toString('base64url') });
    await expectRecorded(forged, 'TOKEN_UNKNOWN', 'agent:helper');
  });

  it('records an expired token', async () => {
    const short = await t.grant('helper', ['forum.read'], undefined, { ttlSeconds: 60 });
    clock.advance(120_000);
    try {
      await expectRecorded(short, 'TOKEN_EXPIRED', 'agent:helper');
    } finally {
      token = await t.grant('helper', ['forum.read'], undefined, { ttlSeconds: 60 });
    }
  });

  it('does not store an over-long claimed name', async () => {
    const forged = await new SignJWT({ ...decodePart(token, 1), act: { sub: `agent:${'x'.repeat(5000)}` } })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: 'someone-else' })
      .sign(otherEd25519Key());
    await expectRecorded(forged, 'TOKEN_KEY_UNKNOWN', 'unknown');
  });

  it('groups repeats of one token and counts them', async () => {
    for (let i = 0; i < 3; i++) expectError(await t.decide('garbage-token', { tool: 'forum.read' }), 401, 'TOKEN_MALFORMED');
    const { list } = await discovered();
    expect(list).toHaveLength(1);
    expect(list[0]!.count).toBe(3);
  });

  it('records nothing for a caller whose token verifies', async () => {
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
    expect((await discovered()).list).toEqual([]);
  });

  it('writes no audit entry and no decision for an unidentified caller', async () => {
    const size = await t.warden.store.log.size();
    const decisions = (await t.warden.store.decisions.search({ limit: 1000 })).length;
    expectError(await t.decide('garbage-token-2', { tool: 'forum.read' }), 401, 'TOKEN_MALFORMED');
    expect(await t.warden.store.log.size()).toBe(size);
    expect(await t.warden.store.decisions.search({ limit: 1000 })).toHaveLength(decisions);
  });

  it('refuses no credential (401) and an agent token (401)', async () => {
    expectError(await t.request('GET', '/v1/discovered'), 401, 'UNAUTHENTICATED');
    expectError(await t.request('GET', '/v1/discovered', { key: token }), 401, 'UNAUTHENTICATED');
  });

  it('lets an auditor read it too (every role may view)', async () => {
    const res = await t.request('GET', '/v1/discovered', { key: t.keys.auditor });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ discovered: [] });
  });
});

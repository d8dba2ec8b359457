/** Shared fixtures for the identity tests: a settable clock, agents with keys, assertions, tokens. */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import type { ConfigInput } from '../../src/config/schema.js';
import { CLIENT_ASSERTION_TYPE } from '../../src/identity/assertion.js';
import { GRANT_TOKEN_EXCHANGE, TOKEN_TYPE_ACCESS, TOKEN_TYPE_JWT } from '../../src/server/routes/oauth.js';
import { testWarden, type TestWarden } from '../helpers.js';

export interface Clock {
  now: () => Date;
  advance(seconds: number): void;
  set(at: Date): void;
}

export function clock(start = Date.now()): Clock {
  let t = Math.floor(start / 1000) * 1000;
  return {
    now: () => new Date(t),
    advance(seconds) {
      t += seconds * 1000;
    },
    set(at) {
      t = at.getTime();
    },
  };
}

export interface IdentityTest extends TestWarden {
  clock: Clock;
}

export async function identityWarden(overrides: Partial<ConfigInput> = {}): Promise<IdentityTest> {
  const c = clock();
  const t = await testWarden(overrides, { now: c.now });
  return Object.assign(t, { clock: c });
}

export interface TestAgent {
  id: string;
  principal: string;
  privateKey: KeyObject;
}

/** Registers an agent over HTTP; Warden makes its key pair and hands back the private half. */
export async function registerAgent(t: TestWarden, id: string, scope: string[], owner = 'human:admin-user'): Promise<TestAgent> {
  const res = await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id, name: id, owner, scope } });
  if (res.statusCode !== 201) throw new Error(`register ${id}: ${res.statusCode} ${res.body}`);
  const privateKey = createPrivateKey({ key: res.json().privateKey, format: 'jwk' });
  return { id, principal: `agent:${id}`, privateKey };
}

export function otherEd25519Key(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

export interface AssertionOptions {
  aud?: string;
  /** Seconds from the clock's now. */
  expIn?: number;
  jti?: string;
  key?: KeyObject;
  iss?: string;
  sub?: string;
}

export async function assertionFor(t: IdentityTest, agent: TestAgent, o: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(t.clock.now().getTime() / 1000);
  return new SignJWT({ jti: o.jti ?? randomBytes(12).toString('base64url') })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(o.iss ?? agent.principal)
    .setSubject(o.sub ?? agent.principal)
    .setAudience(o.aud ?? t.warden.identity.tokenEndpoint)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expIn ?? 60))
    .sign(o.key ?? agent.privateKey);
}

/** A human (approver) grants `agent` a task over HTTP; returns the token. */
export async function grantToken(t: TestWarden, agent: string, scope: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.request('POST', '/v1/grants', { key: t.keys.approver, body: { agent, intent: 'answer forum questions', scope, ...extra } });
  if (res.statusCode !== 201) throw new Error(`grant: ${res.statusCode} ${res.body}`);
  return res.json().token as string;
}

export function formBody(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export function postForm(t: TestWarden, url: string, params: Record<string, string>, key?: string): Promise<LightMyRequestResponse> {
  return t.request('POST', url, {
    ...(key === undefined ? {} : { key }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: formBody(params),
  });
}

export function exchangeParams(subjectToken: string, actorAssertion: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: GRANT_TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE_ACCESS,
    actor_token: actorAssertion,
    actor_token_type: TOKEN_TYPE_JWT,
    ...extra,
  };
}

export function clientCredentialsParams(assertion: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, ...extra };
}

/** Exchanges over HTTP; returns the new token (throws on failure). */
export async function exchangeToken(t: IdentityTest, subjectToken: string, actor: TestAgent, scope?: string): Promise<string> {
  const res = await postForm(t, '/oauth/token', exchangeParams(subjectToken, await assertionFor(t, actor), scope === undefined ? {} : { scope }));
  if (res.statusCode !== 200) throw new Error(`exchange: ${res.statusCode} ${res.body}`);
  return res.json().access_token as string;
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs arbitrary claims with Warden's own active signing key (to test what a valid signature does not excuse). */
export async function signAsWarden(t: TestWarden, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const key = await t.warden.identity.signingKeys.active();
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid, ...header }).sign(key.privateKey);
}

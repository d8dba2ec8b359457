/**
 * Webhooks for approvers (DESIGN.md, "Approvals"): HMAC-SHA256-signed JSON to each URL
 * in the configuration, retried with backoff, and never in the way of a decision. A local
 * HTTP server plays the receiver, answering as each test scripts it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, WebhookNotifier } from '../../src/approvals/webhooks.js';
import { EventBus } from '../../src/events.js';
import { decisionWarden, eventually, type DecisionTest } from '../decisions/fixtures.js';

const SECRET = 'a-webhook-secret-of-32-characters';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  res: ServerResponse;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Decides how to answer each request (by its 1-based number); `undefined` never answers. */
  answer: (n: number) => number | undefined;
  close(): Promise<void>;
}

async function receiver(answer: Receiver['answer'] = () => 200): Promise<Receiver> {
  const r = { received: [] as Received[], answer } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), res });
      const status = r.answer(r.received.length);
      if (status !== undefined) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

function expectSigned(r: Received, secret = SECRET): void {
  const timestamp = r.headers[TIMESTAMP_HEADER] as string;
  expect(timestamp).toMatch(/^\d{10}$/);
  expect(r.headers[SIGNATURE_HEADER]).toBe(signWebhook(secret, timestamp, r.body));
  expect(r.headers['content-type']).toBe('application/json');
}

describe('webhooks from the configuration', () => {
  let t: DecisionTest;
  let hook: Receiver;
  let token: string;

  beforeAll(async () => {
    hook = await receiver();
    t = await decisionWarden({ webhooks: [{ url: hook.url, secret: SECRET }] });
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.read', 'forum.post']);
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  it('delivers approval.requested, signed with HMAC-SHA256 over `<timestamp>.<body>`', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'make the repo public, password hunter2' } })).json();
    const delivery = await eventually(async () => hook.received.find((r) => JSON.parse(r.body).type === 'approval.requested'));
    expect(delivery.path).toBe('/hook');
    expectSigned(delivery);
    const body = JSON.parse(delivery.body);
    expect(body).toMatchObject({ type: 'approval.requested', data: { id: d.approval.id, agent: 'helper', tool: 'forum.post', expiresAt: d.approval.expiresAt } });
    expect(body.data.reasons.map((r: { code: string }) => r.code)).toContain('APPROVAL_REQUIRED');
  });

  it('carries no raw arguments in the delivery', async () => {
    const delivery = await eventually(async () => hook.received.find((r) => JSON.parse(r.body).type === 'approval.requested'));
    expect(delivery.body).not.toContain('hunter2');
    expect(delivery.body).not.toContain('make the repo public');
  });

  it('gives a signature that no longer matches a body altered in transit', async () => {
    const delivery = await eventually(async () => hook.received.find((r) => JSON.parse(r.body).type === 'approval.requested'));
    const altered = delivery.body.replace('helper', 'helpe2');
    expect(signWebhook(SECRET, delivery.headers[TIMESTAMP_HEADER] as string, altered)).not.toBe(delivery.headers[SIGNATURE_HEADER]);
    expect(signWebhook('another-secret-entirely!', delivery.headers[TIMESTAMP_HEADER] as string, delivery.body)).not.toBe(delivery.headers[SIGNATURE_HEADER]);
  });

  it('delivers approval.resolved when a human decides', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'second' } })).json();
    expect((await t.request('POST', `/v1/approvals/${d.approval.id}/approve`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    const delivery = await eventually(async () =>
      hook.received.find((r) => {
        const b = JSON.parse(r.body);
        return b.type === 'approval.resolved' && b.data.id === d.approval.id ? r : undefined;
      }),
    );
    expectSigned(delivery);
    expect(JSON.parse(delivery.body).data).toEqual({ id: d.approval.id, status: 'approved', by: 'human:approver-user', agent: 'helper', tool: 'forum.post' });
  });

  it('sends only the approval events by default (no plain decisions)', async () => {
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
    // A held call after the allow: once its delivery is in, the allow's would be too.
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'third' } })).json();
    await eventually(async () => hook.received.find((r) => JSON.parse(r.body).data.id === d.approval.id));
    expect(new Set(hook.received.map((r) => JSON.parse(r.body).type))).toEqual(new Set(['approval.requested', 'approval.resolved']));
  });
});

describe('a webhook receiver that never answers', () => {
  let t: DecisionTest;
  let hook: Receiver;
  let token: string;

  beforeAll(async () => {
    hook = await receiver(() => undefined);
    t = await decisionWarden({ webhooks: [{ url: hook.url, secret: SECRET }] });
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.post']);
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  it('does not hold up the decision: it is answered while the delivery is still unanswered', async () => {
    const first = await t.decide(token, { tool: 'forum.post', args: { body: 'one' } });
    expect(first.statusCode).toBe(200);
    expect(first.json().decision).toBe('pending');
    const inFlight = await eventually(async () => hook.received[0]);
    expect(inFlight.res.writableEnded).toBe(false);
    const second = await t.decide(token, { tool: 'forum.post', args: { body: 'two' } });
    expect(second.json().decision).toBe('pending');
    expect(inFlight.res.writableEnded).toBe(false);
  });

  it('does not hold up resolving the approval either', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'three' } })).json();
    const res = await t.request('POST', `/v1/approvals/${d.approval.id}/deny`, { key: t.keys.approver, body: {} });
    expect(res.statusCode).toBe(200);
    expect(hook.received.every((r) => !r.res.writableEnded)).toBe(true);
  });
});

describe('WebhookNotifier delivery and retries', () => {
  const receivers: Receiver[] = [];
  const notifiers: WebhookNotifier[] = [];
  afterEach(async () => {
    for (const n of notifiers.splice(0)) n.close();
    for (const r of receivers.splice(0)) await r.close();
  });

  async function setUp(answer: Receiver['answer'], options: ConstructorParameters<typeof WebhookNotifier>[2] = {}, events?: string[]) {
    const r = await receiver(answer);
    receivers.push(r);
    const bus = new EventBus();
    const warnings: string[] = [];
    const notifier = new WebhookNotifier([{ url: r.url, secret: SECRET, ...(events ? { events } : {}) }], bus, {
      backoffMs: 1,
      log: { warn: (_obj, msg) => warnings.push(msg) },
      ...options,
    });
    notifiers.push(notifier);
    return { r, bus, notifier, warnings };
  }

  it('retries a receiver failing with 500 twice, then 200: three identical, signed deliveries', async () => {
    const { r, bus, notifier, warnings } = await setUp((n) => (n <= 2 ? 500 : 200));
    bus.emit('approval.requested', { id: 'apr_retry' }, '2026-01-05T10:00:00.000Z');
    await notifier.drain();
    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((x) => x.body))).toEqual(new Set(['{"type":"approval.requested","time":"2026-01-05T10:00:00.000Z","data":{"id":"apr_retry"}}']));
    for (const x of r.received) expectSigned(x);
    expect(warnings).toEqual([]);
  });

  it('retries 429 and 408 like a server error', async () => {
    const { r, bus, notifier } = await setUp((n) => [429, 408, 200][n - 1]);
    bus.emit('approval.resolved', { id: 'apr_busy' });
    await notifier.drain();
    expect(r.received).toHaveLength(3);
  });

  it('does not retry a 400 (it will not get better) and reports the failure', async () => {
    const { r, bus, notifier, warnings } = await setUp(() => 400);
    bus.emit('approval.requested', { id: 'apr_bad' });
    await notifier.drain();
    expect(r.received).toHaveLength(1);
    expect(warnings).toEqual(['webhook delivery failed']);
  });

  it('gives up after the configured attempts and reports the failure', async () => {
    const { r, bus, notifier, warnings } = await setUp(() => 503, { attempts: 3 });
    bus.emit('approval.requested', { id: 'apr_down' });
    await notifier.drain();
    expect(r.received).toHaveLength(3);
    expect(warnings).toEqual(['webhook delivery failed']);
  });

  it('retries a receiver that times out', async () => {
    const { r, bus, notifier, warnings } = await setUp(() => undefined, { attempts: 2, timeoutMs: 50 });
    bus.emit('approval.requested', { id: 'apr_slow' });
    await notifier.drain();
    expect(r.received).toHaveLength(2);
    expect(warnings).toEqual(['webhook delivery failed']);
  });

  it('retries a receiver that cannot be reached', async () => {
    const r = await receiver();
    const url = r.url;
    await r.close();
    const bus = new EventBus();
    const warnings: string[] = [];
    const notifier = new WebhookNotifier([{ url, secret: SECRET }], bus, { backoffMs: 1, attempts: 2, log: { warn: (_o, m) => warnings.push(m) } });
    notifiers.push(notifier);
    bus.emit('approval.requested', { id: 'apr_gone' });
    await notifier.drain();
    expect(warnings).toEqual(['webhook delivery failed']);
  });

  it('sends only the events a hook asked for', async () => {
    const { r, bus, notifier } = await setUp(() => 200, {}, ['decision']);
    bus.emit('approval.requested', { id: 'apr_1' });
    bus.emit('decision', { id: 'dec_1' });
    await notifier.drain();
    expect(r.received.map((x) => JSON.parse(x.body).type)).toEqual(['decision']);
  });

  it('drops events beyond its bound instead of queueing without limit', async () => {
    const { r, bus, notifier, warnings } = await setUp(() => 200, { maxQueued: 1 });
    bus.emit('approval.requested', { id: 'apr_a' });
    bus.emit('approval.requested', { id: 'apr_b' });
    await notifier.drain();
    expect(r.received.map((x) => JSON.parse(x.body).data.id)).toEqual(['apr_a']);
    expect(warnings).toEqual(['webhook queue full; event dropped']);
  });

  it("keeps each hook's bound to itself: a receiver that never answers does not stop the others' deliveries", async () => {
    const dead = await receiver(() => undefined);
    const healthy = await receiver(() => 200);
    receivers.push(dead, healthy);
    const bus = new EventBus();
    const notifier = new WebhookNotifier(
      [
        { url: dead.url, secret: SECRET, events: ['decision', 'approval.requested'] },
        { url: healthy.url, secret: SECRET },
      ],
      bus,
      { backoffMs: 1, timeoutMs: 60_000, maxQueued: 5, log: { warn: () => undefined } },
    );
    notifiers.push(notifier);
    // The dead receiver's budget fills with decisions it never answers …
    for (let i = 0; i < 5; i++) bus.emit('decision', { id: `dec_${i}` });
    await vi.waitFor(() => expect(dead.received).toHaveLength(5));
    // … and the approver's hook still gets the approval request.
    bus.emit('approval.requested', { id: 'apr_after' });
    await vi.waitFor(() => expect(healthy.received.map((x) => JSON.parse(x.body).data.id)).toEqual(['apr_after']));
    expect(dead.received).toHaveLength(5);
  });

  it('stops delivering once closed', async () => {
    const { r, bus, notifier } = await setUp(() => 200);
    notifier.close();
    bus.emit('approval.requested', { id: 'apr_late' });
    await notifier.drain();
    expect(r.received).toEqual([]);
  });
});

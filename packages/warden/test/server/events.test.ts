/**
 * `GET /v1/events`: server-sent events over a real socket (streaming needs one), read with
 * fetch. A decision, a held call, its resolution and a suspension each arrive as an event.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_BUFFERED_BYTES } from '../../src/server/routes/events.js';
import { decisionWarden, eventually, type DecisionTest } from '../decisions/fixtures.js';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Opens the stream and collects its events as they arrive. */
async function openStream(base: string, key: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${key}` }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let buffer = '';
  const reading = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) comments.push(block);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type !== undefined && data !== undefined) events.push({ event: type, data: JSON.parse(data) });
        }
      }
    } catch {
      // Aborted by the test.
    }
  })();
  return {
    res,
    events,
    comments,
    find: (type: string, match: (d: Record<string, unknown>) => boolean = () => true) =>
      eventually(async () => events.find((e) => e.event === type && match(e.data))),
    async close() {
      abort.abort();
      await reading;
    },
  };
}

describe('GET /v1/events', () => {
  let t: DecisionTest;
  let base: string;
  let token: string;
  let stream: Awaited<ReturnType<typeof openStream>>;

  beforeAll(async () => {
    t = await decisionWarden();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.read', 'forum.post']);
    stream = await openStream(base, t.keys.viewer);
  });
  afterAll(async () => {
    await stream.close();
    await t.close();
  });

  it('answers 200 text/event-stream and says it is connected', async () => {
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream');
    expect(stream.res.headers.get('cache-control')).toBe('no-cache');
    await eventually(async () => (stream.comments.includes(': connected') ? true : undefined));
  });

  it('streams a decision', async () => {
    const d = (await t.decide(token, { tool: 'forum.read' })).json();
    const e = await stream.find('decision', (x) => x.id === d.id);
    expect(e.data).toEqual({ time: e.data.time, id: d.id, agent: 'helper', tool: 'forum.read', decision: 'allow', score: 0, index: d.receipt.index });
  });

  it('streams a held call as a decision and an approval request', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'do not stream me' } })).json();
    expect((await stream.find('decision', (x) => x.id === d.id)).data.decision).toBe('pending');
    const requested = await stream.find('approval.requested', (x) => x.id === d.approval.id);
    expect(requested.data).toMatchObject({ id: d.approval.id, agent: 'helper', tool: 'forum.post', expiresAt: d.approval.expiresAt });
    expect(JSON.stringify(stream.events)).not.toContain('do not stream me');
  });

  it('streams the resolution of an approval', async () => {
    const d = (await t.decide(token, { tool: 'forum.post', args: { body: 'two' } })).json();
    expect((await t.request('POST', `/v1/approvals/${d.approval.id}/deny`, { key: t.keys.approver, body: {} })).statusCode).toBe(200);
    const resolved = await stream.find('approval.resolved', (x) => x.id === d.approval.id);
    expect(resolved.data).toEqual({ time: resolved.data.time, id: d.approval.id, status: 'denied', by: 'human:approver-user', agent: 'helper', tool: 'forum.post' });
  });

  it('streams to every listener', async () => {
    const second = await openStream(base, t.keys.auditor);
    try {
      const d = (await t.decide(token, { tool: 'forum.read' })).json();
      await second.find('decision', (x) => x.id === d.id);
      await stream.find('decision', (x) => x.id === d.id);
    } finally {
      await second.close();
    }
  });

  it('streams a suspension', async () => {
    expect((await t.request('POST', '/v1/agents/helper/suspend', { key: t.keys.admin, body: {} })).statusCode).toBe(200);
    await stream.find('agent.suspended', (x) => x.id === 'helper');
  });

  it('refuses no credential with 401 (JSON, not a stream)', async () => {
    const res = await fetch(`${base}/v1/events`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an agent token with 401', async () => {
    const res = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a revoked key with 401 KEY_REVOKED', async () => {
    const key = await t.warden.keys.create({ owner: 'human:leaver', role: 'viewer' }, 'system');
    await t.warden.keys.revoke(key.id, 'system');
    const res = await fetch(`${base}/v1/events`, { headers: { authorization: `Bearer ${key.key}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('KEY_REVOKED');
  });

  it('drops a client that stops reading once a bounded buffer is full, and stops listening for it', async () => {
    const listeners = () => (t.warden.events as unknown as { emitter: { listenerCount(e: string): number } }).emitter.listenerCount('event');
    const before = listeners();
    const res = await new Promise<http.IncomingMessage>((resolve) => {
      http.get(`${base}/v1/events`, { headers: { authorization: `Bearer ${t.keys.viewer}` } }, resolve);
    });
    expect(res.statusCode).toBe(200);
    // A viewer that never reads again.
    res.pause();
    let closed = false;
    res.on('close', () => (closed = true));
    await vi.waitFor(() => expect(listeners()).toBe(before + 1));
    // Several times the bound, in events of about 150 bytes, slowly enough for the other
    // stream (opened in beforeAll), which does read, to keep up.
    // (The kernel's socket buffers take a few MiB before Node's own buffer starts to grow.)
    const n = Math.ceil((16 * MAX_BUFFERED_BYTES) / 150);
    for (let i = 0; i < n && listeners() > before; i++) {
      t.warden.events.emit('decision', { id: `dec_${i}`, agent: 'helper', tool: 'forum.read', decision: 'allow', score: 0, index: i });
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await vi.waitFor(() => expect(listeners()).toBe(before));
    res.resume();
    await vi.waitFor(() => expect(closed).toBe(true));
  });
});

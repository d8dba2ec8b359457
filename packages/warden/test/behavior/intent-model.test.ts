import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAICompatibleJudge } from '../../src/behavior/intent-model.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const chat = (content: string) => JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] });

describe('OpenAICompatibleJudge against a local fake server', () => {
  let server: Server;
  let baseUrl = '';
  let handler: Handler = () => undefined;
  const seen: { url: string; auth: string | undefined; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', auth: req.headers.authorization, body: JSON.parse(body || '{}') as Record<string, unknown> });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const query = { intent: 'draft an answer to forum question 4721', tool: 'forum.post', categories: ['publish'], args: { body: 'hi' } };
  const reply = (status: number, text: string): Handler => (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };

  it('posts to /chat/completions and turns a mismatch into points scaled by confidence', async () => {
    handler = reply(200, chat('{"mismatch": true, "confidence": 0.5, "reason": "asked to draft, not to post"}'));
    const judge = new OpenAICompatibleJudge({ baseUrl, model: 'tiny', apiKey: 'sk-test-key' });
    const v = await judge.judge(query);
    expect(v).toEqual({
      mismatch: true,
      points: 20,
      message: 'a model judge (`tiny`) finds `forum.post` outside the task `draft an answer to forum question 4721`: "asked to draft, not to post"',
    });
    const req = seen.at(-1);
    expect(req?.url).toBe('/v1/chat/completions');
    expect(req?.auth).toBe('Bearer sk-test-key');
    expect(req?.body.model).toBe('tiny');
    expect(req?.body.response_format).toEqual({ type: 'json_object' });
    // Arguments stay home unless asked for.
    expect(JSON.stringify(req?.body.messages)).not.toContain('"hi"');
  });

  it('reports "within" as no mismatch', async () => {
    handler = reply(200, chat('{"mismatch": false, "reason": "fine"}'));
    const v = await new OpenAICompatibleJudge({ baseUrl, model: 'tiny' }).judge(query);
    expect(v?.mismatch).toBe(false);
    expect(v?.points).toBe(0);
    expect(seen.at(-1)?.auth).toBeUndefined();
  });

  it('reads JSON wrapped in prose', async () => {
    handler = reply(200, chat('Sure! {"mismatch": true, "reason": "x"} Hope this helps.'));
    expect((await new OpenAICompatibleJudge({ baseUrl, model: 'm', points: 30 }).judge(query))?.points).toBe(30);
  });

  it('sends an argument preview when asked, but never one holding a secret', async () => {
    handler = reply(200, chat('{"mismatch": false}'));
    const judge = new OpenAICompatibleJudge({ baseUrl, model: 'm', includeArgs: true });
    await judge.judge(query);
    expect(JSON.stringify(seen.at(-1)?.body.messages)).toContain('Arguments: {\\"body\\":\\"hi\\"}');
    await judge.judge({ ...query, args: { body: 'key AKIAIOSFODNN7EXAMPLE' } });
    const sent = JSON.stringify(seen.at(-1)?.body.messages);
    expect(sent).not.toContain('AKIA');
    expect(sent).toContain('withheld');
  });

  it.each<[string, Handler]>([
    ['a 500', reply(500, '{"error": "boom"}')],
    ['a body that is not JSON', reply(200, 'not json')],
    ['content that is not JSON', reply(200, chat('I think it is fine'))],
    ['a verdict without a boolean', reply(200, chat('{"mismatch": "yes"}'))],
    ['no choices', reply(200, '{}')],
    ['a body over 64 KiB', reply(200, chat(`{"mismatch": true, "reason": "${'x'.repeat(70_000)}"}`))],
    ['a connection dropped mid-answer', (_req, _body, res) => res.socket?.destroy()],
  ])('answers null (no opinion) on %s', async (_name, h) => {
    handler = h;
    expect(await new OpenAICompatibleJudge({ baseUrl, model: 'm' }).judge(query)).toBeNull();
  });

  it('answers null when the server is slower than the timeout', async () => {
    handler = (_req, _body, res) => {
      const t = setTimeout(() => res.end(chat('{"mismatch": true}')), 2000);
      res.on('close', () => clearTimeout(t));
    };
    expect(await new OpenAICompatibleJudge({ baseUrl, model: 'm', timeoutMs: 50 }).judge(query)).toBeNull();
  });

  it('answers null when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await new OpenAICompatibleJudge({ baseUrl: `http://127.0.0.1:${port}`, model: 'm' }).judge(query)).toBeNull();
  });

  it('refuses a base URL that is not http(s) with a TypeError', () => {
    expect(() => new OpenAICompatibleJudge({ baseUrl: 'file:///etc/passwd', model: 'm' })).toThrow(TypeError);
    expect(() => new OpenAICompatibleJudge({ baseUrl, model: '' })).toThrow(TypeError);
  });
});

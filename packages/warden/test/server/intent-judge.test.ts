// The optional model judge, configured in warden.config.yaml, adds its opinion to the score
// through the same pipeline; it runs against a local fake OpenAI-compatible server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testWarden, type TestWarden } from '../helpers.js';

describe('model intent judge from configuration', () => {
  let server: Server;
  let t: TestWarden;
  const seen: Array<{ auth: string | undefined; body: { model?: string } }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body: JSON.parse(raw) });
        const content = '{"mismatch": true, "confidence": 1, "reason": "the task is about reading, this deletes"}';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content } }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    process.env.WARDEN_TEST_JUDGE_KEY = 'sk-test-judge';
    t = await testWarden({ behavior: { allowedHosts: [], sensitiveTargets: [], intentJudge: { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'local-judge', apiKeyEnv: 'WARDEN_TEST_JUDGE_KEY' } } });
    await t.request('PUT', '/v1/tools/docs.delete', { key: t.keys.admin, body: { categories: ['delete'] } });
    await t.request('POST', '/v1/agents', { key: t.keys.admin, body: { id: 'docs-bot', name: 'D', owner: 'human:o', scope: ['docs.*'] } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => server.close(r));
    delete process.env.WARDEN_TEST_JUDGE_KEY;
  });

  it('asks the configured model with the key from the named variable, and its opinion shows in the factors', async () => {
    const res = await t.request('POST', '/v1/behavior/score', {
      key: t.keys.auditor,
      body: { agent: 'docs-bot', tool: 'docs.delete', target: 'docs/a', task: { intent: 'zzz qqq' } },
    });
    expect(res.statusCode).toBe(200);
    const intent = res.json().factors.find((f: { code: string }) => f.code === 'INTENT_MISMATCH');
    expect(intent?.message).toContain('local-judge');
    expect(seen.at(-1)).toMatchObject({ auth: 'Bearer sk-test-judge', body: { model: 'local-judge' } });
  });

  it('refuses a judge URL that is not a URL at start', async () => {
    await expect(testWarden({ behavior: { allowedHosts: [], sensitiveTargets: [], intentJudge: { baseUrl: 'not a url', model: 'm' } } })).rejects.toThrow(/intentJudge\.baseUrl/);
  });
});

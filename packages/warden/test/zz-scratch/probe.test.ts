import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';

describe('probe', () => {
  let t: DecisionTest;
  let token: string;
  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.read', 'forum.post']);
  });
  afterAll(async () => { await t.close(); });

  it('lone surrogate in args', async () => {
    const res = await t.request('POST', '/v1/decisions', { key: token, payload: '{"tool":"forum.read","args":{"a":"\\ud800"}}' });
    console.log('surrogate', res.statusCode, res.body.slice(0, 300));
  });
  it('lone surrogate in target', async () => {
    const res = await t.request('POST', '/v1/decisions', { key: token, payload: '{"tool":"forum.read","target":"\\ud800"}' });
    console.log('surrogate target', res.statusCode, res.body.slice(0, 300));
  });
  it('lone surrogate in intent', async () => {
    const res = await t.request('POST', '/v1/decisions', { key: token, payload: '{"tool":"forum.read","intent":"\\udc00"}' });
    console.log('surrogate intent', res.statusCode, res.body.slice(0, 300));
  });
  it('deep args', async () => {
    const d = 50000;
    const payload = `{"tool":"forum.read","args":{"a":${'['.repeat(d)}${']'.repeat(d)}}}`;
    const res = await t.request('POST', '/v1/decisions', { key: token, payload });
    console.log('deep', res.statusCode, res.body.slice(0, 300));
  });
  it('after: still alive', async () => {
    const res = await t.decide(token, { tool: 'forum.read' });
    console.log('alive', res.statusCode, res.json().decision);
  });
});

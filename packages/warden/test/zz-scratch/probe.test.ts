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

  it('routes', async () => {
    const S = '"\\ud800x"';
    const dec = (await t.decide(token, { tool: 'forum.read' })).json().id;
    const apr = (await t.decide(token, { tool: 'forum.post', args: { b: 1 } })).json().approval.id;
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/v1/grants', t.keys.approver, `{"agent":"helper","intent":${S},"scope":["forum.read"]}`],
      ['POST', '/v1/agents', t.keys.admin, `{"id":"zz","name":${S},"owner":"human:x"}`],
      ['PATCH', '/v1/agents/helper', t.keys.admin, `{"description":${S}}`],
      ['PUT', '/v1/tools/x.y', t.keys.admin, `{"categories":["read"],"description":${S}}`],
      ['POST', `/v1/decisions/${dec}/outcome`, token, `{"status":"failed","summary":${S}}`],
      ['POST', `/v1/approvals/${apr}/deny`, t.keys.approver, `{"comment":${S}}`],
      ['POST', '/v1/agents/helper/suspend', t.keys.admin, `{"reason":${S}}`],
      ['POST', '/v1/behavior/score', t.keys.auditor, `{"agent":"helper","tool":"forum.read","args":{"a":${S}}}`],
      ['POST', '/v1/behavior/import', t.keys.admin, `{"events":[{"time":"2026-01-01T00:00:00Z","agent":"helper","tool":"forum.read","args":{"a":${S}}}]}`],
    ];
    for (const [m, u, k, p] of cases) {
      const res = await t.request(m, u, { key: k, payload: p });
      console.log(m, u, res.statusCode, res.body.slice(0, 160));
    }
  });
});

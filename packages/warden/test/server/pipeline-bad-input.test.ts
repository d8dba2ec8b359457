/**
 * Bad input on every route the decision pipeline added: decisions, outcomes, the approval
 * queue, policies, behaviour, discovered callers and events. Malformed JSON is 400
 * INVALID_JSON; unknown fields, wrong types and out-of-range values are 400
 * INVALID_REQUEST naming the field; the wrong kind of credential is 401 or 403. Nothing
 * is recorded, nothing changes, and the server stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionWarden, type DecisionTest } from '../decisions/fixtures.js';
import { expectError } from './state.js';

const MALFORMED: Array<[string, string]> = [
  ['an unclosed object', '{"tool":'],
  ['single quotes', "{'tool':'forum.read'}"],
  ['a trailing comma', '{"tool":"forum.read",}'],
  ['two documents', '{"tool":"forum.read"}{"tool":"x"}'],
  ['a bare word', 'allow'],
  ['an empty body', ''],
];

const NOT_AN_OBJECT: Array<[string, string]> = [
  ['null', 'null'],
  ['an array', '[{"tool":"forum.read"}]'],
  ['a number', '1'],
  ['a string', '"forum.read"'],
  ['true', 'true'],
];

interface State {
  log: number;
  decisions: number;
  approvals: unknown[];
  policy: string;
  discovered: number;
}

describe('bad input on the decision pipeline routes', () => {
  let t: DecisionTest;
  let token: string;
  let decisionId: string;
  let approvalId: string;
  let before: State;

  const state = async (): Promise<State> => ({
    log: await t.warden.store.log.size(),
    decisions: (await t.warden.store.decisions.search({ limit: 10_000 })).length,
    approvals: await t.warden.store.approvals.list({ limit: 1000 }),
    policy: await t.warden.policy.version(),
    discovered: (await t.warden.store.discovered.list()).length,
  });

  beforeAll(async () => {
    t = await decisionWarden();
    await t.register('helper', ['forum.*']);
    await t.categorise('forum.read', ['read']);
    await t.categorise('forum.post', ['publish']);
    token = await t.grant('helper', ['forum.read', 'forum.post']);
    decisionId = (await t.decide(token, { tool: 'forum.read' })).json().id;
    approvalId = (await t.decide(token, { tool: 'forum.post', args: { body: 'x' } })).json().approval.id;
    before = await state();
  });
  afterAll(async () => {
    // Nothing any bad request did changed anything, and the server still decides.
    expect(await state()).toEqual(before);
    expect((await t.decide(token, { tool: 'forum.read' })).json().decision).toBe('allow');
    await t.close();
  });

  /** Every route with a JSON body, with the credential it needs. */
  const bodyRoutes = () =>
    [
      { method: 'POST', url: '/v1/decisions', key: token },
      { method: 'POST', url: `/v1/decisions/${decisionId}/outcome`, key: token },
      { method: 'POST', url: `/v1/approvals/${approvalId}/approve`, key: t.keys.approver },
      { method: 'POST', url: `/v1/approvals/${approvalId}/deny`, key: t.keys.approver },
      { method: 'PUT', url: '/v1/policies', key: t.keys.admin },
      { method: 'POST', url: '/v1/policies/simulate', key: t.keys.admin },
      { method: 'POST', url: '/v1/behavior/import', key: t.keys.admin },
      { method: 'POST', url: '/v1/behavior/score', key: t.keys.auditor },
    ] as const;

  describe('malformed JSON', () => {
    for (const [what, payload] of MALFORMED) {
      it(`answers 400 INVALID_JSON to ${what} on every route with a body`, async () => {
        for (const r of bodyRoutes()) {
          const res = await t.request(r.method, r.url, { key: r.key, payload });
          expect({ url: r.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: r.url, status: 400, code: 'INVALID_JSON' });
        }
      });
    }
  });

  describe('JSON that parses but that nothing downstream can take', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const cases: Array<[string, string]> = [
      ['a lone surrogate in the arguments', '{"tool":"forum.read","args":{"a":"\\ud800"}}'],
      ['a lone low surrogate in the target', '{"tool":"forum.read","target":"\\udc00x"}'],
      ['a lone surrogate in the stated intent', '{"tool":"forum.read","intent":"x\\udbff"}'],
      ['a lone surrogate in an argument name', '{"tool":"forum.read","args":{"\\ud800":1}}'],
      ['arguments nested 65 levels deep', `{"tool":"forum.read","args":{"a":${deep(64)}}}`],
      ['arguments nested 50,000 levels deep', `{"tool":"forum.read","args":{"a":${deep(50_000)}}}`],
    ];
    for (const [what, payload] of cases) {
      it(`answers 400 INVALID_REQUEST to ${what} on every route with a body`, async () => {
        for (const r of bodyRoutes()) {
          const res = await t.request(r.method, r.url, { key: r.key, payload });
          expect({ url: r.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: r.url, status: 400, code: 'INVALID_REQUEST' });
        }
      });
    }

    it('still takes a well-formed surrogate pair and nesting 64 levels deep', async () => {
      const res = await t.request('POST', '/v1/decisions', { key: token, payload: `{"tool":"forum.read","args":{"emoji":"\\ud83d\\ude00","a":${deep(62)}}}` });
      expect(res.statusCode).toBe(200);
      expect(res.json().decision).toBe('allow');
      // Undo what it recorded, so the suite's final check sees nothing changed by bad input.
      before = await state();
    });
  });

  describe('JSON that is not an object', () => {
    for (const [what, payload] of NOT_AN_OBJECT) {
      it(`answers 400 INVALID_REQUEST to ${what} on every route with a body`, async () => {
        for (const r of bodyRoutes()) {
          const res = await t.request(r.method, r.url, { key: r.key, payload });
          expect({ url: r.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: r.url, status: 400, code: 'INVALID_REQUEST' });
        }
      });
    }
  });

  it('answers 400 INVALID_REQUEST to a text/plain body on every route with a body', async () => {
    for (const r of bodyRoutes()) {
      const res = await t.request(r.method, r.url, { key: r.key, payload: '{"tool":"forum.read"}', headers: { 'content-type': 'text/plain' } });
      expect({ url: r.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: r.url, status: 400, code: 'INVALID_REQUEST' });
    }
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to an XML body on every route with a body', async () => {
    for (const r of bodyRoutes()) {
      const res = await t.request(r.method, r.url, { key: r.key, payload: '<tool/>', headers: { 'content-type': 'application/xml' } });
      expect({ url: r.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: r.url, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over 1 MiB on every route with a body', async () => {
    const payload = JSON.stringify({ tool: 'forum.read', args: { pad: 'x'.repeat(1024 * 1024) } });
    for (const r of bodyRoutes()) {
      const res = await t.request(r.method, r.url, { key: r.key, payload });
      expect({ url: r.url, status: res.statusCode, code: res.json().error?.code }).toEqual({ url: r.url, status: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  describe('POST /v1/decisions', () => {
    const cases: Array<[string, unknown, string]> = [
      ['no tool', {}, 'tool'],
      ['an empty tool', { tool: '' }, 'tool'],
      ['a tool that is a number', { tool: 1 }, 'tool'],
      ['a tool with a space', { tool: 'forum read' }, 'tool'],
      ['a tool starting with a dot', { tool: '.hidden' }, 'tool'],
      ['a tool of 201 characters', { tool: `t${'x'.repeat(200)}` }, 'tool'],
      ['a target that is a number', { tool: 'forum.read', target: 5 }, 'target'],
      ['an empty target', { tool: 'forum.read', target: '' }, 'target'],
      ['a target of 2001 characters', { tool: 'forum.read', target: 'x'.repeat(2001) }, 'target'],
      ['args that are an array', { tool: 'forum.read', args: [1, 2] }, 'args'],
      ['args that are a string', { tool: 'forum.read', args: 'rm -rf /' }, 'args'],
      ['args that are null', { tool: 'forum.read', args: null }, 'args'],
      ['an intent that is an object', { tool: 'forum.read', intent: { text: 'x' } }, 'intent'],
      ['an intent of 2001 characters', { tool: 'forum.read', intent: 'x'.repeat(2001) }, 'intent'],
      ['an unknown field', { tool: 'forum.read', decision: 'allow' }, 'decision'],
      ['a smuggled token field', { tool: 'forum.read', token: 'x' }, 'token'],
    ];
    for (const [what, body, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.decide(token, body), 400, 'INVALID_REQUEST', field);
      });
    }

    const waits: Array<[string, string]> = [
      ['?wait=61', 'wait=61'],
      ['?wait=-1', 'wait=-1'],
      ['?wait=1.5', 'wait=1.5'],
      ['?wait=soon', 'wait=soon'],
      ['?wait=1e9', 'wait=1e9'],
    ];
    for (const [what, query] of waits) {
      it(`answers 400 naming \`wait\` to ${what}`, async () => {
        const res = await t.request('POST', `/v1/decisions?${query}`, { key: token, body: { tool: 'forum.read' } });
        expectError(res, 400, 'INVALID_REQUEST', 'wait');
      });
    }

    it('answers 400 naming an unknown query parameter', async () => {
      expectError(await t.request('POST', '/v1/decisions?dryRun=1', { key: token, body: { tool: 'forum.read' } }), 400, 'INVALID_REQUEST', 'dryRun');
    });

    it('answers 403 to a human key (decisions are for agents)', async () => {
      for (const key of [t.keys.admin, t.keys.approver]) {
        const res = await t.request('POST', '/v1/decisions', { key, body: { tool: 'forum.read' } });
        expectError(res, 403, 'FORBIDDEN');
      }
    });

    it('answers 401 with no credential', async () => {
      expectError(await t.request('POST', '/v1/decisions', { body: { tool: 'forum.read' } }), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 to a credential in another scheme', async () => {
      const res = await t.request('POST', '/v1/decisions', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, body: { tool: 'forum.read' } });
      expectError(res, 401, 'UNAUTHENTICATED');
    });
  });

  describe('POST /v1/decisions/:id/outcome', () => {
    const cases: Array<[string, unknown, string]> = [
      ['no status', {}, 'status'],
      ['an unknown status', { status: 'done' }, 'status'],
      ['a status that is a boolean', { status: true }, 'status'],
      ['a summary that is a number', { status: 'succeeded', summary: 5 }, 'summary'],
      ['a summary of 2001 characters', { status: 'succeeded', summary: 'x'.repeat(2001) }, 'summary'],
      ['an unknown field', { status: 'succeeded', at: '2020-01-01T00:00:00Z' }, 'at'],
    ];
    for (const [what, body, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.request('POST', `/v1/decisions/${decisionId}/outcome`, { key: token, body }), 400, 'INVALID_REQUEST', field);
      });
    }

    for (const id of ['abc', 'apr_123', 'dec_', `dec_${'x'.repeat(65)}`, 'dec_a%20b']) {
      it(`answers 400 naming \`id\` to the id \`${id}\``, async () => {
        expectError(await t.request('POST', `/v1/decisions/${id}/outcome`, { key: token, body: { status: 'succeeded' } }), 400, 'INVALID_REQUEST', 'id');
      });
    }

    it('answers 403 to a human key and 401 with no credential', async () => {
      expectError(await t.request('POST', `/v1/decisions/${decisionId}/outcome`, { key: t.keys.admin, body: { status: 'succeeded' } }), 403, 'FORBIDDEN');
      expectError(await t.request('POST', `/v1/decisions/${decisionId}/outcome`, { body: { status: 'succeeded' } }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('GET /v1/decisions', () => {
    const cases: Array<[string, string, string]> = [
      ['an unknown decision value', 'decision=maybe', 'decision'],
      ['a limit of 0', 'limit=0', 'limit'],
      ['a limit of 1001', 'limit=1001', 'limit'],
      ['a limit that is not a number', 'limit=all', 'limit'],
      ['a `from` that is not a time', 'from=yesterday', 'from'],
      ['a `to` without an offset', 'to=2026-01-05T10:00:00', 'to'],
      ['an agent of 64 characters', `agent=${'a'.repeat(64)}`, 'agent'],
      ['an unknown parameter', 'sort=asc', 'sort'],
    ];
    for (const [what, query, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.request('GET', `/v1/decisions?${query}`, { key: t.keys.auditor }), 400, 'INVALID_REQUEST', field);
      });
    }

    it('answers 400 naming `id` to a bad decision id', async () => {
      expectError(await t.request('GET', '/v1/decisions/apr_123', { key: t.keys.auditor }), 400, 'INVALID_REQUEST', 'id');
    });
  });

  describe('GET /v1/approvals and /v1/approvals/:id', () => {
    const listCases: Array<[string, string, string]> = [
      ['an unknown status', 'status=open', 'status'],
      ['a limit of 0', 'limit=0', 'limit'],
      ['a limit of 501', 'limit=501', 'limit'],
      ['an unknown parameter', 'tool=forum.post', 'tool'],
    ];
    for (const [what, query, field] of listCases) {
      it(`answers 400 naming \`${field}\` to a list with ${what}`, async () => {
        expectError(await t.request('GET', `/v1/approvals?${query}`, { key: t.keys.approver }), 400, 'INVALID_REQUEST', field);
      });
    }

    for (const id of ['abc', 'dec_123', 'apr_', `apr_${'x'.repeat(65)}`]) {
      it(`answers 400 naming \`id\` to the approval id \`${id}\``, async () => {
        expectError(await t.request('GET', `/v1/approvals/${id}`, { key: t.keys.approver }), 400, 'INVALID_REQUEST', 'id');
      });
    }

    for (const query of ['wait=61', 'wait=-1', 'wait=x', 'wait=2.5']) {
      it(`answers 400 naming \`wait\` to ?${query}`, async () => {
        expectError(await t.request('GET', `/v1/approvals/${approvalId}?${query}`, { key: t.keys.approver }), 400, 'INVALID_REQUEST', 'wait');
      });
    }

    it('answers 400 naming an unknown query parameter on one approval', async () => {
      expectError(await t.request('GET', `/v1/approvals/${approvalId}?full=1`, { key: t.keys.approver }), 400, 'INVALID_REQUEST', 'full');
    });

    it('answers 401 with no credential and 403 to a viewer', async () => {
      expectError(await t.request('GET', '/v1/approvals'), 401, 'UNAUTHENTICATED');
      expectError(await t.request('GET', '/v1/approvals', { key: t.keys.viewer }), 403, 'FORBIDDEN');
      expectError(await t.request('GET', `/v1/approvals/${approvalId}`), 401, 'UNAUTHENTICATED');
      expectError(await t.request('GET', `/v1/approvals/${approvalId}`, { key: t.keys.viewer }), 403, 'FORBIDDEN');
    });
  });

  describe('POST /v1/approvals/:id/approve and /deny', () => {
    for (const verb of ['approve', 'deny']) {
      const cases: Array<[string, unknown, string]> = [
        ['a comment that is a number', { comment: 5 }, 'comment'],
        ['a comment of 2001 characters', { comment: 'x'.repeat(2001) }, 'comment'],
        ['an unknown field', { comment: 'ok', as: 'human:someone-else' }, 'as'],
      ];
      for (const [what, body, field] of cases) {
        it(`${verb}: answers 400 naming \`${field}\` to ${what}`, async () => {
          expectError(await t.request('POST', `/v1/approvals/${approvalId}/${verb}`, { key: t.keys.approver, body }), 400, 'INVALID_REQUEST', field);
        });
      }

      it(`${verb}: answers 400 naming \`id\` to a bad approval id`, async () => {
        expectError(await t.request('POST', `/v1/approvals/dec_123/${verb}`, { key: t.keys.approver, body: {} }), 400, 'INVALID_REQUEST', 'id');
      });

      it(`${verb}: answers 401 to an agent token and with no credential, 403 to a viewer`, async () => {
        expectError(await t.request('POST', `/v1/approvals/${approvalId}/${verb}`, { key: token, body: {} }), 401, 'UNAUTHENTICATED');
        expectError(await t.request('POST', `/v1/approvals/${approvalId}/${verb}`, { body: {} }), 401, 'UNAUTHENTICATED');
        expectError(await t.request('POST', `/v1/approvals/${approvalId}/${verb}`, { key: t.keys.viewer, body: {} }), 403, 'FORBIDDEN');
      });
    }
  });

  describe('PUT /v1/policies', () => {
    const cases: Array<[string, unknown, string]> = [
      ['no policies', {}, 'policies'],
      ['policies that are a number', { policies: 5 }, 'policies'],
      ['policies that are an array of strings', { policies: ['permit (principal, action, resource);'] }, 'policies'],
      ['an unknown field', { policies: 'permit (principal, action, resource);', version: 'v9' }, 'version'],
    ];
    for (const [what, body, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.request('PUT', '/v1/policies', { key: t.keys.admin, body }), 400, 'INVALID_REQUEST', field);
      });
    }
  });

  describe('POST /v1/policies/simulate', () => {
    const window = { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' };
    const cases: Array<[string, unknown, string]> = [
      ['no policies', window, 'policies'],
      ['policies that are a number', { ...window, policies: 1 }, 'policies'],
      ['a limit of 100001', { ...window, policies: 'permit (principal, action, resource);', limit: 100_001 }, 'limit'],
      ['a fractional limit', { ...window, policies: 'permit (principal, action, resource);', limit: 1.5 }, 'limit'],
    ];
    for (const [what, body, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.request('POST', '/v1/policies/simulate', { key: t.keys.admin, body }), 400, 'INVALID_REQUEST', field);
      });
    }

    it('answers 403 to an auditor', async () => {
      expectError(await t.request('POST', '/v1/policies/simulate', { key: t.keys.auditor, body: { ...window, policies: 'x' } }), 403, 'FORBIDDEN');
    });
  });

  describe('POST /v1/behavior/import', () => {
    const event = { time: '2026-01-05T10:00:00Z', agent: 'helper', tool: 'forum.read' };
    const cases: Array<[string, unknown, string]> = [
      ['no events', {}, 'events'],
      ['an empty list of events', { events: [] }, 'events'],
      ['events that are an object', { events: event }, 'events'],
      ['an event without a time', { events: [{ agent: 'helper', tool: 'forum.read' }] }, 'events.0.time'],
      ['an event at a time that is not ISO', { events: [{ ...event, time: 'monday' }] }, 'events.0.time'],
      ['an event with a bad agent id', { events: [{ ...event, agent: 'Helper!' }] }, 'events.0.agent'],
      ['an event with a bad tool name', { events: [{ ...event, tool: 'forum read' }] }, 'events.0.tool'],
      ['an event with args that are a string', { events: [{ ...event, args: 'x' }] }, 'events.0.args'],
      ['an event with an unknown field', { events: [{ ...event, decision: 'allow' }] }, 'events.0.decision'],
      ['an unknown field', { events: [event], replace: true }, 'replace'],
    ];
    for (const [what, body, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.request('POST', '/v1/behavior/import', { key: t.keys.admin, body }), 400, 'INVALID_REQUEST', field);
      });
    }

    it('answers 404 AGENT_NOT_FOUND for an unregistered agent, learning nothing', async () => {
      const res = await t.request('POST', '/v1/behavior/import', { key: t.keys.admin, body: { events: [event, { ...event, agent: 'ghost' }] } });
      expectError(res, 404, 'AGENT_NOT_FOUND');
    });

    it('answers 403 to an auditor and 401 to an agent token', async () => {
      expectError(await t.request('POST', '/v1/behavior/import', { key: t.keys.auditor, body: { events: [event] } }), 403, 'FORBIDDEN');
      expectError(await t.request('POST', '/v1/behavior/import', { key: token, body: { events: [event] } }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('POST /v1/behavior/score', () => {
    const cases: Array<[string, unknown, string]> = [
      ['no agent', { tool: 'forum.read' }, 'agent'],
      ['no tool', { agent: 'helper' }, 'tool'],
      ['a bad agent id', { agent: 'agent:helper', tool: 'forum.read' }, 'agent'],
      ['a time that is not ISO', { agent: 'helper', tool: 'forum.read', time: 'now' }, 'time'],
      ['a task with an unknown field', { agent: 'helper', tool: 'forum.read', task: { intent: 'x', scope: ['*'] } }, 'task.scope'],
      ['a task intent that is a number', { agent: 'helper', tool: 'forum.read', task: { intent: 1 } }, 'task.intent'],
      ['an unknown field', { agent: 'helper', tool: 'forum.read', categories: ['read'] }, 'categories'],
    ];
    for (const [what, body, field] of cases) {
      it(`answers 400 naming \`${field}\` to ${what}`, async () => {
        expectError(await t.request('POST', '/v1/behavior/score', { key: t.keys.auditor, body }), 400, 'INVALID_REQUEST', field);
      });
    }

    it('answers 404 AGENT_NOT_FOUND for an unregistered agent', async () => {
      expectError(await t.request('POST', '/v1/behavior/score', { key: t.keys.auditor, body: { agent: 'ghost', tool: 'forum.read' } }), 404, 'AGENT_NOT_FOUND');
    });

    it('answers 403 to a viewer and 401 with no credential', async () => {
      expectError(await t.request('POST', '/v1/behavior/score', { key: t.keys.viewer, body: { agent: 'helper', tool: 'forum.read' } }), 403, 'FORBIDDEN');
      expectError(await t.request('POST', '/v1/behavior/score', { body: { agent: 'helper', tool: 'forum.read' } }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('GET /v1/discovered and GET /v1/events', () => {
    for (const url of ['/v1/discovered', '/v1/events']) {
      it(`${url}: answers 401 with no credential, to an agent token and to a made-up key`, async () => {
        expectError(await t.request('GET', url), 401, 'UNAUTHENTICATED');
        expectError(await t.request('GET', url, { key: token }), 401, 'UNAUTHENTICATED');
        expectError(await t.request('GET', url, { key: `wk_${'Z'.repeat(43)}` }), 401, 'UNAUTHENTICATED');
      });
    }
  });
});

// Targets are judged in one spelling: `..`, `.`, `//` and percent-encoded dots cannot walk
// a call around a rule on the real path.
import { describe, expect, it } from 'vitest';
import { normalizeTarget } from '../../src/decisions/target.js';
import { codes, decisionWarden } from './fixtures.js';

describe('normalizeTarget', () => {
  it.each([
    ['/data/public/../payroll/q1.csv', '/data/payroll/q1.csv'],
    ['/data//payroll/q1.csv', '/data/payroll/q1.csv'],
    ['/data/./payroll/q1.csv', '/data/payroll/q1.csv'],
    ['/data/public/%2e%2e/payroll/q1.csv', '/data/payroll/q1.csv'],
    ['/data/public/%2E%2E%2Fpayroll/q1.csv', '/data/payroll/q1.csv'],
    ['https://files.test/a/./b/../payroll', 'https://files.test/a/payroll'],
    ['https://files.test//a//b', 'https://files.test/a/b'],
    ['forum/questions/4721', 'forum/questions/4721'],
    ['repo:acme/site', 'repo:acme/site'],
    ['plain-name', 'plain-name'],
  ])('spells %s as %s', (input, expected) => {
    expect(normalizeTarget(input)).toBe(expected);
  });
});

describe('a sensitive target behind `..`', () => {
  it('is held like the direct path: the policy sees the resolved path', async () => {
    const t = await decisionWarden();
    try {
      await t.register('reader', ['files.*']);
      await t.categorise('files.read', ['read']);
      const pack = (await t.request('GET', '/v1/policies', { key: t.keys.viewer })).json().policies as string;
      const rule = '\n@id("payroll-needs-approval")\n@approval("payroll")\nforbid (principal, action == Warden::Action::"call", resource) when { context.target like "/data/payroll/*" };';
      expect((await t.request('PUT', '/v1/policies', { key: t.keys.admin, body: { policies: pack + rule } })).statusCode).toBe(200);
      const token = await t.grant('reader', ['files.read']);
      const direct = (await t.decide(token, { tool: 'files.read', target: '/data/payroll/q1.csv' })).json();
      const sneaky = (await t.decide(token, { tool: 'files.read', target: '/data/public/../payroll/q1.csv' })).json();
      expect(direct.decision).toBe('pending');
      expect(sneaky.decision).toBe('pending');
      expect(codes(sneaky)).toContain('APPROVAL_REQUIRED');
      expect(sneaky.policy.determining).toContain('payroll-needs-approval');
    } finally {
      await t.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { globToRegExp, sensitiveMatch, targetPrefix } from '../../src/behavior/targets.js';

describe('targetPrefix', () => {
  it.each([
    ['repo:acme/payments/src/app.ts', 'repo:acme/payments'],
    ['forum/questions/4721', 'forum/questions'],
    ['/var/log/syslog', 'var/log'],
    ['https://api.example.com/v1/users?id=3', 'api.example.com/v1'],
    ['https://api.example.com', 'api.example.com'],
    ['crm/customers?all=1', 'crm/customers'],
    ['single', 'single'],
    ['//double//slashes//here', 'double/slashes'],
  ])('%s → %s', (target, prefix) => {
    expect(targetPrefix(target)).toBe(prefix);
  });

  it('caps the prefix at 200 characters', () => {
    expect(targetPrefix(`${'a'.repeat(5000)}/b`)).toHaveLength(200);
  });
});

describe('sensitiveMatch', () => {
  const globs = ['repo:acme/secret-*/**', 'hr/**', 'finance/ledger'];

  it.each([
    ['repo:acme/secret-keys/deploy/key.txt', 'repo:acme/secret-*/**'],
    ['hr/employees/42', 'hr/**'],
    ['FINANCE/LEDGER', 'finance/ledger'],
    ['repo:acme/app/.env', 'built-in'],
    ['/home/ci/.ssh/id_ed25519', 'built-in'],
    ['/etc/shadow', 'built-in'],
    ['s3://bucket/certs/server.pem', 'built-in'],
  ])('marks %s sensitive (%s)', (target, match) => {
    expect(sensitiveMatch(target, globs)).toBe(match);
  });

  it.each(['repo:acme/secretariat/x', 'repo:acme/payments/src/env.ts', 'forum/questions/1', 'finance/ledger/2026', 'hrx/1'])(
    'leaves %s alone',
    (target) => {
      expect(sensitiveMatch(target, globs)).toBeNull();
    },
  );

  it('treats glob metacharacters of other regex dialects literally', () => {
    expect(globToRegExp('a.b+(c)').test('a.b+(c)')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { detectBulk } from '../../../src/behavior/detectors/bulk.js';
import { run } from './helpers.js';

describe('detectBulk', () => {
  it('flags a wildcard query with a huge limit on a personal-data tool, outside a bulk task', () => {
    const [f] = run(detectBulk, { query: '*', limit: 5000 }, { tool: 'crm.search', categories: ['read', 'pii'], intent: 'answer support ticket 4711' });
    expect(f).toEqual({
      code: 'BULK_READ',
      points: 70,
      message:
        '`crm.search` asks for records in bulk (`limit=5000`, `query=*`) including personal data, and the task `answer support ticket 4711` does not call for bulk work',
    });
  });

  it('weighs a bulk export the task asks for less', () => {
    const [f] = run(detectBulk, { limit: 10_000, fields: ['email', 'plan'] }, { tool: 'db.export', categories: ['read'], intent: 'export the monthly churn report' });
    expect(f?.points).toBe(50);
  });

  it('flags a SELECT without WHERE, personal columns making it heavier', () => {
    expect(run(detectBulk, { sql: 'SELECT name, email, ssn FROM customers' }, { categories: ['read'] })[0]?.points).toBe(50);
    expect(run(detectBulk, { sql: 'SELECT id, sku FROM orders' }, { categories: ['read'] })[0]?.points).toBe(20);
    expect(run(detectBulk, { sql: 'SELECT id FROM orders LIMIT 50000' }, { categories: ['read'] })[0]?.message).toContain('`a SELECT without WHERE`');
  });

  it.each([
    ['a small limit', { query: 'refund', limit: 20 }],
    ['a SELECT with WHERE', { sql: "SELECT email FROM customers WHERE id = 42" }],
    ['a SELECT with a small LIMIT', { sql: 'SELECT * FROM orders LIMIT 10' }],
    ['an aggregate', { sql: 'SELECT plan, count(*) FROM signups GROUP BY plan' }],
    ['a star in prose', { body: 'rate it * * * * *' }],
    ['"email" in prose next to a small query', { body: 'please email me', query: 'refund' }],
  ])('stays quiet on %s', (_name, args) => {
    expect(run(detectBulk, args, { categories: ['read'] })).toEqual([]);
  });
});

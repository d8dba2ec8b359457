/**
 * The redacted preview that goes into an audit leaf (and onto the approval screen): a leaf
 * can never be rewritten, so whatever secret reaches it stays there for good. Each kind of
 * secret an agent may send in its arguments is a case of its own.
 */
import { describe, expect, it } from 'vitest';
import { redactedPreview } from '../../src/audit/redact.js';

const leaks = (value: unknown, secret: string) => expect(redactedPreview(value)).not.toContain(secret);

describe('redactedPreview keeps secrets out of the leaf', () => {
  it('masks the value of a field named like a password, whatever it looks like', () => {
    leaks({ password: 'hunter2' }, 'hunter2');
    leaks({ db: { user: 'app', passwd: 'correct-horse' } }, 'correct-horse');
    expect(redactedPreview({ password: 'hunter2', user: 'app' })).toBe('{"password":"[redacted]","user":"app"}');
  });

  it('masks api keys and tokens in fields named for them', () => {
    leaks({ apiKey: 'abc123def456' }, 'abc123def456');
    leaks({ client_secret: 'zz-top-secret-value' }, 'zz-top-secret-value');
    leaks({ github_token: 'plain-looking-token' }, 'plain-looking-token');
    leaks({ headers: { Authorization: 'Token 0123456789abcdef' } }, '0123456789abcdef');
  });

  it('masks an OpenAI-style key anywhere in a string', () => {
    leaks({ note: `use sk-proj-${'A'.repeat(40)} for this` }, 'sk-proj-AAAA');
  });

  it('masks a Stripe live key', () => {
    leaks({ note: `sk_live_${'b'.repeat(24)}` }, 'sk_live_bbbb');
  });

  it('masks a Google API key', () => {
    leaks({ note: `AIza${'c'.repeat(35)}` }, 'AIzacccc');
  });

  it('masks an npm token', () => {
    leaks({ note: `npm_${'d'.repeat(36)}` }, 'npm_dddd');
  });

  it('masks a private key block, not only its header', () => {
    leaks({ key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC' }, 'MIIEvQIBADANBgkq');
  });

  it('masks a token in a URL query and a password in URL credentials', () => {
    leaks({ url: 'https://x.io/v1?access_token=abcdef123456' }, 'abcdef12');
    leaks({ dsn: 'redis://app:S3cretPassw0rd@cache:6379' }, 'S3cretPassw0rd');
  });

  it('masks `password=` assignments and bearer credentials in free text', () => {
    leaks({ body: 'log in with password=Tr0ub4dor&3 today' }, 'Tr0ub4dor');
    leaks({ body: 'curl -H "Authorization: Bearer abcdefghijklmnop"' }, 'abcdefghijklmnop');
  });

  it('still shows what is not secret', () => {
    expect(redactedPreview({ title: 'weekly report', max_tokens: 100 })).toBe('{"title":"weekly report","max_tokens":100}');
  });
});

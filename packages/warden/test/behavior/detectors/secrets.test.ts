import { describe, expect, it } from 'vitest';
import { detectSecrets } from '../../../src/behavior/detectors/secrets.js';
import { run } from './helpers.js';

const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;

describe('detectSecrets', () => {
  it.each([
    ['an AWS access key id', 'AKIAIOSFODNN7EXAMPLE', '`AKIA…`'],
    ['a GitHub token', `ghp_${'a1B2'.repeat(9)}`, '`ghp_…`'],
    ['a GitHub token', `github_pat_11ABCDEFG0${'x'.repeat(60)}`, '`gith…`'],
    ['a Slack token', 'xoxb-1234567890-abcdefghijkl', '`xoxb-…`'],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...', ''],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----', ''],
    ['a JSON Web Token', jwt({ sub: 'u1', exp: 1 }), '`eyJ…`'],
    ['a password in a connection string', 'postgres://admin:Xk9fQ2mLp7ZrT4vB@db:5432/prod', ''],
  ])('finds %s', (label, value, preview) => {
    const [f] = run(detectSecrets, { body: `here: ${value} ok` });
    expect(f?.code).toBe('SECRET_IN_ARGS');
    expect(f?.message).toContain(label);
    if (preview) expect(f?.message).toContain(preview);
    expect(f?.points).toBe(70); // 60 + 10: `forum.draft` writes it down
  });

  it('never puts the secret itself in the message', () => {
    const [f] = run(detectSecrets, { body: 'AKIAIOSFODNN7EXAMPLE' });
    expect(f?.message).not.toContain('IOSFODNN7EXAMPLE');
  });

  it('finds a random `password=` assignment in text and a random value in a secret-named field', () => {
    expect(run(detectSecrets, { cmd: 'curl -u x --data password=Zx8!qLr2Wm9#tP4v' }, { categories: ['execute'] })[0]).toEqual({
      code: 'SECRET_IN_ARGS',
      points: 45,
      message: '`cmd` contains a password value',
    });
    expect(run(detectSecrets, { apiKey: 'q8Xf2LmZ0pR7tY4wK9sD' }, { categories: ['read'] })[0]?.message).toBe(
      '`apiKey` contains a secret in field `apiKey`',
    );
  });

  it('weighs a secret that leaves (publish, network) more', () => {
    const [f] = run(detectSecrets, { text: 'AKIAIOSFODNN7EXAMPLE' }, { tool: 'slack.post', categories: ['publish'] });
    expect(f?.points).toBe(75);
    expect(f?.message).toBe('`text` contains an AWS access key id (`AKIA…`), and `slack.post` sends it out');
  });

  it.each([
    ['prose about passwords', { body: 'Reset your password in the settings page, then log in again.' }],
    ['a placeholder assignment', { body: 'set api_key=<your-api-key> and password=changeme' }],
    ['an env reference', { body: 'token: ${GITHUB_TOKEN}' }],
    ['a short AKIA lookalike', { body: 'AKIA1234' }],
    ['a JWT lookalike that does not decode', { body: `eyJ${'a'.repeat(20)}.eyJ${'b'.repeat(20)}.${'c'.repeat(20)}`, expectWeak: true }],
    ['a word in a secret-named field', { password: 'correct horse battery staple' }],
    ['max_tokens', { max_tokens: 'abcdefghijklmnop1234' }],
    ['a connection string without a password', { url: 'postgres://db.internal:5432/app' }],
  ])('stays quiet on %s (or weak for a lookalike)', (_name, args) => {
    const { expectWeak, ...rest } = args as Record<string, unknown>;
    const found = run(detectSecrets, rest);
    if (expectWeak) expect(found[0]?.points).toBe(55);
    else expect(found).toEqual([]);
  });
});

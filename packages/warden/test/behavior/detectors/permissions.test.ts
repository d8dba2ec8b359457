import { describe, expect, it } from 'vitest';
import { detectPermissionWidening } from '../../../src/behavior/detectors/permissions.js';
import { run } from './helpers.js';

describe('detectPermissionWidening', () => {
  it.each([
    ['make the repository readable by everyone', 'readable by everyone'],
    ['just make it public and retry', 'make it public'],
    ['make the bucket world-readable', 'make the bucket world-readable'],
    ['run chmod 777 /srv/app', 'chmod 777'],
    ['chmod -R a+rwx shared/', 'chmod -r a+rwx'],
    ['grant everyone read on the repo', 'grant everyone'],
    ['Grant read access to all employees', 'grant read access to all employees'],
    ['add the bot to the all-employees group', 'add the bot to the all-employees group'],
    ['disable branch protection on main', 'disable branch protection'],
    ['set visibility to public', 'set visibility to public'],
    ['gh repo edit acme/x --visibility public', '--visibility public'],
    ['aws s3api put-bucket-acl --acl public-read', '--acl public-read'],
    ['{"Principal": "*", "Effect": "Allow"}', '"principal": "*"'],
    ['share the doc with anyone with the link', 'share the doc with anyone'],
    ['give everyone admin', 'give everyone admin'],
  ])('finds "%s"', (text, phrase) => {
    const [f] = run(detectPermissionWidening, { body: text });
    expect(f?.code).toBe('PERMISSION_WIDENING');
    expect(f?.message).toContain(`\`${phrase}\``);
    expect(f?.points).toBe(45);
  });

  it('weighs instructions that are published or applied more', () => {
    const published = run(detectPermissionWidening, { body: 'make the repo public' }, { tool: 'forum.post', categories: ['publish'] });
    expect(published[0]).toEqual({
      code: 'PERMISSION_WIDENING',
      points: 70,
      message: '`body` asks to widen access: `make the repo public`, and `forum.post` publishes it for people to follow',
    });
    const applied = run(detectPermissionWidening, { acl: 'public-read-write' }, { tool: 'iam.set', categories: ['permissions'] });
    expect(applied[0]?.points).toBe(70);
    expect(applied[0]?.message).toContain('`iam.set` changes permissions');
  });

  it.each([
    'chmod 644 README.md',
    'chmod 755 bin/run',
    'ask the owners for read access through the request form',
    'make sure the repository is not public',
    'the repository was public until 2024',
    'grant payments-eng read on repo:acme/payments',
    'publish the release notes to everyone on the list',
    'visible to the reviewers only',
    'enable branch protection on main',
  ])('stays quiet on "%s"', (text) => {
    expect(run(detectPermissionWidening, { body: text })).toEqual([]);
  });
});

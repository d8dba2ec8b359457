import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { detectBlobs } from '../../../src/behavior/detectors/blobs.js';
import { run } from './helpers.js';

describe('detectBlobs', () => {
  it('finds a base64 blob, line breaks and all', () => {
    const b64 = randomBytes(600).toString('base64').replace(/(.{76})/g, '$1\n');
    const [f] = run(detectBlobs, { attachment: b64 });
    expect(f?.code).toBe('ENCODED_BLOB');
    expect(f?.points).toBe(20);
    expect(f?.message).toMatch(/^`attachment` holds a \d+ B base64 blob$/);
  });

  it('finds a long hex run and weighs a large blob more', () => {
    expect(run(detectBlobs, { dump: randomBytes(100).toString('hex') })[0]?.message).toBe('`dump` holds a 200 B hex blob');
    expect(run(detectBlobs, { file: randomBytes(6000).toString('base64') })[0]?.points).toBe(30);
  });

  it.each([
    ['prose', { body: 'word '.repeat(500) }],
    ['a short base64 value', { token: randomBytes(60).toString('base64') }],
    ['a SHA-256 hex digest', { sha: randomBytes(32).toString('hex') }],
    ['a long path', { path: 'src/components/settings/panels/'.repeat(10) }],
    ['one letter repeated', { body: 'a'.repeat(1000) }],
  ])('stays quiet on %s', (_name, args) => {
    expect(run(detectBlobs, args)).toEqual([]);
  });
});

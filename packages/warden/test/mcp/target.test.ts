/** The target of a call, taken from its arguments. */
import { describe, expect, it } from 'vitest';
import { MAX_TARGET_LENGTH, targetOf } from '../../src/mcp/target.js';

describe('targetOf', () => {
  it.each([
    ['a path', { path: '/repo/README.md', content: 'x' }, '/repo/README.md'],
    ['a uri', { uri: 'demo://resource/1' }, 'demo://resource/1'],
    ['a url', { url: 'https://example.com/x' }, 'https://example.com/x'],
    ['a repo', { repo: 'acme/secret', title: 'x' }, 'acme/secret'],
    ['a repository', { repository: 'acme/app' }, 'acme/app'],
    ['a file', { file: 'notes.txt' }, 'notes.txt'],
    ['file_path', { file_path: '/a/b' }, '/a/b'],
    ['filePath', { filePath: '/a/c' }, '/a/c'],
    ['a target', { target: 'prod-db' }, 'prod-db'],
    ['the source of a move', { source: '/a/old', destination: '/a/new' }, '/a/old'],
    ['the first of several paths', { paths: ['/a/one', '/a/two'] }, '/a/one'],
    ['path before url, whatever the argument order', { url: 'https://x', path: '/p' }, '/p'],
    ['nothing that names a target', { message: 'hello' }, undefined],
    ['no arguments', undefined, undefined],
    ['an empty path is no target', { path: '', url: 'https://x' }, 'https://x'],
    ['a path that is not a string is skipped', { path: 42, uri: 'u://x' }, 'u://x'],
    ['an empty array of paths is no target', { paths: [] }, undefined],
  ])('%s', (_label, args, expected) => {
    expect(targetOf(args as Record<string, unknown> | undefined)).toBe(expected);
  });

  it('cuts a very long target to the decision API limit', () => {
    expect(targetOf({ path: 'x'.repeat(5000) })).toHaveLength(MAX_TARGET_LENGTH);
  });

  it('does not read a key from the prototype chain', () => {
    const args = Object.create({ path: '/inherited' }) as Record<string, unknown>;
    expect(targetOf(args)).toBeUndefined();
  });
});

/** Scope patterns: matching a tool, and "lies within" between patterns (delegation only narrows). */
import { describe, expect, it } from 'vitest';
import { parseScope, patternWithin, scopeAllows, scopeExcess } from '../../src/identity/scope.js';

describe('scopeAllows', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['forum.read'], 'forum.read', true],
    [['forum.read'], 'forum.reader', false],
    [['forum.*'], 'forum.post', true],
    [['forum.*'], 'forum.admin.delete', true],
    [['forum.*'], 'forumx.post', false],
    [['forum.*'], 'forum', false],
    [['*'], 'anything.at/all', true],
    [['repo.*.read'], 'repo.main.read', true],
    [['repo.*.read'], 'repo.main.write', false],
    [['a.b'], 'aXb', false],
    [[], 'forum.read', false],
  ];
  for (const [scope, tool, expected] of cases) {
    it(`${JSON.stringify(scope)} ${expected ? 'allows' : 'does not allow'} \`${tool}\``, () => {
      expect(scopeAllows(scope, tool)).toBe(expected);
    });
  }
});

describe('patternWithin', () => {
  const cases: Array<[string, string, boolean]> = [
    ['forum.read', 'forum.read', true],
    ['forum.read', 'forum.*', true],
    ['forum.read.*', 'forum.*', true],
    ['forum.*', 'forum.read', false],
    ['forum.*', 'forum.*.x', false],
    ['forum.*', '*', true],
    ['*', 'forum.*', false],
    ['a*b', 'a*', true],
    ['a*', 'a*b', false],
    ['a*b*c', 'a*c', true],
    ['a*c', 'a*b*c', false],
    ['repo.*.read', 'repo.*', true],
    ['repo.*', 'repo.*.read', false],
  ];
  for (const [inner, outer, expected] of cases) {
    it(`\`${inner}\` ${expected ? 'lies' : 'does not lie'} within \`${outer}\``, () => {
      expect(patternWithin(inner, outer)).toBe(expected);
    });
  }

  it('names exactly the patterns that escape', () => {
    expect(scopeExcess(['forum.read', 'repo.write', 'docs.*'], ['forum.*', 'docs.read'])).toEqual(['repo.write', 'docs.*']);
  });
});

describe('parseScope', () => {
  it('splits on spaces and drops duplicates', () => {
    expect(parseScope('forum.read  forum.post forum.read')).toEqual(['forum.read', 'forum.post']);
  });

  it('refuses an empty scope with SCOPE_INVALID', () => {
    expect(() => parseScope('  ')).toThrow(expect.objectContaining({ code: 'SCOPE_INVALID' }));
  });

  it('refuses a malformed pattern with SCOPE_INVALID', () => {
    expect(() => parseScope('forum.read $rm')).toThrow(expect.objectContaining({ code: 'SCOPE_INVALID' }));
  });
});

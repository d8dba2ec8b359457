/** MCP annotations → catalog categories: the table in docs/mcp.md, case by case. */
import { describe, expect, it } from 'vitest';
import { categoriesFromAnnotations } from '../../src/mcp/categories.js';

describe('categoriesFromAnnotations', () => {
  it.each([
    ['no annotations at all', undefined, ['unknown']],
    ['annotations without any hint (a title only)', { title: 'Echo' }, ['unknown']],
    ['read-only, closed world', { readOnlyHint: true, openWorldHint: false }, ['read']],
    ['read-only, destructive hint ignored', { readOnlyHint: true, destructiveHint: true, openWorldHint: false }, ['read']],
    ['read-only, open world', { readOnlyHint: true, openWorldHint: true }, ['network', 'read']],
    ['read-only, world not said: open by default', { readOnlyHint: true }, ['network', 'read']],
    ['not read-only, not destructive, closed world', { readOnlyHint: false, destructiveHint: false, openWorldHint: false }, ['write']],
    ['not read-only, destructive, closed world', { readOnlyHint: false, destructiveHint: true, openWorldHint: false }, ['delete', 'write']],
    ['not read-only, destructive not said: destructive by default', { readOnlyHint: false, openWorldHint: false }, ['delete', 'write']],
    ['only an open-world hint: writes and deletes by default', { openWorldHint: true }, ['delete', 'network', 'write']],
    ['only destructiveHint false', { destructiveHint: false }, ['network', 'write']],
    ['server-everything gzip-file-as-resource', { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true }, ['network', 'write']],
  ])('%s', (_label, annotations, expected) => {
    expect(categoriesFromAnnotations(annotations)).toEqual(expected);
  });

  it('ignores hints that are not booleans (a server sending strings gets no benefit of the doubt)', () => {
    expect(categoriesFromAnnotations({ readOnlyHint: 'yes' } as never)).toEqual(['unknown']);
  });
});

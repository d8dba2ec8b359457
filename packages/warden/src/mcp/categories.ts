/**
 * The categories an upstream's MCP tool annotations suggest. Annotations are hints from
 * the server, not facts (the MCP specification says so), which is why they only fill
 * the catalog as source `mcp`: an administrator's categories always win, and a tool with
 * no hints at all is `unknown`, which the default policy pack holds for a human.
 *
 * | annotations                                      | categories              |
 * |--------------------------------------------------|-------------------------|
 * | none of the three hints                          | `unknown`               |
 * | `readOnlyHint: true`                             | `read`                  |
 * | not read-only, `destructiveHint: false`          | `write`                 |
 * | not read-only, `destructiveHint` true or absent  | `write`, `delete`       |
 * | and `openWorldHint` true or absent               | adds `network`          |
 *
 * Where some hints are given and others are not, the absent ones take the defaults the
 * specification gives them (`readOnlyHint` false, `destructiveHint` true, `openWorldHint`
 * true): the cautious reading.
 */
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { Category } from '../inventory/schemas.js';

type Annotations = McpTool['annotations'];

/**
 * @example
 * categoriesFromAnnotations({ readOnlyHint: true, openWorldHint: false }); // ['read']
 * categoriesFromAnnotations({ readOnlyHint: false, destructiveHint: true, openWorldHint: false }); // ['delete', 'write']
 */
export function categoriesFromAnnotations(annotations: Annotations | undefined): Category[] {
  const a = annotations ?? {};
  const hinted = [a.readOnlyHint, a.destructiveHint, a.openWorldHint].some((h) => typeof h === 'boolean');
  if (!hinted) return ['unknown'];
  const out = new Set<Category>();
  if (a.readOnlyHint === true) {
    out.add('read');
  } else {
    out.add('write');
    if (a.destructiveHint !== false) out.add('delete');
  }
  if (a.openWorldHint !== false) out.add('network');
  return [...out].sort();
}

/**
 * Scopes: space-separated tool patterns in a token, arrays everywhere else. A pattern is a
 * tool name in which `*` matches any run of characters, dots included: `forum.*` covers
 * `forum.read` and `forum.admin.delete`, `*` covers everything.
 *
 * Delegation may only narrow, so "is this requested scope within that one?" must hold for
 * patterns as well as names: `forum.read.*` lies within `forum.*`, `forum.*` does not lie
 * within `forum.read`. `patternWithin` decides that exactly (see its comment).
 */
import { TOOL_PATTERN } from '../inventory/schemas.js';
import { identityError, IdentityCodes } from './errors.js';

const MAX_SCOPE_ENTRIES = 200;

/** Compiled matchers, bounded: scopes repeat across tokens, so a small cache holds them all. */
const compiled = new Map<string, RegExp>();
const MAX_COMPILED = 4096;

function matcher(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 's');
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/**
 * Whether `tool` is within `scope`.
 *
 * @example
 * scopeAllows(['forum.*'], 'forum.post'); // true
 * scopeAllows(['forum.read'], 'repo.write'); // false
 */
export function scopeAllows(scope: readonly string[], tool: string): boolean {
  for (const pattern of scope) {
    if (pattern === tool || matcher(pattern).test(tool)) return true;
  }
  return false;
}

/**
 * Whether every tool name `inner` can match is also matched by `outer`.
 *
 * For `*`-only globs this is exact: `outer` must match `inner` read as text in which each
 * `*` of `inner` is a symbol only a `*` of `outer` can absorb. (Replace every `*` of `inner`
 * by a character `outer` never uses: `outer` matches the result iff it covers `inner`.)
 *
 * @example
 * patternWithin('forum.read.*', 'forum.*'); // true
 * patternWithin('forum.*', 'forum.read'); // false
 */
export function patternWithin(inner: string, outer: string): boolean {
  if (inner === outer || outer === '*') return true;
  const n = outer.length;
  const m = inner.length;
  // memo[i * (m + 1) + j]: 0 unknown, 1 true, 2 false
  const memo = new Uint8Array((n + 1) * (m + 1));
  const covers = (i: number, j: number): boolean => {
    const slot = i * (m + 1) + j;
    const seen = memo[slot];
    if (seen === 1) return true;
    if (seen === 2) return false;
    let result: boolean;
    if (i === n) result = j === m;
    else if (outer[i] === '*') result = covers(i + 1, j) || (j < m && covers(i, j + 1));
    else result = j < m && inner[j] !== '*' && inner[j] === outer[i] && covers(i + 1, j + 1);
    memo[slot] = result ? 1 : 2;
    return result;
  };
  return covers(0, 0);
}

/** The patterns of `requested` that no pattern of `allowed` covers (empty: it lies within). */
export function scopeExcess(requested: readonly string[], allowed: readonly string[]): string[] {
  return requested.filter((p) => !allowed.some((a) => patternWithin(p, a)));
}

/** Checks each pattern's syntax; throws SCOPE_INVALID. */
export function validateScope(scope: readonly string[]): string[] {
  if (scope.length === 0) throw identityError(IdentityCodes.SCOPE_INVALID, 'scope must name at least one tool pattern');
  if (scope.length > MAX_SCOPE_ENTRIES) throw identityError(IdentityCodes.SCOPE_INVALID, `scope has more than \`${MAX_SCOPE_ENTRIES}\` patterns`);
  for (const p of scope) {
    if (!TOOL_PATTERN.test(p)) throw identityError(IdentityCodes.SCOPE_INVALID, `\`${p.slice(0, 200)}\` is not a tool name or pattern`);
  }
  return [...new Set(scope)];
}

/** Parses an OAuth `scope` parameter (RFC 6749 §3.3: space-delimited). */
export function parseScope(text: string): string[] {
  return validateScope(text.split(' ').filter((s) => s.length > 0));
}

export function formatScope(scope: readonly string[]): string {
  return scope.join(' ');
}

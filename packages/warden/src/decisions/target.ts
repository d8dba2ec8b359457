/**
 * The target of a call in one canonical spelling, so that a policy rule or a sensitive-target
 * pattern on `/data/payroll/**` cannot be walked around with `/data/public/../payroll`,
 * `/data//payroll` or `%2e%2e`: what Warden judges is the path the tool will resolve.
 * (Symbolic links are the tool's own business and cannot be seen from here.)
 */
import { posix } from 'node:path';

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * @example
 * normalizeTarget('/data/public/../payroll/q1.csv'); // '/data/payroll/q1.csv'
 * normalizeTarget('https://x.test/a/./b/../c');       // 'https://x.test/a/c'
 */
export function normalizeTarget(target: string): string {
  if (SCHEME.test(target)) {
    try {
      const url = new URL(target);
      // WHATWG URL parsing removes dot segments; `//` runs in the path are collapsed too.
      url.pathname = url.pathname.replace(/\/{2,}/g, '/');
      return url.protocol === 'file:' || url.host !== '' ? url.toString() : target;
    } catch {
      return target;
    }
  }
  if (!target.includes('/') && !/%2e|%2f/i.test(target)) return target;
  let decoded = target;
  // Percent-encoded dots and slashes are how a path hides a `..` from a pattern.
  decoded = decoded.replace(/%2e/gi, '.').replace(/%2f/gi, '/');
  const normalized = posix.normalize(decoded);
  // posix.normalize keeps a trailing slash; a relative path that climbs out stays `../…`.
  return normalized === '.' ? target : normalized;
}

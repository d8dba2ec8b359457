/**
 * JSON bodies: Fastify's own parser (with its `__proto__` and `constructor` guards), plus
 * two refusals of text that parses but that nothing downstream can take. Both are 400
 * `INVALID_REQUEST` (as any other body no route can take) at the door, rather than a 500
 * from deep inside a route:
 * - a string with a lone surrogate (`"\ud800"`): it has no UTF-8 form, so it cannot be
 *   written to an audit leaf (RFC 8785), and I-JSON (RFC 7493) forbids it;
 * - nesting deeper than `MAX_JSON_DEPTH`: whatever walks the value recursively (canonical
 *   JSON, detectors) would run out of stack.
 */
import type { FastifyInstance } from 'fastify';
import { CommonCodes, WardenError } from '../errors.js';

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** A `\uD800`–`\uDFFF` escape: only then can a parsed string hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Nesting depth of JSON text, strings skipped; stops counting past `limit`. */
function depthExceeds(text: string, limit: number): boolean {
  if (text.length <= 2 * limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return !LONE_SURROGATE.test(value);
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(wellFormed);
  for (const [k, v] of Object.entries(value)) if (LONE_SURROGATE.test(k) || !wellFormed(v)) return false;
  return true;
}

/** What is wrong with a parsed JSON body that the parser let through, if anything. */
export function jsonBodyProblem(text: string, value: unknown): string | undefined {
  if (depthExceeds(text, MAX_JSON_DEPTH)) return `request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
  if (SURROGATE_ESCAPE.test(text) && !wellFormed(value)) return 'request body holds a lone surrogate (`\\ud800`–`\\udfff` not in a pair)';
  return undefined;
}

export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (err, value) => {
      if (err) return done(err, undefined);
      const problem = jsonBodyProblem(body as string, value);
      if (problem !== undefined) return done(new WardenError(CommonCodes.INVALID_REQUEST, problem), undefined);
      done(null, value);
    });
  });
}

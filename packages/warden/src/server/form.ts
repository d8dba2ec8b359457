/**
 * `application/x-www-form-urlencoded` bodies, which the OAuth endpoints must accept
 * (RFC 6749 §4.4.2, RFC 7009 §2.1, RFC 7662 §2.1). A parameter sent twice becomes an array,
 * which the route's schema then refuses: RFC 6749 §3.2 forbids repeating one.
 */
import type { FastifyInstance } from 'fastify';

export function parseForm(body: string): Record<string, string | string[]> {
  // A null prototype: a parameter named `__proto__` is just a parameter.
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of new URLSearchParams(body)) {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else out[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

export function installFormParser(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });
}

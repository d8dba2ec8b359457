// The SDK must run anywhere fetch exists: its sources may not import Node-only modules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WardenApiError, WardenClient } from '../src/index.js';

const SRC = join(import.meta.dirname, '..', 'src');

describe('sdk', () => {
  it('imports nothing but its own files', () => {
    for (const file of readdirSync(SRC)) {
      const text = readFileSync(join(SRC, file), 'utf8');
      const specifiers = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const s of specifiers) expect(s, `${file} imports ${s}`).toMatch(/^\.\//);
    }
  });

  it('maps a warden error to WardenApiError with its code', async () => {
    const fakeFetch = (async () => new Response(JSON.stringify({ error: { code: 'TOKEN_EXPIRED', message: 'token has expired' } }), { status: 401 })) as typeof fetch;
    const client = new WardenClient({ baseUrl: 'http://127.0.0.1:1', token: 't', fetch: fakeFetch });
    const err = await client.decide({ tool: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WardenApiError);
    expect((err as WardenApiError).code).toBe('TOKEN_EXPIRED');
    expect((err as WardenApiError).status).toBe(401);
  });

  it('refuses a base url that is not http', () => {
    expect(() => new WardenClient({ baseUrl: 'file:///etc', token: 't' })).toThrow(TypeError);
  });
});

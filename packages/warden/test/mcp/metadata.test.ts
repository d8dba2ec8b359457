/** RFC 9728 metadata and the `WWW-Authenticate` challenge of the HTTP gateway. */
import { describe, expect, it } from 'vitest';
import { metadataPath, protectedResourceMetadata, wwwAuthenticate } from '../../src/mcp/metadata.js';

describe('protected-resource metadata', () => {
  it('inserts the well-known segment before the resource path', () => {
    expect(metadataPath('/mcp/github')).toBe('/.well-known/oauth-protected-resource/mcp/github');
    expect(metadataPath('')).toBe('/.well-known/oauth-protected-resource');
  });

  it('names the resource and Warden as its authorization server', () => {
    expect(protectedResourceMetadata('https://w.example', '/mcp/fs', 'https://issuer.example', 'fs')).toEqual({
      resource: 'https://w.example/mcp/fs',
      authorization_servers: ['https://issuer.example'],
      bearer_methods_supported: ['header'],
      resource_name: 'fs',
    });
  });
});

describe('wwwAuthenticate', () => {
  it('points at the metadata', () => {
    expect(wwwAuthenticate('https://w.example/.well-known/oauth-protected-resource/mcp/fs')).toBe('Bearer resource_metadata="https://w.example/.well-known/oauth-protected-resource/mcp/fs"');
  });

  it('adds the RFC 6750 error', () => {
    expect(wwwAuthenticate('https://m', { error: 'invalid_token', description: 'TOKEN_EXPIRED' })).toBe('Bearer resource_metadata="https://m", error="invalid_token", error_description="TOKEN_EXPIRED"');
  });

  it('cannot be broken out of by a quote, a backslash or a line break in a value', () => {
    const h = wwwAuthenticate('https://evil"x', { error: 'invalid_token', description: 'a"b\\c\r\nSet-Cookie: x=1' });
    expect(h).toBe('Bearer resource_metadata="https://evil\\"x", error="invalid_token", error_description="a\\"b\\\\c  Set-Cookie: x=1"');
    expect(h).not.toMatch(/[\r\n]/);
  });
});

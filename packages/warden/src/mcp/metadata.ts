/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the gateway's MCP endpoints, as
 * the MCP authorization specification asks: a 401 from `/mcp/<name>` carries
 * `WWW-Authenticate: Bearer resource_metadata="…"`, and the metadata names Warden as the
 * authorization server whose tokens the endpoint accepts.
 */

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  resource_name: string;
  resource_documentation?: string;
}

/** The well-known path of a resource's metadata (RFC 9728 §3.1: inserted before the path). */
export function metadataPath(resourcePath: string): string {
  return `/.well-known/oauth-protected-resource${resourcePath}`;
}

/**
 * @example
 * protectedResourceMetadata('https://warden.example', '/mcp/github', 'https://warden.example');
 * // { resource: 'https://warden.example/mcp/github', authorization_servers: ['https://warden.example'], … }
 */
export function protectedResourceMetadata(base: string, resourcePath: string, issuer: string, name: string): ProtectedResourceMetadata {
  return {
    resource: `${base}${resourcePath}`,
    authorization_servers: [issuer],
    bearer_methods_supported: ['header'],
    resource_name: name,
  };
}

/** RFC 6750 §3 with RFC 9728 §5.1's `resource_metadata`; quotes and backslashes escaped. */
export function wwwAuthenticate(metadataUrl: string, error?: { error: string; description: string }): string {
  const q = (v: string) => `"${v.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;
  const parts = [`resource_metadata=${q(metadataUrl)}`];
  if (error) parts.push(`error=${q(error.error)}`, `error_description=${q(error.description)}`);
  return `Bearer ${parts.join(', ')}`;
}

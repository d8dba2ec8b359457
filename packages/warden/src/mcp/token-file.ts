/**
 * The wrapper's credential: a file holding one Warden token, read again whenever it
 * changes, so that a helper can renew the short-lived token without restarting the MCP
 * server (tokens last minutes; an MCP client keeps its servers running for hours).
 */
import { readFile, stat } from 'node:fs/promises';
import { WardenError } from '../errors.js';
import { McpGatewayCodes } from './errors.js';

export class TokenFile {
  private cached: { mtimeMs: number; size: number; token: string } | undefined;

  constructor(readonly path: string) {}

  /**
   * @example
   * const token = await new TokenFile('/run/agent/warden.token').read();
   */
  async read(): Promise<string> {
    let st;
    try {
      st = await stat(this.path);
    } catch {
      throw new WardenError(McpGatewayCodes.TOKEN_FILE_UNREADABLE, `cannot read the token file \`${this.path}\``);
    }
    if (this.cached && this.cached.mtimeMs === st.mtimeMs && this.cached.size === st.size) return this.cached.token;
    const token = (await readFile(this.path, 'utf8').catch(() => '')).trim();
    if (token.length === 0 || /\s/.test(token)) throw new WardenError(McpGatewayCodes.TOKEN_FILE_UNREADABLE, `the token file \`${this.path}\` must hold one token`);
    this.cached = { mtimeMs: st.mtimeMs, size: st.size, token };
    return token;
  }
}

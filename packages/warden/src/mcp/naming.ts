/**
 * How the gateway names what it governs. An upstream's tool `write_file` served as
 * `filesystem` is decided, catalogued, scoped and audited as `filesystem.write_file`, so
 * that one credential scope (`filesystem.read_*`) means the same thing whichever way the
 * agent reaches the tool, and two upstreams' `search` tools never share a policy. The
 * agent itself still sees the upstream's own names: its tool list is unchanged.
 *
 * `resources/read` of that upstream is decided as `filesystem.resources/read`: a `/`
 * never occurs in an MCP tool name (the spec allows letters, digits, `_`, `-`, `.`), so
 * it can never collide with a tool, and `filesystem.*` still covers it.
 */
import { basename } from 'node:path';
import { TOOL_NAME } from '../inventory/schemas.js';

/** The upstream name rule of the configuration (`UpstreamSchema`). */
export const UPSTREAM_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The governed name of an upstream tool, or undefined when it cannot be governed (not a
 * valid Warden tool name): such a tool is neither listed nor callable.
 *
 * @example
 * governedToolName('filesystem', 'write_file'); // 'filesystem.write_file'
 */
export function governedToolName(server: string, tool: string): string | undefined {
  const name = `${server}.${tool}`;
  return TOOL_NAME.test(name) ? name : undefined;
}

/** The governed name of `resources/read` on an upstream. */
export function resourceReadName(server: string): string {
  return `${server}.resources/read`;
}

/** Launchers whose first non-option argument names the real server. */
const LAUNCHERS = new Set(['node', 'nodejs', 'npx', 'npm', 'pnpm', 'pnpx', 'yarn', 'bun', 'bunx', 'deno', 'uv', 'uvx', 'python', 'python3', 'pipx', 'exec', 'run', 'dlx', 'tsx']);
/** Folders that hold a package's entry point rather than name it. */
const ENTRY_DIRS = new Set(['dist', 'build', 'lib', 'src', 'bin', 'out']);

/**
 * A default upstream name for `warden mcp wrap` when `--name` is not given, read from
 * the command: `npx -y @modelcontextprotocol/server-filesystem /tmp` → `filesystem`,
 * `node …/server-everything/dist/index.js stdio` → `everything`, `uvx mcp-server-git` →
 * `git`. Falls back to `mcp`.
 *
 * @example
 * defaultServerName(['npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp']); // 'filesystem'
 */
export function defaultServerName(command: readonly string[]): string {
  const word = command.find((part) => !part.startsWith('-') && !LAUNCHERS.has(basename(part).replace(/\.(exe|cmd|bat)$/i, '').toLowerCase()));
  if (word === undefined) return 'mcp';
  let name = word;
  if (/[\\/]/.test(name) && !name.startsWith('@')) {
    // A path: the package folder above `dist/index.js`, or the file's own name.
    const parts = name.split(/[\\/]+/).filter((p) => p.length > 0);
    let i = parts.length - 1;
    const file = parts[i] ?? '';
    if (/^(index|main|server|cli)\.[cm]?[jt]s$|^__main__\.py$/.test(file)) {
      i--;
      while (i > 0 && ENTRY_DIRS.has(parts[i] ?? '')) i--;
      name = parts[i] ?? file;
    } else {
      name = file.replace(/\.[cm]?[jt]s$|\.py$/, '');
    }
  }
  const slug = name
    .replace(/^@[^/]+\//, '')
    .replace(/@[^@]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^(mcp-server-|server-|mcp-)/, '')
    .replace(/(-mcp-server|-server|-mcp)$/, '')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return UPSTREAM_NAME.test(slug) ? slug : 'mcp';
}

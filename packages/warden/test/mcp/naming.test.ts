/** Governed names, and the default upstream name read from a command. */
import { describe, expect, it } from 'vitest';
import { defaultServerName, governedToolName, resourceReadName } from '../../src/mcp/naming.js';
import { scopeAllows } from '../../src/identity/scope.js';

describe('governedToolName', () => {
  it('prefixes the upstream name', () => {
    expect(governedToolName('filesystem', 'write_file')).toBe('filesystem.write_file');
    expect(governedToolName('everything', 'get-sum')).toBe('everything.get-sum');
  });

  it('refuses a tool name that cannot be a Warden tool name', () => {
    expect(governedToolName('fs', 'write file')).toBeUndefined();
    expect(governedToolName('fs', 'x'.repeat(300))).toBeUndefined();
    expect(governedToolName('fs', 'rm;ls')).toBeUndefined();
  });

  it('lets a scope pattern select tools of one upstream', () => {
    const scope = ['filesystem.read_*', 'filesystem.list_directory'];
    expect(scopeAllows(scope, governedToolName('filesystem', 'read_text_file') as string)).toBe(true);
    expect(scopeAllows(scope, governedToolName('filesystem', 'write_file') as string)).toBe(false);
    expect(scopeAllows(scope, governedToolName('other', 'read_text_file') as string)).toBe(false);
  });
});

describe('resourceReadName', () => {
  it('is covered by the upstream wildcard but by no tool pattern', () => {
    expect(resourceReadName('everything')).toBe('everything.resources/read');
    expect(scopeAllows(['everything.*'], resourceReadName('everything'))).toBe(true);
    expect(scopeAllows(['everything.read_*'], resourceReadName('everything'))).toBe(false);
  });
});

describe('defaultServerName', () => {
  it.each([
    [['npx', '-y', '@modelcontextprotocol/server-filesystem', '/tmp'], 'filesystem'],
    [['npx', '-y', '@modelcontextprotocol/server-everything@latest'], 'everything'],
    [['node', '/x/node_modules/@modelcontextprotocol/server-everything/dist/index.js', 'stdio'], 'everything'],
    [['uvx', 'mcp-server-git', '--repository', '.'], 'git'],
    [['python', '-m', 'mcp_server_fetch'], 'fetch'],
    [['/usr/local/bin/github-mcp-server', 'stdio'], 'github'],
    [['node'], 'mcp'],
    [['npx', '-y', '@@@'], 'mcp'],
  ])('%j → %s', (command, expected) => {
    expect(defaultServerName(command)).toBe(expected);
  });
});

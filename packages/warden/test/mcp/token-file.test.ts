/** The wrapper's token file: read again when renewed; a bad file is a coded error. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenFile } from '../../src/mcp/token-file.js';

describe('TokenFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-token-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token without surrounding whitespace', async () => {
    writeFileSync(join(dir, 't'), '  eyJ.a.b\n');
    expect(await new TokenFile(join(dir, 't')).read()).toBe('eyJ.a.b');
  });

  it('picks up a renewed token', async () => {
    const path = join(dir, 't');
    writeFileSync(path, 'first.token.x');
    const f = new TokenFile(path);
    expect(await f.read()).toBe('first.token.x');
    writeFileSync(path, 'second.token.yy');
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(await f.read()).toBe('second.token.yy');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['two tokens', 'a.b.c d.e.f'],
  ])('refuses a %s file', async (_label, content) => {
    const path = join(dir, 't');
    if (content !== undefined) writeFileSync(path, content);
    await expect(new TokenFile(path).read()).rejects.toMatchObject({ code: 'TOKEN_FILE_UNREADABLE' });
  });
});

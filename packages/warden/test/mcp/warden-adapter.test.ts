/** The in-process decider: catalog suggestions never overwrite what an administrator or the configuration set. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wardenDecider } from '../../src/mcp/warden-adapter.js';
import { testWarden, type TestWarden } from '../helpers.js';
import { entriesSince } from '../server/state.js';

describe('wardenDecider().suggestTools', () => {
  let t: TestWarden;
  beforeEach(async () => {
    t = await testWarden({ tools: [{ name: 'fs.configured', categories: ['publish'] }] });
  });
  afterEach(() => t.close());

  const suggestion = (name: string, categories: Array<'read' | 'write' | 'delete'>) => ({ name, categories, description: 'd', server: 'fs' });

  it('writes a new tool as source `mcp`, with the actor naming the upstream', async () => {
    const from = await t.warden.store.log.size();
    await wardenDecider(t.warden).suggestTools?.([suggestion('fs.read_file', ['read'])]);
    expect(await t.warden.tools.get('fs.read_file')).toMatchObject({ categories: ['read'], source: 'mcp', server: 'fs', description: 'd' });
    expect((await entriesSince(t, from)).map((e) => [e.type, e.actor])).toEqual([['tool.categorised', 'mcp:fs']]);
  });

  it("does not overwrite an administrator's categories", async () => {
    await t.request('PUT', '/v1/tools/fs.write_file', { key: t.keys.admin, body: { categories: ['publish'] } });
    await wardenDecider(t.warden).suggestTools?.([suggestion('fs.write_file', ['read'])]);
    expect(await t.warden.tools.get('fs.write_file')).toMatchObject({ categories: ['publish'], source: 'admin' });
  });

  it("does not overwrite the configuration's categories", async () => {
    await wardenDecider(t.warden).suggestTools?.([suggestion('fs.configured', ['read'])]);
    expect(await t.warden.tools.get('fs.configured')).toMatchObject({ categories: ['publish'], source: 'config' });
  });

  it('writes nothing when the suggestion is what is stored, even from a fresh decider', async () => {
    await wardenDecider(t.warden).suggestTools?.([suggestion('fs.list', ['read'])]);
    const from = await t.warden.store.log.size();
    await wardenDecider(t.warden).suggestTools?.([suggestion('fs.list', ['read'])]);
    expect(await entriesSince(t, from)).toEqual([]);
  });

  it('updates its own earlier suggestion when the upstream changes its annotations', async () => {
    const d = wardenDecider(t.warden);
    await d.suggestTools?.([suggestion('fs.tool', ['read'])]);
    await d.suggestTools?.([suggestion('fs.tool', ['delete', 'write'])]);
    expect((await t.warden.tools.get('fs.tool'))?.categories).toEqual(['delete', 'write']);
  });
});

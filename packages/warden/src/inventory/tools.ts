/**
 * The tool catalog: which categories each tool belongs to. Categories drive the policy
 * (publish, permissions and pii need a human); a tool not in the catalog is `unknown`.
 */
import { WardenError } from '../errors.js';
import type { Store, Tool } from '../store/types.js';
import { InventoryCodes } from './errors.js';
import { TOOL_NAME, type PutToolInput } from './schemas.js';

export class ToolCatalog {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): Promise<Tool[]> {
    return this.store.tools.list();
  }

  get(name: string): Promise<Tool | undefined> {
    return this.store.tools.get(name);
  }

  /** Categories of each named tool; a tool missing from the catalog is `unknown`. */
  async categoriesOf(names: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const name of names) out.set(name, (await this.store.tools.get(name))?.categories ?? ['unknown']);
    return out;
  }

  /** Sets a tool's categories. An administrator's word overrides what an MCP listing suggested. */
  async put(name: string, input: PutToolInput, actor: string, source: Tool['source'] = 'admin'): Promise<Tool> {
    if (!TOOL_NAME.test(name)) {
      throw new WardenError(InventoryCodes.INVALID_TOOL_NAME, `\`${name.slice(0, 200)}\` is not a valid tool name`);
    }
    const before = await this.store.tools.get(name);
    const at = this.now().toISOString();
    const tool: Tool = {
      name,
      categories: [...new Set(input.categories)].sort(),
      description: input.description ?? before?.description ?? '',
      server: input.server ?? before?.server ?? '',
      source,
      updatedAt: at,
    };
    await this.store.tools.upsert(tool, {
      type: 'tool.categorised',
      actor,
      subject: `tool:${name}`,
      time: at,
      data: { tool: { ...tool }, previous: before ? before.categories : null },
    });
    return tool;
  }
}

/**
 * The gateway's decider in-process: `warden.decisions`, `warden.approvals`,
 * `warden.identity` and the tool catalog, as the small `GatewayDecider` the proxy uses.
 * `warden serve` (the HTTP gateway) and `warden mcp wrap` without `--server` use it.
 */
import type { Warden } from '../warden.js';
import type { GatewayDecider, ToolSuggestion } from './types.js';

/** Sources whose categories a suggestion from an MCP listing never overwrites. */
const AUTHORITATIVE = new Set(['admin', 'config']);

/**
 * @example
 * const proxy = new GovernedProxy({ upstream, decider: wardenDecider(warden), token: () => token, timeouts });
 */
export function wardenDecider(warden: Warden): GatewayDecider {
  /** What was last written or found per tool; shared by every session of this Warden. */
  const known = new Map<string, string>();
  return {
    decide: (req) => warden.decisions.decide(req),
    async waitForApproval(_token, id, seconds, signal) {
      // The same wait slots as `GET /v1/approvals/:id?wait=`, held by the agent the call
      // was decided for (the approval's): the token was checked when it was decided.
      const caller = `agent:${(await warden.approvals.get(id)).agent}`;
      const rec = await warden.approvals.holdingWaitSlot(caller, () => warden.approvals.waitFor(id, seconds, signal));
      return { status: rec.status, comment: rec.comment };
    },
    recordOutcome: (token, decisionId, outcome) => warden.decisions.recordOutcome(token, decisionId, outcome),
    async concludeRefused(held, approvalId) {
      return warden.decisions.concludeRefused(held, await warden.approvals.get(approvalId));
    },
    async scopeOf(token) {
      return (await warden.identity.verify(token)).scope;
    },
    async suggestTools(tools: ToolSuggestion[]) {
      for (const t of tools) {
        const key = JSON.stringify([t.categories, t.description, t.server]);
        if (known.get(t.name) === key) continue;
        const existing = await warden.tools.get(t.name);
        // INVARIANT: an administrator's (or the configuration's) categories win over what
        // an upstream's annotations suggest; annotations are hints from the server.
        const same =
          existing !== undefined &&
          (AUTHORITATIVE.has(existing.source) ||
            (JSON.stringify(existing.categories) === JSON.stringify([...t.categories].sort()) && existing.description === t.description && existing.server === t.server));
        if (!same) await warden.tools.put(t.name, { categories: t.categories, description: t.description, server: t.server }, `mcp:${t.server}`, 'mcp');
        known.set(t.name, key);
      }
    },
  };
}

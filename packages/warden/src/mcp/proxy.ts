/**
 * The governed proxy: an MCP server that stands in front of one upstream and puts every
 * action through Warden. Both transports use it (the stdio wrapper and the HTTP gateway);
 * only where the credential comes from differs (`token`).
 *
 * - `tools/list`: the upstream's tools, each offered to the catalog with the categories
 *   its annotations suggest, and shown to the agent only if its scope could ever allow it.
 * - `tools/call`: decided as `<upstream>.<tool>` with the arguments and their target;
 *   allowed → forwarded, the upstream's own result returned and the outcome recorded;
 *   denied → a tool result with `isError: true` saying why; pending → held (see hold.ts).
 * - `resources/read`: decided as `<upstream>.resources/read` with the URI as target.
 * - `resources/list`, `resources/templates/list`, `prompts/*`: passed through (listing
 *   resources is empty when the scope cannot allow reading them).
 * Capabilities mirror the upstream's, without subscriptions, completions, logging or
 * tasks, which the gateway does not govern and so does not offer.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CallToolResultSchema,
  GetPromptRequestSchema,
  GetPromptResultSchema,
  ListPromptsRequestSchema,
  ListPromptsResultSchema,
  ListResourcesRequestSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesRequestSchema,
  ListResourceTemplatesResultSchema,
  ListToolsRequestSchema,
  ListToolsResultSchema,
  PromptListChangedNotificationSchema,
  ReadResourceRequestSchema,
  ReadResourceResultSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type ServerCapabilities,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import { scopeAllows } from '../identity/scope.js';
import { categoriesFromAnnotations } from './categories.js';
import { deniedError, McpGatewayCodes } from './errors.js';
import { decideHolding, ProgressReporter, type Extra } from './hold.js';
import { governedToolName, resourceReadName } from './naming.js';
import { META_KEY, refusalResult, refusalUnavailable } from './refusal.js';
import { targetOf } from './target.js';
import type { GatewayDecider, GatewayTimeouts, ToolSuggestion } from './types.js';
import type { Upstream } from './upstream.js';
import { firstLine as firstLineOf } from '../util.js';

/** One line of an error for a report; upstream messages can be long and multi-line. */
const firstLine = (err: unknown) => firstLineOf(err, 500);

export interface ProxyOptions {
  upstream: Upstream;
  decider: GatewayDecider;
  /** The credential the current request acts with: the wrapper's token file, or the HTTP bearer. */
  token: (extra: Extra) => string | Promise<string>;
  timeouts: GatewayTimeouts;
  /** Diagnostics (never to stdout in the stdio wrapper). */
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** Pages of `tools/list` the gateway follows when it must know every tool. */
const MAX_PAGES = 100;


export class GovernedProxy {
  readonly server: Server;
  private readonly name: string;
  /** The upstream's tools as last listed, by their own names. */
  private readonly tools = new Map<string, McpTool>();
  private fullyListed = false;
  /** What was last offered to the catalog, so a repeated listing writes nothing. */
  private readonly suggested = new Map<string, string>();
  private readonly outcomes = new Set<Promise<unknown>>();

  constructor(private readonly options: ProxyOptions) {
    const { upstream } = options;
    this.name = upstream.name;
    const up = upstream.capabilities;
    const capabilities: ServerCapabilities = {};
    if (up.tools) capabilities.tools = { listChanged: up.tools.listChanged === true };
    if (up.resources) capabilities.resources = { listChanged: up.resources.listChanged === true };
    if (up.prompts) capabilities.prompts = { listChanged: up.prompts.listChanged === true };
    const info = upstream.serverInfo;
    this.server = new Server(
      { name: `${info?.name ?? this.name} (governed by Warden)`, version: info?.version ?? '0.0.0' },
      { capabilities, ...(upstream.instructions === undefined ? {} : { instructions: upstream.instructions }) },
    );
    if (capabilities.tools) this.toolHandlers();
    if (capabilities.resources) this.resourceHandlers();
    if (capabilities.prompts) this.promptHandlers();
    this.forwardListChanges(capabilities);
  }

  /** Waits for the outcomes still being recorded. */
  async settle(): Promise<void> {
    while (this.outcomes.size > 0) await Promise.allSettled([...this.outcomes]);
  }

  /** Closes the client side (the upstream belongs to whoever connected it), then settles. */
  async close(): Promise<void> {
    await this.server.close().catch(() => undefined);
    await this.settle();
  }

  private get timeouts(): GatewayTimeouts {
    return this.options.timeouts;
  }

  private async scope(extra: Extra): Promise<{ token: string; scope: string[] }> {
    let token: string;
    try {
      token = await this.options.token(extra);
      return { token, scope: await this.options.decider.scopeOf(token) };
    } catch (err) {
      const r = refusalUnavailable('this request', err);
      throw deniedError(r.text, r.code);
    }
  }

  private toolHandlers(): void {
    this.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
      const { scope } = await this.scope(extra);
      const page = await this.options.upstream.request({ method: 'tools/list', params: request.params ?? {} }, ListToolsResultSchema, {
        timeoutMs: this.timeouts.callTimeoutMs,
        signal: extra.signal,
      });
      await this.learn(page.tools, request.params?.cursor === undefined && page.nextCursor === undefined);
      const visible = page.tools.filter((t) => {
        const governed = governedToolName(this.name, t.name);
        return governed !== undefined && scopeAllows(scope, governed);
      });
      return { ...page, tools: visible };
    });

    this.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      // A task-augmented call never gets here: the SDK refuses it, as no `tasks` capability is offered.
      const { name: tool, arguments: args, _meta } = request.params;
      const governed = governedToolName(this.name, tool);
      if (governed === undefined) {
        return refusalResult({
          code: McpGatewayCodes.TOOL_NAME_UNGOVERNABLE,
          text: `Warden refused the call to \`${tool.slice(0, 200)}\`, so it was not made: its name cannot be governed (not a valid Warden tool name). Do not retry it.`,
          meta: {},
        });
      }
      if (!this.fullyListed && !this.tools.has(tool)) {
        // The catalog learns of tools when they are listed; a client that calls without
        // listing first still gets the categories the annotations suggest.
        await this.listAll(extra).catch((err: unknown) => this.options.log?.('could not list upstream tools', { error: firstLine(err) }));
      }
      const progress = new ProgressReporter(extra);
      let token: string;
      try {
        token = await this.options.token(extra);
      } catch (err) {
        return refusalResult(refusalUnavailable(`the call to \`${tool}\``, err));
      }
      const target = targetOf(args);
      const held = await decideHolding(
        this.options.decider,
        { token, tool: governed, ...(target === undefined ? {} : { target }), ...(args === undefined ? {} : { args }) },
        `the call to \`${tool}\``,
        extra,
        this.timeouts,
        progress,
      );
      if ('refused' in held) return refusalResult(held.refused);
      const decision = held.allowed;
      const { progressToken: _ignored, ...meta } = _meta ?? {};
      const offset = progress.sent;
      let result: CallToolResult;
      try {
        result = (await this.options.upstream.request(
          { method: 'tools/call', params: { name: tool, ...(args === undefined ? {} : { arguments: args }), ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}) } },
          CallToolResultSchema,
          {
            timeoutMs: this.timeouts.callTimeoutMs,
            signal: extra.signal,
            ...(progress.token === undefined
              ? {}
              : { onprogress: (p) => progress.report(p.message ?? 'working', offset + p.progress, p.total === undefined ? undefined : offset + p.total) }),
          },
        )) as CallToolResult;
      } catch (err) {
        this.recordOutcome(token, decision.id, 'failed', firstLine(err));
        throw err;
      }
      this.recordOutcome(token, decision.id, result.isError === true ? 'failed' : 'succeeded');
      return { ...result, _meta: { ...(result._meta ?? {}), [META_KEY]: { id: decision.id, decision: decision.decision } } };
    });
  }

  private resourceHandlers(): void {
    const governed = resourceReadName(this.name);
    for (const [schema, method, result, key] of [
      [ListResourcesRequestSchema, 'resources/list', ListResourcesResultSchema, 'resources'],
      [ListResourceTemplatesRequestSchema, 'resources/templates/list', ListResourceTemplatesResultSchema, 'resourceTemplates'],
    ] as const) {
      this.server.setRequestHandler(schema, async (request, extra) => {
        const { scope } = await this.scope(extra);
        await this.suggest([{ name: governed, categories: ['read'], description: `read a resource of \`${this.name}\``, server: this.name }]);
        // Resources the agent could never read are not worth showing it.
        if (!scopeAllows(scope, governed)) return { [key]: [] } as never;
        return (await this.options.upstream.request({ method, params: request.params ?? {} }, result, { timeoutMs: this.timeouts.callTimeoutMs, signal: extra.signal })) as never;
      });
    }

    this.server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) => {
      const { uri } = request.params;
      await this.suggest([{ name: governed, categories: ['read'], description: `read a resource of \`${this.name}\``, server: this.name }]);
      let token: string;
      try {
        token = await this.options.token(extra);
      } catch (err) {
        const r = refusalUnavailable(`reading \`${uri.slice(0, 200)}\``, err);
        throw deniedError(r.text, r.code);
      }
      const held = await decideHolding(
        this.options.decider,
        { token, tool: governed, target: uri.slice(0, 2000), args: { uri } },
        `reading \`${uri.slice(0, 200)}\``,
        extra,
        this.timeouts,
        new ProgressReporter(extra),
      );
      // `resources/read` has no error result to carry a refusal: a JSON-RPC error does.
      if ('refused' in held) throw deniedError(held.refused.text, held.refused.code, { decision: held.refused.meta });
      try {
        const result = await this.options.upstream.request({ method: 'resources/read', params: request.params }, ReadResourceResultSchema, {
          timeoutMs: this.timeouts.callTimeoutMs,
          signal: extra.signal,
        });
        this.recordOutcome(token, held.allowed.id, 'succeeded');
        return { ...result, _meta: { ...(result._meta ?? {}), [META_KEY]: { id: held.allowed.id, decision: held.allowed.decision } } };
      } catch (err) {
        this.recordOutcome(token, held.allowed.id, 'failed', firstLine(err));
        throw err;
      }
    });
  }

  private promptHandlers(): void {
    this.server.setRequestHandler(ListPromptsRequestSchema, async (request, extra) => {
      return this.options.upstream.request({ method: 'prompts/list', params: request.params ?? {} }, ListPromptsResultSchema, { timeoutMs: this.timeouts.callTimeoutMs, signal: extra.signal });
    });
    this.server.setRequestHandler(GetPromptRequestSchema, async (request, extra) => {
      return this.options.upstream.request({ method: 'prompts/get', params: request.params }, GetPromptResultSchema, { timeoutMs: this.timeouts.callTimeoutMs, signal: extra.signal });
    });
  }

  private forwardListChanges(capabilities: ServerCapabilities): void {
    const { client } = this.options.upstream;
    if (capabilities.tools?.listChanged) {
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
        this.fullyListed = false;
        this.tools.clear();
        void this.server.sendToolListChanged().catch(() => undefined);
      });
    }
    if (capabilities.resources?.listChanged) {
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void this.server.sendResourceListChanged().catch(() => undefined));
    }
    if (capabilities.prompts?.listChanged) {
      client.setNotificationHandler(PromptListChangedNotificationSchema, () => void this.server.sendPromptListChanged().catch(() => undefined));
    }
  }

  /** Lists every upstream tool (all pages), for a call made before any listing. */
  private async listAll(extra: Extra): Promise<void> {
    const all: McpTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.options.upstream.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, ListToolsResultSchema, {
        timeoutMs: this.timeouts.callTimeoutMs,
        signal: extra.signal,
      });
      all.push(...res.tools);
      cursor = res.nextCursor;
      if (cursor === undefined) break;
    }
    await this.learn(all, cursor === undefined);
  }

  /** Remembers listed tools and offers their suggested categories to the catalog. */
  private async learn(tools: McpTool[], complete: boolean): Promise<void> {
    const suggestions: ToolSuggestion[] = [];
    for (const t of tools) {
      const governed = governedToolName(this.name, t.name);
      if (governed === undefined) {
        this.options.log?.('upstream tool not governable: hidden', { tool: t.name.slice(0, 200) });
        continue;
      }
      this.tools.set(t.name, t);
      suggestions.push({ name: governed, categories: categoriesFromAnnotations(t.annotations), description: (t.description ?? '').slice(0, 2000), server: this.name });
    }
    if (complete) this.fullyListed = true;
    await this.suggest(suggestions);
  }

  private async suggest(suggestions: ToolSuggestion[]): Promise<void> {
    const { decider } = this.options;
    if (!decider.suggestTools) return;
    const fresh = suggestions.filter((s) => this.suggested.get(s.name) !== JSON.stringify(s));
    if (fresh.length === 0) return;
    try {
      await decider.suggestTools(fresh);
      for (const s of fresh) this.suggested.set(s.name, JSON.stringify(s));
    } catch (err) {
      // The catalog is advice: a tool it does not know is `unknown`, which the default
      // pack holds for a human, so failing to write it fails safe.
      this.options.log?.('could not update the tool catalog', { error: firstLine(err) });
    }
  }

  private recordOutcome(token: string, decisionId: string, status: 'succeeded' | 'failed', summary?: string): void {
    const p: Promise<unknown> = this.options.decider
      .recordOutcome(token, decisionId, { status, ...(summary === undefined ? {} : { summary: summary.slice(0, 2000) }) })
      .catch((err: unknown) => this.options.log?.('could not record the outcome', { decision: decisionId, error: firstLine(err) }))
      .finally(() => this.outcomes.delete(p));
    this.outcomes.add(p);
  }
}

/**
 * What Cedar is given for each request: the entities and the context, built from plain
 * inputs, and only as much of them as the policies can read.
 *
 * Why prune: passing a value into the Cedar wasm module costs a few microseconds each,
 * and marshalling, not policy evaluation, is most of a decision's cost. Cedar reads an
 * attribute only through `.attr` or `has attr` with a literal name, so the attributes a
 * policy set can ever read are known when it is loaded: `neededInputs` finds them and the
 * builders leave the rest out. Cedar's answer cannot change, since nothing it could read
 * is missing. Anything the analysis does not recognise turns pruning off entirely.
 */
import type { Context, EntityJson, EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

/** An agent as the policy sees it (from the inventory). */
export interface AgentInput {
  /** The agent's id, with or without the `agent:` prefix. */
  id: string;
  /** `human:<id>` (the prefix is optional). */
  owner: string;
  status: string;
  riskTier: string;
  /** Group ids the agent belongs to (`principal in Warden::Group::"…"`). */
  groups?: readonly string[];
}

/** The agent as the policy sees it, from its inventory record. */
export function agentInput(a: AgentInput): AgentInput {
  return { id: a.id, owner: a.owner, status: a.status, riskTier: a.riskTier, groups: a.groups ?? [] };
}

/** A tool as the policy sees it (from the catalog; `["unknown"]` when not in it). */
export interface ToolInput {
  name: string;
  categories: readonly string[];
  /** The MCP upstream serving the tool; `""` when none. */
  server?: string;
}

export interface TaskContext {
  id: string;
  intent: string;
}

export interface ChainContext {
  /** The originating principal: `human:<id>` or `agent:<id>`. */
  origin: string;
  /** Delegation hops from the origin. */
  depth: number;
  /** Every actor in the chain: `agent:<id>`. */
  actors: readonly string[];
}

/** UTC wall-clock time: hour 0–23, dayOfWeek 0 (Sunday) – 6. */
export interface TimeContext {
  hour: number;
  dayOfWeek: number;
}

/** `context` of `Warden::Action::"call"`; every field is required (Cedar Longs are integers). */
export interface CallContext {
  task: TaskContext;
  chain: ChainContext;
  risk: { score: number; factors: readonly string[] };
  /** The resource the call touches (a repository path, a URL …); `""` when none. */
  target: string;
  /** Detector codes found in the arguments. */
  findings: readonly string[];
  time: TimeContext;
}

/** `context` of `Warden::Action::"delegate"`. */
export interface DelegateContext {
  task: TaskContext;
  chain: ChainContext;
  /** The tool patterns the sub-agent asks for. */
  scope: readonly string[];
  time: TimeContext;
}

/** Which context paths and entity attributes a policy set can read. */
export interface NeededInputs {
  /** `true`: the whole value; otherwise the keys to keep, each with what to keep below it. */
  context: PathTree;
  /** Entity attribute names that may be read; `'all'` when pruning is off. */
  entityAttrs: ReadonlySet<string> | 'all';
}

export type PathTree = true | Map<string, PathTree>;

/** Everything: what the builders use when pruning is off. */
export const ALL_INPUTS: NeededInputs = { context: true, entityAttrs: 'all' };

const BINARY = new Set([
  '==', '!=', 'in', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*',
  'contains', 'containsAll', 'containsAny', 'getTag', 'hasTag',
]);

/**
 * Finds what the given policies can read. Sound by construction: every attribute read
 * in Cedar is a `.` or `has` node with a literal name, and `context` used as a whole
 * value keeps the whole context.
 *
 * @example
 * neededInputs(policySet.json); // { context: Map{risk → Map{score → true}}, entityAttrs: Set{status, categories, …} }
 */
export function neededInputs(policies: readonly PolicyJson[]): NeededInputs {
  const context: PathTree = new Map<string, PathTree>();
  const attrs = new Set<string>();
  let contextAll = false;
  let unknown = false;

  const addPath = (path: readonly string[]) => {
    let node: PathTree = context;
    for (let i = 0; i < path.length; i++) {
      const key = path[i] as string;
      const last = i === path.length - 1;
      const child: PathTree | undefined = node.get(key);
      if (child === true) return;
      if (last) node.set(key, true);
      else if (child === undefined) {
        const next = new Map<string, PathTree>();
        node.set(key, next);
        node = next;
      } else node = child;
    }
  };

  const walk = (e: unknown): void => {
    if (unknown) return;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      unknown = true;
      return;
    }
    const keys = Object.keys(e);
    if (keys.length !== 1) {
      unknown = true;
      return;
    }
    const k = keys[0] as string;
    const v = (e as Record<string, unknown>)[k] as Record<string, unknown>;
    if (k === 'Value' || k === 'Slot') return;
    if (k === 'Var') {
      // `principal`, `resource` or `action` alone read no attribute; `context` alone is all of it.
      if (v === ('context' as unknown)) contextAll = true;
      return;
    }
    if (k === '.' || k === 'has') {
      const raw = v['attr'];
      const path = Array.isArray(raw) ? raw.map(String) : [String(raw)];
      let left = v['left'];
      for (;;) {
        const dot = singleKey(left, '.');
        if (!dot) break;
        path.unshift(String(dot['attr']));
        left = dot['left'];
      }
      // INVARIANT: the Warden schema puts no entity inside the context, so a path from
      // `context` reads no entity attribute; every other path may, whatever its root.
      for (const a of path) attrs.add(a);
      const root = singleKey(left, 'Var');
      if (root === ('context' as unknown)) addPath(path);
      else walk(left);
      return;
    }
    if (k === '!' || k === 'neg' || k === 'isEmpty') return walk(v['arg']);
    if (BINARY.has(k)) {
      walk(v['left']);
      walk(v['right']);
      return;
    }
    if (k === 'like') return walk(v['left']);
    if (k === 'is') {
      walk(v['left']);
      if (v['in'] !== undefined) walk(v['in']);
      return;
    }
    if (k === 'if-then-else') {
      walk(v['if']);
      walk(v['then']);
      walk(v['else']);
      return;
    }
    if (k === 'Set' && Array.isArray(v)) return (v as unknown[]).forEach(walk);
    if (k === 'Record') return Object.values(v).forEach(walk);
    // An extension function call: `{"decimal": [args]}`, `{"lessThan": [a, b]}`.
    if (Array.isArray(v)) return (v as unknown[]).forEach(walk);
    unknown = true;
  };

  for (const p of policies) {
    if (!Array.isArray(p.conditions)) unknown = true;
    else for (const c of p.conditions) walk(c.body);
  }
  if (unknown) return ALL_INPUTS;
  return { context: contextAll ? true : context, entityAttrs: attrs };
}

function singleKey(e: unknown, key: string): Record<string, unknown> | undefined {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return undefined;
  const keys = Object.keys(e);
  if (keys.length !== 1 || keys[0] !== key) return undefined;
  return (e as Record<string, Record<string, unknown>>)[key];
}

/** Keeps only what `tree` names; values that are not records are kept whole. */
export function pruneContext(value: object, tree: PathTree): Context {
  return prune(value, tree) as Context;
}

function prune(value: unknown, tree: PathTree): unknown {
  if (tree === true || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of tree) {
    if (Object.hasOwn(value, k)) out[k] = prune((value as Record<string, unknown>)[k], sub);
  }
  return out;
}

export const AGENT_TYPE = 'Warden::Agent';
export const TOOL_TYPE = 'Warden::Tool';
const HUMAN_TYPE = 'Warden::Human';
const GROUP_TYPE = 'Warden::Group';

/** The bare id Cedar uses: `agent:forum-helper` and `forum-helper` are the same agent. */
export function bareId(id: string, prefix: 'agent:' | 'human:'): string {
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

const needs = (n: NeededInputs, attr: string) => n.entityAttrs === 'all' || n.entityAttrs.has(attr);

/** The `Warden::Agent` entity, with only the attributes the policies can read. */
export function agentEntity(agent: AgentInput, n: NeededInputs): EntityJson {
  const attrs: EntityJson['attrs'] = {};
  if (needs(n, 'owner')) attrs['owner'] = { __entity: { type: HUMAN_TYPE, id: bareId(agent.owner, 'human:') } };
  if (needs(n, 'status')) attrs['status'] = agent.status;
  if (needs(n, 'riskTier')) attrs['riskTier'] = agent.riskTier;
  const parents: EntityUidJson[] = [];
  if (agent.groups) for (const g of agent.groups) parents.push({ type: GROUP_TYPE, id: g });
  return { uid: { type: AGENT_TYPE, id: bareId(agent.id, 'agent:') }, attrs, parents };
}

/** The `Warden::Tool` entity, with only the attributes the policies can read. */
export function toolEntity(tool: ToolInput, n: NeededInputs): EntityJson {
  const attrs: EntityJson['attrs'] = {};
  if (needs(n, 'categories')) attrs['categories'] = tool.categories as string[];
  if (needs(n, 'server')) attrs['server'] = tool.server ?? '';
  return { uid: { type: TOOL_TYPE, id: tool.name }, attrs, parents: [] };
}

/**
 * The `time` context field for an instant, in UTC.
 *
 * @example
 * timeContext(new Date('2026-03-02T14:05:00Z')); // { hour: 14, dayOfWeek: 1 }
 */
export function timeContext(at: Date): TimeContext {
  return { hour: at.getUTCHours(), dayOfWeek: at.getUTCDay() };
}

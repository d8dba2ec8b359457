/**
 * The Cedar policy engine: one loaded, validated policy version, and the three-outcome
 * answer Warden builds on Cedar's two-valued one.
 *
 * A version is parsed and validated once (`PolicyEngine.load`) and preparsed into the
 * Cedar wasm module under an id derived from its content; each request then costs one
 * `statefulIsAuthorized` call with the smallest entities and context the policies can
 * read (see `inputs.ts`). Cedar is deterministic, so answers are memoised by exactly what
 * was passed to it, per version.
 *
 * The rule (DESIGN.md, "Policy"): Cedar allows → `allow`; Cedar denies and every
 * determining policy carries `@approval` → `pending`; a determining forbid without it,
 * or no permit at all → `deny`; any evaluation error or engine failure → `deny` with
 * `POLICY_ERROR` (fail closed: a policy that cannot be evaluated never lets anything by).
 */
import { createHash } from 'node:crypto';
import {
  preparsePolicySet,
  statefulIsAuthorized,
  type AuthorizationAnswer,
  type PolicyJson,
  type StatefulAuthorizationCall,
} from '@cedar-policy/cedar-wasm/nodejs';
import { compilePoliciesOrThrow, type PolicyInfo, type PolicySource } from './compile.js';
import { invalidPolicy, type PolicyReasonCode } from './errors.js';
import {
  AGENT_TYPE,
  agentEntity,
  bareId,
  neededInputs,
  pruneContext,
  TOOL_TYPE,
  toolEntity,
  ALL_INPUTS,
  type AgentInput,
  type CallContext,
  type DelegateContext,
  type NeededInputs,
  type ToolInput,
} from './inputs.js';
import { readDefaultSchema } from './pack.js';
import { oneLine } from '../util.js';

export type PolicyDecision = 'allow' | 'deny' | 'pending';

export interface PolicyReason {
  code: PolicyReasonCode;
  message: string;
}

/** What the policy says about one request. Frozen: answers may be shared. */
export interface PolicyEvaluation {
  readonly decision: PolicyDecision;
  /** Ids of the policies that decided (Cedar's determining policies), in text order. */
  readonly determining: readonly string[];
  readonly reasons: readonly PolicyReason[];
  /** `@approval` labels when `pending` (e.g. `["publish"]`); empty otherwise. */
  readonly approvals: readonly string[];
  /** Cedar's error messages when the request could not be evaluated. */
  readonly errors: readonly string[];
}

export interface CallRequest {
  agent: AgentInput;
  tool: ToolInput;
  context: CallContext;
}

export interface DelegateRequest {
  agent: AgentInput;
  /** The agent receiving the delegation. */
  subAgent: AgentInput;
  context: DelegateContext;
}

export interface PolicyEngineOptions {
  /** Cedar policy text, or several named sources (files). */
  policies: string | readonly PolicySource[];
  /** Cedar schema text; Warden's own (`policies/schema.cedarschema`) by default. */
  schema?: string;
  /** The version name decisions record; by default derived from the text (`sha256:<16 hex>`). */
  version?: string;
  /** Answers memoised per version; 0 turns memoising off. Default 10,000. */
  cacheSize?: number;
  /** Pass only what the policies can read (default `true`). */
  prune?: boolean;
  /** The version in force, read back from the store: see `CompileOptions.accepted`. */
  accepted?: boolean;
}

const CALL = { type: 'Warden::Action', id: 'call' } as const;
const DELEGATE = { type: 'Warden::Action', id: 'delegate' } as const;
const DEFAULT_CACHE_SIZE = 10_000;

export class PolicyEngine {
  /** Name of this policy version (what approvals and decisions are bound to). */
  readonly version: string;
  /** Every policy of the version, in text order, with its annotations. */
  readonly policies: readonly PolicyInfo[];
  /** Cedar's validation warnings (the version was accepted anyway). */
  readonly warnings: readonly string[];
  /** What the policies can read: the entities and context are cut down to it. */
  readonly inputs: NeededInputs;

  private readonly byId: ReadonlyMap<string, PolicyInfo>;
  private readonly psetId: string;
  /** The same policies without the `@approval` forbids, preparsed when first needed. */
  private readonly unheld: UnheldSet;
  private unheldReady = false;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, PolicyEvaluation>();

  /**
   * Validates policy text against the schema and makes it ready to evaluate. Throws
   * `INVALID_POLICY` (details: `messages` with line and column, `diagnostics`) when the
   * text does not validate; nothing is loaded then.
   *
   * @example
   * const engine = PolicyEngine.load({ policies: readFileSync('default.cedar', 'utf8') });
   * engine.evaluate({ agent, tool, context }).decision; // 'allow' | 'deny' | 'pending'
   */
  static load(options: PolicyEngineOptions): PolicyEngine {
    if (options === null || typeof options !== 'object') throw new TypeError('PolicyEngine.load needs options');
    const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 0) throw new TypeError('cacheSize must be a non-negative integer');
    const compiled = compilePoliciesOrThrow(options.schema ?? readDefaultSchema(), options.policies, { accepted: options.accepted === true });

    const content = createHash('sha256').update(JSON.stringify(compiled.staticPolicies)).digest('hex');
    const psetId = `warden:${content}`;
    // Same content → same id → same preparsed set; so a version loaded again (a restart
    // of the store, a simulation) reuses its slot in the wasm module instead of adding one.
    const preparsed = preparsePolicySet(psetId, { staticPolicies: { ...compiled.staticPolicies } });
    if (preparsed.type === 'failure') {
      const messages = preparsed.errors.map((e) => e.message);
      throw invalidPolicy(messages, messages.map((message) => ({ message })));
    }
    const held = new Set(compiled.policies.filter((p) => p.approval !== undefined).map((p) => p.id));
    return new PolicyEngine({
      version: options.version ?? `sha256:${content.slice(0, 16)}`,
      unheld: {
        id: `${psetId}:without-approval`,
        staticPolicies: Object.fromEntries(Object.entries(compiled.staticPolicies).filter(([id]) => !held.has(id))),
        alwaysPermitted: alwaysPermitted(compiled.json),
      },
      policies: compiled.policies,
      byId: compiled.byId,
      warnings: compiled.warnings,
      inputs: options.prune === false ? ALL_INPUTS : neededInputs(compiled.json),
      psetId,
      cacheSize,
    });
  }

  private constructor(init: {
    version: string;
    policies: readonly PolicyInfo[];
    byId: ReadonlyMap<string, PolicyInfo>;
    warnings: readonly string[];
    inputs: NeededInputs;
    psetId: string;
    unheld: UnheldSet;
    cacheSize: number;
  }) {
    this.version = init.version;
    this.policies = Object.freeze([...init.policies]);
    this.byId = init.byId;
    this.warnings = Object.freeze([...init.warnings]);
    this.inputs = init.inputs;
    this.psetId = init.psetId;
    this.unheld = init.unheld;
    this.cacheSize = init.cacheSize;
  }

  /**
   * Evaluates `Warden::Action::"call"`: may this agent call this tool, in this context?
   * Never throws for what Cedar says or fails to say: failures are a `deny` with
   * `POLICY_ERROR`.
   *
   * @example
   * engine.evaluate({
   *   agent: { id: 'forum-helper', owner: 'human:engineer-b', status: 'active', riskTier: 'low' },
   *   tool: { name: 'forum.post', categories: ['publish'] },
   *   context,
   * }); // { decision: 'pending', determining: ['publish-needs-approval'], approvals: ['publish'], … }
   */
  evaluate(request: CallRequest): PolicyEvaluation {
    const { agent, tool, context } = request;
    return this.authorize({
      principal: { type: AGENT_TYPE, id: bareId(agent.id, 'agent:') },
      action: CALL,
      resource: { type: TOOL_TYPE, id: tool.name },
      context: pruneContext(context, this.inputs.context),
      entities: [agentEntity(agent, this.inputs), toolEntity(tool, this.inputs)],
      preparsedPolicySetId: this.psetId,
    });
  }

  /** Evaluates `Warden::Action::"delegate"`: may this agent hand work to that one? */
  evaluateDelegation(request: DelegateRequest): PolicyEvaluation {
    const { agent, subAgent, context } = request;
    const principal = agentEntity(agent, this.inputs);
    const resource = agentEntity(subAgent, this.inputs);
    return this.authorize({
      principal: principal.uid,
      action: DELEGATE,
      resource: resource.uid,
      context: pruneContext(context, this.inputs.context),
      // An agent delegating to itself is one entity: Cedar refuses duplicates.
      entities: bareId(agent.id, 'agent:') === bareId(subAgent.id, 'agent:') ? [principal] : [principal, resource],
      preparsedPolicySetId: this.psetId,
    });
  }

  private authorize(call: StatefulAuthorizationCall): PolicyEvaluation {
    let key: string | undefined;
    if (this.cacheSize > 0) {
      // The key is everything Cedar is given (the set id is fixed per engine).
      key = JSON.stringify(call);
      const hit = this.cache.get(key);
      if (hit) return hit;
    }
    let answer: AuthorizationAnswer;
    try {
      answer = statefulIsAuthorized(call);
    } catch (err) {
      return engineFailure([err instanceof Error ? err.message : String(err)]);
    }
    const evaluation = this.interpret(answer, call);
    if (key !== undefined && answer.type === 'success') {
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, evaluation);
    }
    return evaluation;
  }

  private interpret(answer: AuthorizationAnswer, call: StatefulAuthorizationCall): PolicyEvaluation {
    if (answer.type === 'failure') return engineFailure(answer.errors.map((e) => e.message));
    const { decision, diagnostics } = answer.response;
    const determining = this.inTextOrder(diagnostics.reason);

    if (diagnostics.errors.length > 0) {
      const failures = diagnostics.errors.map((e) => ({ id: e.policyId, message: oneLine(e.error.message) }));
      const reasons = failures.map((f) => reason('POLICY_ERROR', `policy \`${f.id}\` could not be evaluated: ${f.message}`));
      return evaluation('deny', determining, reasons, [], failures.map((f) => `${f.id}: ${f.message}`));
    }
    if (decision === 'allow') {
      return evaluation('allow', determining, determining.map((id) => reason('POLICY_PERMIT', this.say(id, 'permits the request'))));
    }
    if (determining.length === 0) {
      return evaluation('deny', determining, [reason('POLICY_NO_PERMIT', 'no policy permits the request')]);
    }
    // A determining id we cannot look up counts as a hard forbid: unknown never means "ask a human".
    const hard = determining.filter((id) => this.byId.get(id)?.approval === undefined);
    if (hard.length > 0) {
      return evaluation('deny', determining, hard.map((id) => reason('POLICY_FORBID', this.say(id, 'forbids the request'))));
    }
    // Once a forbid matches, Cedar names only the forbids: whether a permit matched too is
    // asked again without the @approval forbids (unless a permit matches every such call).
    // No permit is a deny: a human may lift a hold, never grant what no policy permits.
    if (!this.unheld.alwaysPermitted.has((call.action as { id?: string }).id ?? '')) {
      const unheld = this.authorizeUnheld(call);
      if (Array.isArray(unheld)) return engineFailure(unheld);
      if (unheld !== 'allow') {
        return evaluation('deny', determining, [reason('POLICY_NO_PERMIT', 'no policy permits the request')]);
      }
    }
    const labels = determining.map((id) => this.byId.get(id)?.approval as string);
    const reasons = determining.map((id, i) =>
      reason('POLICY_APPROVAL_REQUIRED', this.say(id, `requires human approval (\`${labels[i]}\`)`)),
    );
    return evaluation('pending', determining, reasons, [...new Set(labels)]);
  }

  /** Cedar's decision on `call` without the `@approval` forbids; its error messages if it fails. */
  private authorizeUnheld(call: StatefulAuthorizationCall): 'allow' | 'deny' | string[] {
    try {
      if (!this.unheldReady) {
        const preparsed = preparsePolicySet(this.unheld.id, { staticPolicies: { ...this.unheld.staticPolicies } });
        if (preparsed.type === 'failure') return preparsed.errors.map((e) => e.message);
        this.unheldReady = true;
      }
      const answer = statefulIsAuthorized({ ...call, preparsedPolicySetId: this.unheld.id });
      if (answer.type === 'failure') return answer.errors.map((e) => e.message);
      return answer.response.decision === 'allow' ? 'allow' : 'deny';
    } catch (err) {
      return [err instanceof Error ? err.message : String(err)];
    }
  }

  private say(id: string, what: string): string {
    const reason = this.byId.get(id)?.reason;
    return `policy \`${id}\` ${what}${reason ? `: ${reason}` : ''}`;
  }

  private inTextOrder(ids: readonly string[]): string[] {
    const pos = (id: string) => this.byId.get(id)?.index ?? Number.MAX_SAFE_INTEGER;
    return [...ids].sort((a, b) => pos(a) - pos(b));
  }
}

interface UnheldSet {
  id: string;
  staticPolicies: Readonly<Record<string, string>>;
  /** Actions (`call`, `delegate`) for which some permit matches every request. */
  alwaysPermitted: ReadonlySet<string>;
}

/**
 * The actions for which a permit without conditions matches every request: the principal
 * and resource unconstrained (or only constrained to the one type they always have), the
 * action unconstrained or named. Anything else, however obvious, counts as not known.
 */
function alwaysPermitted(policies: readonly PolicyJson[]): Set<string> {
  const out = new Set<string>();
  const anyOf = (c: unknown, type: string) => {
    const x = c as { op?: string; entity_type?: string; in?: unknown };
    return x.op === 'All' || (x.op === 'is' && x.entity_type === type && x.in === undefined);
  };
  for (const p of policies) {
    if (p.effect !== 'permit' || (p.conditions?.length ?? 0) > 0 || !anyOf(p.principal, AGENT_TYPE)) continue;
    const action = p.action as { op?: string; entity?: { type?: string; id?: string } };
    const actions = action.op === 'All' ? ['call', 'delegate'] : action.op === '==' && action.entity?.type === 'Warden::Action' && action.entity.id ? [action.entity.id] : [];
    for (const a of actions) {
      if ((a === 'call' && anyOf(p.resource, TOOL_TYPE)) || (a === 'delegate' && anyOf(p.resource, AGENT_TYPE))) out.add(a);
    }
  }
  return out;
}

function reason(code: PolicyReasonCode, message: string): PolicyReason {
  return Object.freeze({ code, message });
}

function evaluation(
  decision: PolicyDecision,
  determining: string[],
  reasons: PolicyReason[],
  approvals: string[] = [],
  errors: string[] = [],
): PolicyEvaluation {
  return Object.freeze({
    decision,
    determining: Object.freeze(determining),
    reasons: Object.freeze(reasons),
    approvals: Object.freeze(approvals),
    errors: Object.freeze(errors),
  });
}

function engineFailure(messages: string[]): PolicyEvaluation {
  const errors = messages.map(oneLine);
  const reasons = errors.map((m) => reason('POLICY_ERROR', `the policy engine could not evaluate the request: ${m}`));
  return evaluation('deny', [], reasons, [], errors);
}


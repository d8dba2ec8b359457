/**
 * Policy tooling for operators: `warden policy validate <dir>` and
 * `warden policy test <file>` (a YAML table of requests and the decisions they expect).
 *
 * A test file is either a list of cases, or `{policies?, cases}` where `policies` is a
 * `.cedar` file or a directory relative to the test file (default: the built-in pack):
 *
 * ```yaml
 * - name: reading the forum is allowed
 *   agent: { id: forum-helper }
 *   tool: { name: forum.read, categories: [read] }
 *   expect: allow
 * - name: a risky read waits for a human
 *   tool: { name: forum.read, categories: [read] }
 *   context: { risk: { score: 80 } }
 *   expect: pending
 *   determining: [high-risk-needs-approval]
 * ```
 *
 * Omitted fields take neutral defaults (an active agent, risk 0, no findings, noon on a
 * Wednesday), so each case states only what it is about.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { compilePolicies, type PolicyInfo } from './compile.js';
import { PolicyEngine, type PolicyDecision, type PolicyEvaluation, type PolicyReason } from './engine.js';
import { invalidPolicyTest } from './errors.js';
import { bareId, type AgentInput, type CallContext, type DelegateContext } from './inputs.js';
import { readDefaultPolicies, readPolicyPath } from './pack.js';
import { oneLine } from '../util.js';

const Long = z.number().int();
const Strings = z.array(z.string());

const AgentCase = z
  .object({
    id: z.string().min(1).optional(),
    owner: z.string().min(1).optional(),
    status: z.string().optional(),
    riskTier: z.string().optional(),
    groups: Strings.optional(),
  })
  .strict();

const ContextCase = z
  .object({
    task: z.object({ id: z.string().optional(), intent: z.string().optional() }).strict().optional(),
    chain: z.object({ origin: z.string().optional(), depth: Long.optional(), actors: Strings.optional() }).strict().optional(),
    risk: z.object({ score: Long.optional(), factors: Strings.optional() }).strict().optional(),
    target: z.string().optional(),
    findings: Strings.optional(),
    time: z.object({ hour: Long.optional(), dayOfWeek: Long.optional() }).strict().optional(),
    scope: Strings.optional(),
  })
  .strict();

const DECISIONS = ['allow', 'deny', 'pending'] as const;
const CALL_ONLY = ['risk', 'target', 'findings'] as const;

const CaseSchema = z
  .object({
    name: z.string().min(1),
    agent: AgentCase.optional(),
    /** A call: the tool called. */
    tool: z.object({ name: z.string().min(1), categories: Strings, server: z.string().optional() }).strict().optional(),
    /** A delegation: the agent receiving it. */
    delegate: AgentCase.optional(),
    context: ContextCase.optional(),
    expect: z.enum(DECISIONS),
    /** When given, the determining policy ids must be exactly these (any order). */
    determining: Strings.optional(),
  })
  .strict()
  .refine((c) => (c.tool === undefined) !== (c.delegate === undefined), {
    message: 'a case needs exactly one of `tool` (a call) or `delegate` (a delegation)',
  })
  .refine((c) => (c.tool ? c.context?.scope === undefined : CALL_ONLY.every((k) => c.context?.[k] === undefined)), {
    message: '`scope` belongs to a delegation; `risk`, `target` and `findings` to a call',
    path: ['context'],
  });

const CasesSchema = z.array(CaseSchema);
const FileSchema = z.object({ policies: z.string().min(1).optional(), cases: CasesSchema }).strict();

export type PolicyTestCase = z.infer<typeof CaseSchema>;

export interface PolicyTestResult {
  name: string;
  passed: boolean;
  expected: PolicyDecision;
  actual: PolicyDecision;
  /** The expected determining ids, when the case gave them. */
  expectedDetermining?: string[];
  determining: readonly string[];
  reasons: readonly PolicyReason[];
}

export interface PolicyTestReport {
  passed: number;
  failed: number;
  results: PolicyTestResult[];
}

/**
 * Parses a YAML test table. Throws `INVALID_POLICY_TEST` naming the first bad field.
 *
 * @example
 * parsePolicyTests('- {name: read, tool: {name: forum.read, categories: [read]}, expect: allow}');
 */
export function parsePolicyTests(yamlText: string): { policies?: string; cases: PolicyTestCase[] } {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    throw invalidPolicyTest(`the test file is not valid YAML: ${oneLine(err instanceof Error ? err.message : String(err))}`);
  }
  const parsed = Array.isArray(doc) ? CasesSchema.safeParse(doc) : FileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw invalidPolicyTest(`invalid policy test${path ? ` at \`${path}\`` : ''}: ${oneLine(issue?.message ?? 'malformed')}`, {
      path,
    });
  }
  return Array.isArray(parsed.data) ? { cases: parsed.data } : parsed.data;
}

/**
 * Runs test cases against a loaded policy version. Never throws for a failing case:
 * the report says which failed and why.
 *
 * @example
 * const report = runPolicyTests(engine, parsePolicyTests(yaml).cases);
 * if (report.failed > 0) process.exitCode = 1;
 */
export function runPolicyTests(engine: PolicyEngine, cases: readonly PolicyTestCase[]): PolicyTestReport {
  const results = cases.map((c): PolicyTestResult => {
    const r = evaluateCase(engine, c);
    const sameIds =
      c.determining === undefined ||
      (c.determining.length === r.determining.length && c.determining.every((id) => r.determining.includes(id)));
    return {
      name: c.name,
      passed: r.decision === c.expect && sameIds,
      expected: c.expect,
      actual: r.decision,
      ...(c.determining !== undefined ? { expectedDetermining: c.determining } : {}),
      determining: r.determining,
      reasons: r.reasons,
    };
  });
  const passed = results.filter((r) => r.passed).length;
  return { passed, failed: results.length - passed, results };
}

/**
 * `warden policy test <file>`: reads the table, loads the policies it names (or
 * `options.policies`, or the built-in pack) and runs it. Throws `INVALID_POLICY` when the
 * policies do not validate and `INVALID_POLICY_TEST` when the table is malformed.
 */
export function runPolicyTestFile(file: string, options: { policies?: string } = {}): PolicyTestReport {
  const { policies, cases } = parsePolicyTests(readFileSync(file, 'utf8'));
  const path = options.policies ?? (policies !== undefined ? resolve(dirname(file), policies) : undefined);
  const engine =
    path === undefined
      ? PolicyEngine.load({ policies: readDefaultPolicies(), cacheSize: 0 })
      : (() => {
          const { schema, sources } = readPolicyPath(path);
          return PolicyEngine.load({ schema, policies: sources, cacheSize: 0 });
        })();
  return runPolicyTests(engine, cases);
}

/** One line per case, then a summary: what the CLI prints. */
export function formatPolicyTestReport(report: PolicyTestReport): string {
  const lines = report.results.map((r) => {
    if (r.passed) return `ok    ${r.name} (${r.actual}${r.determining.length ? `: ${r.determining.join(', ')}` : ''})`;
    const want = r.expectedDetermining ? ` by ${r.expectedDetermining.join(', ') || 'nothing'}` : '';
    const why = r.reasons.map((x) => x.message).join('; ');
    return `FAIL  ${r.name}: expected ${r.expected}${want}, got ${r.actual} by ${r.determining.join(', ') || 'nothing'} (${why})`;
  });
  lines.push(`${report.passed} passed, ${report.failed} failed`);
  return lines.join('\n');
}

export interface PolicyValidationReport {
  valid: boolean;
  /** The policies found, when valid. */
  policies: PolicyInfo[];
  /** Cedar's messages, each with file, line and column. */
  messages: string[];
  warnings: string[];
}

/**
 * `warden policy validate <dir>`: every `*.cedar` file of a directory (or one file),
 * validated together against the directory's `schema.cedarschema` or Warden's.
 *
 * @example
 * const r = validatePolicyDir('./policies');
 * for (const m of r.messages) console.error(m); // "team.cedar, line 4, column 9: …"
 */
export function validatePolicyDir(path: string): PolicyValidationReport {
  const { schema, sources } = readPolicyPath(path);
  const r = compilePolicies(schema, sources);
  if (!r.ok) return { valid: false, policies: [], messages: r.messages, warnings: [] };
  return { valid: true, policies: [...r.policySet.policies], messages: [], warnings: [...r.policySet.warnings] };
}

const DEFAULT_AGENT: AgentInput = { id: 'test-agent', owner: 'human:tester', status: 'active', riskTier: 'low' };

function agentOf(a: z.infer<typeof AgentCase> | undefined, fallbackId = DEFAULT_AGENT.id): AgentInput {
  return { ...DEFAULT_AGENT, id: fallbackId, ...a };
}

function evaluateCase(engine: PolicyEngine, c: PolicyTestCase): PolicyEvaluation {
  const agent = agentOf(c.agent);
  const x = c.context ?? {};
  const base = {
    task: { id: 'task-1', intent: '', ...x.task },
    chain: { origin: agent.owner, depth: 1, actors: [`agent:${bareId(agent.id, 'agent:')}`], ...x.chain },
    time: { hour: 12, dayOfWeek: 3, ...x.time },
  };
  if (c.tool) {
    const context: CallContext = {
      ...base,
      risk: { score: 0, factors: [], ...x.risk },
      target: x.target ?? '',
      findings: x.findings ?? [],
    };
    return engine.evaluate({ agent, tool: c.tool, context });
  }
  const context: DelegateContext = { ...base, scope: x.scope ?? [] };
  return engine.evaluateDelegation({ agent, subAgent: agentOf(c.delegate, 'test-sub-agent'), context });
}


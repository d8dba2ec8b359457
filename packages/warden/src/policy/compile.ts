/**
 * Turns Cedar policy text into a checked, annotated policy set, once per policy version.
 *
 * It parses, validates against the schema (strict mode), reads each policy's annotations
 * (`@id`, `@approval`, `@reason`) and gives every Cedar message a line and column, so an
 * upload that does not validate is refused with messages a person can act on. Nothing
 * here runs per decision.
 */
import {
  checkParseSchema,
  policySetTextToParts,
  policyToJson,
  validate,
  type DetailedError,
  type PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import { invalidPolicy, invalidSchema } from './errors.js';
import { oneLine } from '../util.js';

/** One file (or upload) of policy text. `name` appears in messages when given. */
export interface PolicySource {
  name?: string;
  text: string;
}

/** A policy as Warden sees it: its id and what its annotations ask for. */
export interface PolicyInfo {
  /** `@id("…")`, or Cedar's own `policy<N>` (N = its position in the text) without one. */
  id: string;
  effect: 'permit' | 'forbid';
  /** `@approval("…")`: on a forbid, "not without a human"; the label names why. */
  approval?: string;
  /** `@reason("…")`: the sentence shown with the decision. */
  reason?: string;
  /** Where the policy starts (`source` is the file name when there are several). */
  source?: string;
  line: number;
  /** Position in the policy text, from 0. */
  index: number;
}

/** A problem with the policy text, with where it points when Cedar says so. */
export interface PolicyDiagnostic {
  message: string;
  source?: string;
  line?: number;
  column?: number;
  policyId?: string;
}

export interface CompiledPolicySet {
  /** Every policy in text order. */
  policies: readonly PolicyInfo[];
  byId: ReadonlyMap<string, PolicyInfo>;
  /** id → the policy's own text: what Cedar preparses, so its answers name our ids. */
  staticPolicies: Readonly<Record<string, string>>;
  /** Cedar's JSON form of each policy, in text order (for input analysis). */
  json: readonly PolicyJson[];
  warnings: readonly string[];
}

export type CompileResult =
  | { ok: true; policySet: CompiledPolicySet }
  | { ok: false; messages: string[]; diagnostics: PolicyDiagnostic[] };

const POLICY_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const CEDAR_ID = /`policy(\d+)`/g;

/**
 * How deep one policy may nest (brackets, and `if`s), and how many operators it may hold.
 * Past a few times these, Cedar's parser (compiled to wasm) runs out of stack, and the wasm
 * module is then unusable for the whole process: every decision is denied until a restart
 * (measured: 150 nested parentheses, 1,000 nested `if`s, or a chain of 1,500 `+`). A
 * policy needs nothing near them; a long list of values is one set, not an operator chain.
 */
export const MAX_POLICY_NESTING = 32;
export const MAX_POLICY_OPERATORS = 256;

const OPERATOR_CHARS = '|&=!<>+-*';
const WORD_OPERATORS: ReadonlySet<string> = new Set(['in', 'has', 'like', 'is']);

/**
 * The first policy past those limits, and where it starts. Reads text with its comments
 * blanked (`maskComments`): strings are skipped, a `;` outside brackets ends a policy.
 */
function tooComplex(masked: string): { at: number; message: string } | undefined {
  let start = 0;
  let depth = 0;
  let ifs = 0;
  let operators = 0;
  const problem = (what: string) => {
    let at = start;
    while (at < masked.length && /\s/.test(masked[at] as string)) at++;
    return { at, message: `a policy ${what}: split it into several policies, or use a set` };
  };
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i] as string;
    if (c === '"') {
      i++;
      while (i < masked.length && masked[i] !== '"') i += masked[i] === '\\' ? 2 : 1;
    } else if (c === '(' || c === '[' || c === '{') {
      if (++depth > MAX_POLICY_NESTING) return problem(`nests brackets more than ${MAX_POLICY_NESTING} deep`);
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    } else if (c === ';' && depth <= 0) {
      [start, depth, ifs, operators] = [i + 1, 0, 0, 0];
    } else if (OPERATOR_CHARS.includes(c)) {
      while (i + 1 < masked.length && OPERATOR_CHARS.includes(masked[i + 1] as string)) i++;
      if (++operators > MAX_POLICY_OPERATORS) return problem(`holds more than ${MAX_POLICY_OPERATORS} operators`);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < masked.length && /[A-Za-z0-9_]/.test(masked[j] as string)) j++;
      const word = masked.slice(i, j);
      i = j - 1;
      if (word === 'if' && ++ifs > MAX_POLICY_NESTING) return problem(`holds more than ${MAX_POLICY_NESTING} \`if\`s`);
      if (WORD_OPERATORS.has(word) && ++operators > MAX_POLICY_OPERATORS) return problem(`holds more than ${MAX_POLICY_OPERATORS} operators`);
    }
  }
  return undefined;
}

/** Cedar's validation warning for a policy that no valid request can satisfy. */
const IMPOSSIBLE = /policy is impossible/;

/**
 * Parses, validates and annotates policy text against a schema. Never throws for bad
 * policy text: the answer says what is wrong and where. Throws `INVALID_SCHEMA` when the
 * schema itself does not parse.
 *
 * @example
 * const r = compilePolicies(schemaText, [{ name: 'default.cedar', text }]);
 * if (!r.ok) console.error(r.messages.join('\n')); // "default.cedar, line 3, column 12: …"
 */
export interface CompileOptions {
  /**
   * A version accepted before (the one in force, read back from the store): a policy Cedar
   * proves can never apply stays a warning, so that a version stored before that rule
   * keeps governing after an upgrade rather than failing every decision.
   */
  accepted?: boolean;
}

export function compilePolicies(schema: string, policies: string | readonly PolicySource[], options: CompileOptions = {}): CompileResult {
  if (typeof schema !== 'string') throw new TypeError('schema must be Cedar schema text');
  const text = new SourceText(typeof policies === 'string' ? [{ text: policies }] : policies);

  const schemaCheck = checkParseSchema(schema);
  if (schemaCheck.type === 'failure') {
    const where = new SourceText([{ name: 'schema', text: schema }]);
    throw invalidSchema(schemaCheck.errors.map((e) => format(where.diagnostic(e))));
  }

  // Before any of the text reaches Cedar: past these limits its parser can run out of stack.
  const complex = tooComplex(maskComments(text.combined));
  if (complex !== undefined) return failed([{ ...text.locate(complex.at), message: complex.message }]);

  const parts = policySetTextToParts(text.combined);
  if (parts.type === 'failure') return failed(parts.errors.map((e) => text.diagnostic(e)));
  if (parts.policy_templates.length > 0) {
    // Nothing would ever link them, so they could only mislead.
    return failed([{ ...text.locate(text.firstSlot()), message: 'templates (`?principal`, `?resource`) are not supported' }]);
  }

  const diagnostics: PolicyDiagnostic[] = [];
  const warnings: string[] = [];

  // INVARIANT: Cedar names the policies of a text `policy0`, `policy1`, … in text order,
  // and `policySetTextToParts` returns them sorted by that id as a string (policy10
  // before policy2). Sorting the same names the same way pairs each part with its index.
  const n = parts.policies.length;
  const cedarIds = Array.from({ length: n }, (_, i) => `policy${i}`).sort();
  const ordered: string[] = new Array<string>(n);
  parts.policies.forEach((part, k) => {
    ordered[Number((cedarIds[k] as string).slice('policy'.length))] = part;
  });

  const infos: PolicyInfo[] = [];
  const json: PolicyJson[] = [];
  const byId = new Map<string, PolicyInfo>();
  const idByIndex: string[] = [];
  const staticPolicies: Record<string, string> = {};
  const starts = text.policyStarts(ordered);
  ordered.forEach((part, index) => {
    const where = text.locate(starts[index] ?? -1);
    const answer = policyToJson(part);
    if (answer.type === 'failure') {
      diagnostics.push(...answer.errors.map((e) => ({ ...where, message: oneLine(e.message) })));
      return;
    }
    const annotations = answer.json.annotations ?? {};
    const rawId = annotations['id'];
    const id = rawId ?? `policy${index}`;
    idByIndex[index] = id;
    const problem = (message: string) => diagnostics.push({ ...where, policyId: id, message });
    if (rawId !== undefined && (rawId === null || !POLICY_ID.test(rawId))) {
      problem('`@id` must be 1 to 128 letters, digits, `.`, `_`, `:`, `/` or `-`, starting with a letter or digit');
    } else if (byId.has(id)) {
      problem(`policy id \`${id}\` is used twice`);
    }
    const approval = annotations['approval'];
    if (approval !== undefined) {
      if (answer.json.effect !== 'forbid') problem(`\`@approval\` on policy \`${id}\` only means something on a forbid`);
      if (approval === null || approval.trim() === '') problem(`\`@approval\` on policy \`${id}\` needs a label, e.g. \`@approval("publish")\``);
    }
    const notInGroups = groupTestOnNonAgent(answer.json);
    if (notInGroups !== undefined) {
      const message = `policy \`${id}\` asks whether ${notInGroups} is in a group, which is never true: in Warden only agents belong to groups`;
      if (options.accepted === true) warnings.push(format({ ...where, message }));
      else problem(message);
    }
    const reason = annotations['reason'];
    const info: PolicyInfo = {
      id,
      effect: answer.json.effect,
      ...(approval ? { approval } : {}),
      ...(reason ? { reason: oneLine(reason) } : {}),
      ...(where.source !== undefined ? { source: where.source } : {}),
      line: where.line ?? 0,
      index,
    };
    infos.push(info);
    json.push(answer.json);
    byId.set(id, info);
    staticPolicies[id] = part;
  });

  const textIdToId = (cedarId: string): string => idByIndex[Number(cedarId.slice('policy'.length))] ?? cedarId;
  const rename = (s: string) => s.replace(CEDAR_ID, (_, i: string) => `\`${textIdToId(`policy${i}`)}\``);

  const validation = validate({ schema, policies: { staticPolicies: text.combined }, validationSettings: { mode: 'strict' } });
  if (validation.type === 'failure') {
    diagnostics.push(...validation.errors.map((e) => text.diagnostic(e, rename)));
  } else {
    for (const v of validation.validationErrors) {
      diagnostics.push({ ...text.diagnostic(v.error, rename), policyId: textIdToId(v.policyId) });
    }
    for (const v of validation.validationWarnings) {
      // INVARIANT: a policy Cedar proves can never apply is refused, not accepted with a
      // warning: a forbid that silently matches nothing (a group no human can be in, say)
      // is the fail-open that validating against the schema is there to prevent.
      if (options.accepted !== true && IMPOSSIBLE.test(v.error.message)) {
        const id = textIdToId(v.policyId);
        diagnostics.push({ ...text.diagnostic(v.error, rename), policyId: id, message: `policy \`${id}\` can never apply: Cedar finds it false for every request the schema allows` });
      } else {
        warnings.push(format(text.diagnostic(v.error, rename)));
      }
    }
    for (const e of validation.otherWarnings) warnings.push(format(text.diagnostic(e, rename)));
  }
  if (n === 0) warnings.push('the policy set is empty: every request is denied');

  if (diagnostics.length > 0) return failed(diagnostics);
  return { ok: true, policySet: { policies: infos, byId, staticPolicies, json, warnings } };
}

/**
 * Like `compilePolicies`, but throws `INVALID_POLICY` (details: `messages`,
 * `diagnostics`) when the text does not validate.
 */
export function compilePoliciesOrThrow(schema: string, policies: string | readonly PolicySource[], options: CompileOptions = {}): CompiledPolicySet {
  const r = compilePolicies(schema, policies, options);
  if (!r.ok) throw invalidPolicy(r.messages, r.diagnostics);
  return r.policySet;
}

/**
 * What a policy asks to be in a group that can never be, if anything: an agent's owner
 * (a `Warden::Human`) or a `Warden::Human` or `Warden::Tool` named outright. Cedar refuses
 * such a test only when it makes the whole policy impossible; inside an `||`, or in an
 * `unless`, it passes validation and is silently false. Found here in the policy's JSON.
 */
function groupTestOnNonAgent(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (!Array.isArray(node)) {
    const o = node as Record<string, unknown>;
    // `x in G`, and `x is T in G`.
    const test = (o['in'] ?? o['is']) as { left?: unknown; right?: unknown; in?: unknown } | undefined;
    if (test !== null && typeof test === 'object') {
      const what = neverInAGroup(test.left);
      if (what !== undefined && namesGroup(o['in'] !== undefined ? test.right : test.in)) return what;
    }
  }
  for (const child of Array.isArray(node) ? node : Object.values(node)) {
    const found = groupTestOnNonAgent(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `principal.owner` or `resource.owner` (a `Warden::Human`), or a human or tool named outright. */
function neverInAGroup(expr: unknown): string | undefined {
  if (expr === null || typeof expr !== 'object') return undefined;
  const access = (expr as Record<string, unknown>)['.'] as { left?: { Var?: unknown }; attr?: unknown } | undefined;
  if (access?.attr === 'owner' && (access.left?.Var === 'principal' || access.left?.Var === 'resource')) return "an agent's owner (a `Warden::Human`)";
  const entity = entityOf(expr);
  if (entity === 'Warden::Human' || entity === 'Warden::Tool') return `a \`${entity}\``;
  return undefined;
}

/** A `Warden::Group` named outright, alone or in a set literal. */
function namesGroup(expr: unknown): boolean {
  if (entityOf(expr) === 'Warden::Group') return true;
  const set = expr !== null && typeof expr === 'object' ? (expr as Record<string, unknown>)['Set'] : undefined;
  return Array.isArray(set) && set.some((e) => entityOf(e) === 'Warden::Group');
}

function entityOf(expr: unknown): unknown {
  return expr !== null && typeof expr === 'object' ? ((expr as Record<string, unknown>)['Value'] as { __entity?: { type?: unknown } } | undefined)?.__entity?.type : undefined;
}

/** `line 3, column 12: message`, with the file name first when there is one. */
export function format(d: PolicyDiagnostic): string {
  const where =
    d.line === undefined
      ? d.source
      : `${d.source !== undefined ? `${d.source}, ` : ''}line ${d.line}${d.column !== undefined ? `, column ${d.column}` : ''}`;
  return where !== undefined ? `${where}: ${d.message}` : d.message;
}

function failed(diagnostics: PolicyDiagnostic[]): CompileResult {
  return { ok: false, messages: diagnostics.map(format), diagnostics };
}


/**
 * The policy text as Cedar sees it (all sources joined by a newline) and the way back
 * from Cedar's UTF-8 byte offsets to a source, line and column.
 */
class SourceText {
  readonly combined: string;
  private readonly bytes: Buffer;
  /** Start (UTF-16 index into `combined`) and name of each source. */
  private readonly sources: { start: number; name: string | undefined }[] = [];
  /** UTF-16 index of each line start in `combined`. */
  private readonly lineStarts: number[] = [0];

  constructor(sources: readonly PolicySource[]) {
    let combined = '';
    for (const s of sources) {
      if (typeof s?.text !== 'string') throw new TypeError('each policy source needs its `text`');
      // A newline between sources keeps a trailing `//` comment from swallowing the next file.
      if (this.sources.length > 0) combined += '\n';
      this.sources.push({ start: combined.length, name: s.name });
      combined += s.text;
    }
    this.combined = combined;
    this.bytes = Buffer.from(combined, 'utf8');
    for (let i = combined.indexOf('\n'); i !== -1; i = combined.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  /** Where a UTF-16 index in `combined` is, 1-based, relative to its own source. */
  locate(index: number): { source?: string; line?: number; column?: number } {
    if (index < 0) return {};
    let src = this.sources[0];
    for (const s of this.sources) if (s.start <= index) src = s;
    const lineOf = (i: number) => {
      let lo = 0;
      let hi = this.lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((this.lineStarts[mid] as number) <= i) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const line = lineOf(index);
    const line0 = lineOf(src?.start ?? 0);
    return {
      ...(src?.name !== undefined ? { source: src.name } : {}),
      line: line - line0 + 1,
      column: index - (this.lineStarts[line] as number) + 1,
    };
  }

  diagnostic(e: DetailedError, rename: (s: string) => string = (s) => s): PolicyDiagnostic {
    const at = e.sourceLocations?.[0];
    const label = at?.label ? `: ${at.label}` : '';
    const help = e.help ? ` (${e.help})` : '';
    const where = at ? this.locate(this.bytes.subarray(0, at.start).toString('utf8').length) : {};
    return { ...where, message: rename(oneLine(`${e.message}${label}${help}`)) };
  }

  /** Index of the first `?principal` / `?resource` slot outside comments; -1 when none. */
  firstSlot(): number {
    return maskComments(this.combined).search(/\?(principal|resource)\b/);
  }

  /**
   * Where each policy (Cedar's verbatim slice of the text, in text order) starts. Found by
   * searching forward with comments blanked out, so a commented-out copy of a policy is
   * never taken for the policy itself; -1 when not found.
   */
  policyStarts(parts: readonly string[]): number[] {
    const masked = maskComments(this.combined);
    let from = 0;
    return parts.map((part) => {
      const at = masked.indexOf(maskComments(part), from);
      if (at === -1) return -1;
      from = at + part.length;
      return at;
    });
  }
}

/** Replaces the text of `//` comments with spaces (string literals respected), keeping every index. */
function maskComments(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      out += s.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '/' && s[i + 1] === '/') {
      let j = s.indexOf('\n', i);
      if (j === -1) j = s.length;
      out += ' '.repeat(j - i);
      i = j;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

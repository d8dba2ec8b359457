/** Operator tooling: YAML policy tests and directory validation. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WardenError } from '../../src/errors.js';
import { PolicyEngine } from '../../src/policy/engine.js';
import { DEFAULT_POLICY_DIR, readDefaultPolicies } from '../../src/policy/pack.js';
import {
  formatPolicyTestReport,
  parsePolicyTests,
  runPolicyTestFile,
  runPolicyTests,
  validatePolicyDir,
} from '../../src/policy/testing.js';

const dirs: string[] = [];
const scratch = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-policy-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof WardenError) return err.code;
    throw err;
  }
  throw new Error('expected a WardenError');
};

describe('the shipped default.test.yaml', () => {
  it('passes against the default pack', () => {
    const report = runPolicyTestFile(join(DEFAULT_POLICY_DIR, 'default.test.yaml'));
    expect(report.failed).toBe(0);
    expect(report.passed).toBe(report.results.length);
    expect(report.results.find((r) => r.name === 'posting to the forum waits for a human')).toMatchObject({
      actual: 'pending',
      determining: ['publish-needs-approval'],
    });
  });
});

describe('runPolicyTests', () => {
  const engine = PolicyEngine.load({ policies: readDefaultPolicies() });

  it('reports a case whose decision differs', () => {
    const { cases } = parsePolicyTests(`
- name: publishing is allowed (wrong)
  tool: { name: forum.post, categories: [publish] }
  expect: allow
- name: reading is allowed
  tool: { name: forum.read, categories: [read] }
  expect: allow
`);
    const report = runPolicyTests(engine, cases);
    expect([report.passed, report.failed]).toEqual([1, 1]);
    expect(report.results[0]).toMatchObject({ passed: false, expected: 'allow', actual: 'pending', determining: ['publish-needs-approval'] });
    expect(formatPolicyTestReport(report).split('\n')).toEqual([
      "FAIL  publishing is allowed (wrong): expected allow, got pending by publish-needs-approval (policy `publish-needs-approval` requires human approval (`publish`): publishing content needs a human's confirmation)",
      'ok    reading is allowed (allow: calls-within-scope)',
      '1 passed, 1 failed',
    ]);
  });

  it('fails a case whose determining policies differ, even with the right decision', () => {
    const { cases } = parsePolicyTests(`
- name: risky publication
  tool: { name: forum.post, categories: [publish] }
  context: { risk: { score: 90 } }
  expect: pending
  determining: [publish-needs-approval]
`);
    const [result] = runPolicyTests(engine, cases).results;
    expect(result).toMatchObject({ passed: false, actual: 'pending', determining: ['publish-needs-approval', 'high-risk-needs-approval'] });
  });

  it('fills neutral defaults, so a bare case is an active agent at risk 0', () => {
    const { cases } = parsePolicyTests('- {name: bare, tool: {name: x, categories: [read]}, expect: allow}');
    expect(runPolicyTests(engine, cases).results[0]?.passed).toBe(true);
  });
});

describe('parsePolicyTests', () => {
  it('accepts a list or {policies, cases}', () => {
    expect(parsePolicyTests('- {name: a, tool: {name: t, categories: []}, expect: deny}').cases.length).toBe(1);
    expect(parsePolicyTests('policies: p.cedar\ncases: []')).toEqual({ policies: 'p.cedar', cases: [] });
  });

  it('refuses YAML that does not parse', () => {
    expect(code(() => parsePolicyTests('- name: [unclosed'))).toBe('INVALID_POLICY_TEST');
  });

  it('refuses an unknown decision, naming where', () => {
    try {
      parsePolicyTests('- {name: a, tool: {name: t, categories: []}, expect: maybe}');
      expect.unreachable();
    } catch (err) {
      expect((err as WardenError).code).toBe('INVALID_POLICY_TEST');
      expect((err as WardenError).details).toEqual({ path: '0.expect' });
      expect((err as WardenError).message).toMatch(/^invalid policy test at `0\.expect`: /);
    }
  });

  it('refuses an unknown field', () => {
    expect(code(() => parsePolicyTests('- {name: a, tool: {name: t, categories: []}, expect: allow, approved: true}'))).toBe('INVALID_POLICY_TEST');
  });

  it('refuses a case with both a tool and a delegate', () => {
    expect(code(() => parsePolicyTests('- {name: a, tool: {name: t, categories: []}, delegate: {id: b}, expect: allow}'))).toBe('INVALID_POLICY_TEST');
  });

  it('refuses a fractional risk score', () => {
    expect(code(() => parsePolicyTests('- {name: a, tool: {name: t, categories: []}, context: {risk: {score: 7.5}}, expect: allow}'))).toBe('INVALID_POLICY_TEST');
  });

  it('refuses delegation context on a call', () => {
    expect(code(() => parsePolicyTests('- {name: a, tool: {name: t, categories: []}, context: {scope: [x]}, expect: allow}'))).toBe('INVALID_POLICY_TEST');
  });

  it('refuses a document that is neither shape', () => {
    expect(code(() => parsePolicyTests('just a string'))).toBe('INVALID_POLICY_TEST');
  });
});

describe('runPolicyTestFile', () => {
  it('loads the policies the file names, relative to itself', () => {
    const dir = scratch({
      'policies/team.cedar': '@id("everything") permit (principal, action, resource);',
      'tests/team.yaml': 'policies: ../policies\ncases:\n  - {name: all, tool: {name: forum.post, categories: [publish]}, expect: allow, determining: [everything]}\n',
    });
    expect(runPolicyTestFile(join(dir, 'tests/team.yaml'))).toMatchObject({ passed: 1, failed: 0 });
  });

  it('lets the caller choose the policies', () => {
    const dir = scratch({
      'strict.cedar': '@id("reads") permit (principal, action == Warden::Action::"call", resource) when { resource.categories.contains("read") };',
      't.yaml': '- {name: write, tool: {name: docs.edit, categories: [write]}, expect: deny}\n',
    });
    expect(runPolicyTestFile(join(dir, 't.yaml'), { policies: join(dir, 'strict.cedar') })).toMatchObject({ passed: 1 });
    expect(runPolicyTestFile(join(dir, 't.yaml'))).toMatchObject({ failed: 1 });
  });

  it('throws INVALID_POLICY when the named policies do not validate', () => {
    const dir = scratch({ 'p.cedar': 'permit (principal, action, resource) when { context.nope };', 't.yaml': 'policies: p.cedar\ncases: []\n' });
    expect(code(() => runPolicyTestFile(join(dir, 't.yaml')))).toBe('INVALID_POLICY');
  });
});

describe('validatePolicyDir', () => {
  it('accepts the shipped directory', () => {
    const r = validatePolicyDir(DEFAULT_POLICY_DIR);
    expect(r.valid).toBe(true);
    expect(r.policies.length).toBe(9);
    expect(r.messages).toEqual([]);
  });

  it('reports problems with file, line and column', () => {
    const dir = scratch({
      'a.cedar': '@id("a") permit (principal, action, resource);\n',
      'b.cedar': '// b\n@id("b")\nforbid (principal, action == Warden::Action::"call", resource)\nwhen { resource.owner == "x" };\n',
    });
    const r = validatePolicyDir(dir);
    expect(r.valid).toBe(false);
    expect(r.messages).toEqual([expect.stringMatching(/^b\.cedar, line 4, column 8: for policy `b`, attribute `owner` on entity type `Warden::Tool` not found/)]);
  });

  it("uses the directory's own schema when it has one", () => {
    const dir = scratch({
      'schema.cedarschema': 'namespace Warden { entity Agent; entity Tool { owner: String }; action "call" appliesTo { principal: Agent, resource: Tool }; }',
      'b.cedar': '@id("b") forbid (principal, action, resource) when { resource.owner == "x" };\n',
    });
    expect(validatePolicyDir(dir)).toMatchObject({ valid: true, messages: [] });
  });

  it('validates a single file', () => {
    const dir = scratch({ 'one.cedar': '@id("x") @approval("p") permit (principal, action, resource);' });
    expect(validatePolicyDir(join(dir, 'one.cedar')).messages).toEqual(['one.cedar, line 1, column 1: `@approval` on policy `x` only means something on a forbid']);
  });

  it('throws NOT_FOUND for a path that does not exist', () => {
    expect(code(() => validatePolicyDir('/nonexistent/warden/policies'))).toBe('NOT_FOUND');
  });

  it('throws INVALID_REQUEST for a directory without policies', () => {
    expect(code(() => validatePolicyDir(scratch({ 'README.md': 'nothing here' })))).toBe('INVALID_REQUEST');
  });
});

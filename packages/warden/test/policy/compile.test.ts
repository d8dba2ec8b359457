/** Checking policy text once per version: Cedar's messages with line and column, and Warden's annotation rules. */
import { describe, expect, it } from 'vitest';
import { WardenError } from '../../src/errors.js';
import { compilePolicies, compilePoliciesOrThrow, format } from '../../src/policy/compile.js';
import { readDefaultPolicies, readDefaultSchema } from '../../src/policy/pack.js';

const schema = readDefaultSchema();
const messages = (policies: Parameters<typeof compilePolicies>[1]) => {
  const r = compilePolicies(schema, policies);
  if (r.ok) throw new Error('expected the policies to be refused');
  return r.messages;
};
const CALL = 'action == Warden::Action::"call"';

describe('compilePolicies', () => {
  it('accepts the default pack', () => {
    const r = compilePolicies(schema, readDefaultPolicies());
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.policySet.warnings).toEqual([]);
      expect(Object.keys(r.policySet.staticPolicies)).toEqual(r.policySet.policies.map((p) => p.id));
      expect(r.policySet.byId.get('publish-needs-approval')).toMatchObject({ effect: 'forbid', approval: 'publish', source: 'default.cedar' });
    }
  });

  it('gives each policy its line, skipping commented-out copies', () => {
    const r = compilePolicies(schema, `// @id("a") permit (principal, action, resource);\n\n@id("a")\npermit (principal, action, resource);\n  @id("b") forbid (principal, action, resource);`);
    expect(r.ok && r.policySet.policies.map((p) => [p.id, p.line, p.index])).toEqual([
      ['a', 3, 0],
      ['b', 5, 1],
    ]);
  });

  it('reports a syntax error with line and column', () => {
    expect(messages('@id("ok")\npermit (principal, action, resource);\n\npermit (principal, action, resource) when { context. };')).toEqual([
      'line 4, column 54: unexpected token `}`: expected identifier',
    ]);
  });

  it('counts columns in characters, not bytes', () => {
    expect(messages('// héllo wörld ✓\npermit (principal, action, resource) when { context.x == };')).toEqual([
      expect.stringMatching(/^line 2, column 58: unexpected token `}`/),
    ]);
  });

  it('reports a type error against the schema with the policy id', () => {
    expect(messages(`@id("bad")\npermit (principal, ${CALL}, resource)\nwhen { context.nope };`)).toEqual([
      'line 3, column 8: for policy `bad`, attribute `nope` in context for Warden::Action::"call" not found (did you mean `time`?)',
    ]);
  });

  it('reports every type error at once', () => {
    const r = compilePolicies(schema, `@id("a") permit (principal, ${CALL}, resource) when { principal.status == 1 };\n@id("b") permit (principal, ${CALL}, resource) when { resource.nope };`);
    expect(r.ok ? [] : r.diagnostics.map((d) => [d.policyId, d.line])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('names policies without @id as Cedar does, past ten of them', () => {
    const text = Array.from({ length: 12 }, (_, i) => `permit (principal, ${CALL}, resource) when { ${i === 10 ? 'context.nope' : 'true'} };`).join('\n');
    expect(messages(text)).toEqual([expect.stringMatching(/^line 11, column \d+: for policy `policy10`, attribute `nope`/)]);
  });

  it('maps Cedar ids back to @id past ten policies', () => {
    const text = Array.from({ length: 12 }, (_, i) => `@id("p${i}") permit (principal, ${CALL}, resource) when { ${i === 10 ? 'context.nope' : 'true'} };`).join('\n');
    expect(messages(text)).toEqual([expect.stringMatching(/^line 11, column \d+: for policy `p10`, attribute `nope`/)]);
  });

  it('names the file and counts lines per file', () => {
    expect(
      messages([
        { name: 'a.cedar', text: '// first file\n@id("a") permit (principal, action, resource);' },
        { name: 'b.cedar', text: `\n\n  @id("b") permit (principal, ${CALL}, resource) when { principal.status == 3 };` },
      ]),
    ).toEqual([expect.stringMatching(/^b\.cedar, line 3, column 82: the types Long and String are not compatible/)]);
  });

  it('keeps a trailing comment in one file from hiding the next', () => {
    const r = compilePolicies(schema, [
      { name: 'a.cedar', text: '@id("a") permit (principal, action, resource); // no newline' },
      { name: 'b.cedar', text: '@id("b") forbid (principal, action, resource);' },
    ]);
    expect(r.ok && r.policySet.policies.map((p) => [p.id, p.source, p.line])).toEqual([
      ['a', 'a.cedar', 1],
      ['b', 'b.cedar', 1],
    ]);
  });

  it('refuses @approval on a permit', () => {
    expect(messages('@id("x") @approval("p") permit (principal, action, resource);')).toEqual([
      'line 1, column 1: `@approval` on policy `x` only means something on a forbid',
    ]);
  });

  it('refuses @approval without a label', () => {
    expect(messages('\n@id("x") @approval forbid (principal, action, resource);\n@approval("  ") forbid (principal, action, resource);')).toEqual([
      'line 2, column 1: `@approval` on policy `x` needs a label, e.g. `@approval("publish")`',
      'line 3, column 1: `@approval` on policy `policy1` needs a label, e.g. `@approval("publish")`',
    ]);
  });

  it('refuses the same @id twice', () => {
    expect(messages('@id("x") permit (principal, action, resource);\n@id("x") forbid (principal, action, resource);')).toEqual([
      'line 2, column 1: policy id `x` is used twice',
    ]);
  });

  it('refuses an @id that collides with a Cedar-named policy', () => {
    expect(messages('permit (principal, action, resource);\n@id("policy0") forbid (principal, action, resource);')).toEqual([
      'line 2, column 1: policy id `policy0` is used twice',
    ]);
  });

  it('refuses an @id that would not read well in a log', () => {
    expect(messages('@id("has space") permit (principal, action, resource);')).toEqual([
      'line 1, column 1: `@id` must be 1 to 128 letters, digits, `.`, `_`, `:`, `/` or `-`, starting with a letter or digit',
    ]);
  });

  it('refuses templates, which nothing would link', () => {
    expect(messages('@id("a") permit (principal, action, resource);\npermit (principal == ?principal, action, resource);')).toEqual([
      'line 2, column 22: templates (`?principal`, `?resource`) are not supported',
    ]);
  });

  it('accepts an empty set with a warning', () => {
    const r = compilePolicies(schema, '');
    expect(r.ok && r.policySet.warnings).toEqual(['the policy set is empty: every request is denied']);
  });

  it('throws INVALID_SCHEMA when the schema does not parse', () => {
    try {
      compilePolicies('entity A; garbage', 'permit (principal, action, resource);');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(WardenError);
      expect((err as WardenError).code).toBe('INVALID_SCHEMA');
      expect((err as WardenError).message).toMatch(/^invalid schema: schema, line 1, column 11: .*unexpected token `garbage`/);
    }
  });

  it('throws TypeError when misused', () => {
    expect(() => compilePolicies(undefined as unknown as string, '')).toThrow(TypeError);
    expect(() => compilePolicies(schema, [{ name: 'x' } as unknown as { text: string }])).toThrow(TypeError);
  });
});

describe('compilePoliciesOrThrow', () => {
  it('throws INVALID_POLICY with every message', () => {
    try {
      compilePoliciesOrThrow(schema, '@id("x") permit (principal, action, resource);\n@id("x") forbid (principal, action, resource);\n@id("y") @approval("z") permit (principal, action, resource);');
      expect.unreachable();
    } catch (err) {
      expect((err as WardenError).code).toBe('INVALID_POLICY');
      expect((err as WardenError).message).toBe('invalid policy: 2 problems');
      expect((err as WardenError).details?.['messages']).toEqual([
        'line 2, column 1: policy id `x` is used twice',
        'line 3, column 1: `@approval` on policy `y` only means something on a forbid',
      ]);
    }
  });
});

describe('format', () => {
  it('puts the place first', () => {
    expect(format({ message: 'm', source: 'a.cedar', line: 2, column: 3 })).toBe('a.cedar, line 2, column 3: m');
    expect(format({ message: 'm', line: 2 })).toBe('line 2: m');
    expect(format({ message: 'm' })).toBe('m');
  });
});

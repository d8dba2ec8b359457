/**
 * A decision under way and state that changes beside it. What can take something away (a
 * revocation, a suspension, a narrowing) makes the decision start again on the new state;
 * a token issued to anyone does not, so another agent's token traffic cannot keep a
 * victim's allows from being recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RiskScorer } from '../../src/decisions/types.js';
import { decisionWarden, gatedScorer, type DecisionTest } from './fixtures.js';

describe('a decision under way and state that changes beside it', () => {
  let t: DecisionTest;
  const gated = gatedScorer();
  let scored = 0;
  const counting: RiskScorer = {
    ...gated.risk,
    score: async (input) => {
      scored++;
      return gated.risk.score(input);
    },
  };
  afterEach(async () => {
    gated.release();
    await t.close();
  });

  async function setUp(): Promise<string> {
    t = await decisionWarden({}, { risk: counting });
    await t.register('victim', ['docs.*']);
    await t.register('minter', ['docs.*']);
    await t.categorise('docs.read', ['read']);
    const victim = await t.grant('victim', ['docs.read']);
    scored = 0;
    return victim;
  }

  /** The victim's call, with `change` made while it is held in scoring; its answer. */
  async function decideWhile(change: () => Promise<unknown>): Promise<{ decision: string }> {
    const victim = await setUp();
    const reached = gated.hold();
    const inFlight = t.decide(victim, { tool: 'docs.read', target: 'docs/a' });
    await reached;
    await change();
    gated.release();
    return (await inFlight).json();
  }

  it('is not decided again when a token is issued meanwhile, to another agent', async () => {
    const d = await decideWhile(() => t.grant('minter', ['docs.read']));
    expect(d.decision).toBe('allow');
    expect(scored).toBe(1);
  });

  it('is decided again, on the new state, when its tool is recategorised meanwhile', async () => {
    const d = await decideWhile(() => t.categorise('docs.read', ['publish']));
    expect(scored).toBe(2);
    expect(d.decision).toBe('pending');
  });
});

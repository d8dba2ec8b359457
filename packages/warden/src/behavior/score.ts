/**
 * The risk score of one action: explained factors from the agent's habits, the task's
 * intent, the target, the delegation chain and the arguments, summed and capped at 100.
 *
 * Pure: it reads the baseline and never changes it (the caller updates the baseline
 * after the decision, for allowed or approved actions only). Fast: regular expressions
 * are compiled at load, configuration is resolved once per configuration object, and a
 * call without arguments allocates little more than its factors.
 */
import type { Baseline } from './baseline.js';
import type { ResolvedScoreConfig, ScoreConfigInput } from './config.js';
import { resolveScoreConfig } from './config.js';
import { habitFactors } from './habits.js';
import type { IntentJudge } from './intent.js';
import { runDetectors } from './detectors/run.js';
import { sensitiveMatch, targetPrefix } from './targets.js';
import type { BehaviorAction, Factor, RiskScore } from './types.js';
import { FactorCodes, SENSITIVE_CATEGORIES, normalizeCategories, toMillis } from './types.js';
import { plural, tick } from './format.js';

export interface ScoreInput {
  /** The agent's baseline as of before this action. */
  baseline: Baseline;
  action: BehaviorAction;
  /** The task the credential is bound to. */
  task?: { intent?: string };
  /** The delegation chain; `depth` is the number of agents in it (1: a human's direct agent). */
  chain?: { depth: number };
  /** Glob patterns of sensitive targets (`repo:acme/secret-*\/**`); secrets files are always sensitive. */
  sensitiveTargets?: readonly string[];
  config?: ScoreConfigInput | ResolvedScoreConfig;
}

const MAX_KEY = 200;

/**
 * Scores one action against the agent's baseline and the task.
 *
 * @example
 * scoreAction({
 *   baseline,
 *   action: { time: Date.now(), agent: 'forum-helper', tool: 'forum.post', categories: ['publish'],
 *             args: { body: '… make the repository readable by everyone …' } },
 *   task: { intent: 'draft an answer to forum question 4721' },
 * });
 * // { score: 100, factors: [{ code: 'PERMISSION_WIDENING', points: 70, … }, { code: 'INTENT_MISMATCH', … }, …] }
 */
export function scoreAction(input: ScoreInput): RiskScore {
  const cfg = resolveScoreConfig(input.config);
  const b = input.baseline;
  const a = input.action;
  const time = toMillis(a.time);
  const tool = a.tool.length > MAX_KEY ? a.tool.slice(0, MAX_KEY) : a.tool;
  const categories = normalizeCategories(a.categories);
  const target = typeof a.target === 'string' && a.target !== '' ? a.target : undefined;
  const prefix = target === undefined ? null : targetPrefix(target) || null;
  const intent = typeof input.task?.intent === 'string' && input.task.intent.trim() !== '' ? input.task.intent : undefined;
  const who = tick(a.agent);
  const factors: Factor[] = [];

  habitFactors(b, { time, agent: a.agent, tool, categories, prefix }, cfg, factors);

  const learning = b.total < cfg.learningActions;
  if (learning) {
    // A new agent is no free pass: sensitive categories count in full while it learns.
    const sensitive = categories.find((c) => SENSITIVE_CATEGORIES.has(c));
    if (sensitive !== undefined) {
      factors.push({
        code: FactorCodes.SENSITIVE_CATEGORY,
        points: cfg.points.sensitiveCategoryLearning,
        message: `${who} has little history (${plural(b.total, 'action')}) and ${tick(tool)} is in sensitive category ${tick(sensitive)}`,
      });
    }
  }

  if (intent !== undefined) {
    const v = cfg.judge.check({ intent, tool, categories, agent: a.agent, baseline: b });
    if (v !== null && v.mismatch && v.points > 0) {
      factors.push({ code: FactorCodes.INTENT_MISMATCH, points: v.points, message: v.message });
    }
  }

  if (target !== undefined) {
    const match = sensitiveMatch(target, input.sensitiveTargets);
    if (match !== null) {
      factors.push({
        code: FactorCodes.SENSITIVE_TARGET,
        points: cfg.points.sensitiveTarget,
        message:
          match === 'built-in'
            ? `${tick(target, 80)} holds secrets or credentials`
            : `${tick(target, 80)} is marked sensitive (matches ${tick(match)})`,
      });
    }
  }

  const depth = input.chain?.depth;
  if (typeof depth === 'number' && depth >= cfg.chain.longDepth) {
    const extra = depth - cfg.chain.longDepth;
    factors.push({
      code: FactorCodes.LONG_CHAIN,
      points: Math.min(cfg.points.longChainMax, cfg.points.longChain + extra * cfg.points.longChainPerHop),
      message: `${tick(tool)} is called through a delegation chain of ${plural(depth, 'agent')}`,
    });
  }

  if (a.args !== undefined || target !== undefined) {
    for (const f of runDetectors(a.args, { tool, categories, intent, target }, cfg.detectors)) factors.push(f);
  }

  if (learning) {
    factors.push({
      code: FactorCodes.LEARNING,
      points: 0,
      message:
        `${who} is still learning its habits (${b.total} of ${cfg.learningActions} actions): ` +
        'first uses count less; sensitive categories and argument findings count in full',
    });
  }
  return finish(factors);
}

/**
 * `scoreAction`, then an extra opinion on the intent from `judge` (a model, say). The
 * judge can only add: it raises `INTENT_MISMATCH` or adds it, never removes it, and a
 * judge that fails or times out changes nothing.
 *
 * @example
 * const risk = await scoreActionWithJudge(input, new OpenAICompatibleJudge({ baseUrl, model }));
 */
export async function scoreActionWithJudge(input: ScoreInput, judge: IntentJudge | undefined): Promise<RiskScore> {
  const risk = scoreAction(input);
  const intent = input.task?.intent;
  if (judge === undefined || typeof intent !== 'string' || intent.trim() === '') return risk;
  let verdict: Awaited<ReturnType<IntentJudge['judge']>> = null;
  try {
    verdict = await judge.judge({
      intent,
      tool: input.action.tool,
      categories: input.action.categories,
      args: input.action.args,
      agent: input.action.agent,
    });
  } catch {
    return risk; // never block on an opinion
  }
  if (verdict === null || !verdict.mismatch || !(verdict.points > 0)) return risk;
  const points = Math.min(100, Math.round(verdict.points));
  const existing = risk.factors.find((f) => f.code === FactorCodes.INTENT_MISMATCH);
  if (existing !== undefined && existing.points >= points) return risk;
  const factors = risk.factors.filter((f) => f !== existing);
  factors.push({ code: FactorCodes.INTENT_MISMATCH, points, message: verdict.message });
  return finish(factors);
}

function finish(factors: Factor[]): RiskScore {
  const kept = factors.filter((f) => f.points > 0 || f.code === FactorCodes.LEARNING);
  // Stable sort: equal points keep the order they were found in.
  kept.sort((x, y) => y.points - x.points);
  let sum = 0;
  for (const f of kept) sum += f.points;
  return { score: Math.min(100, sum), factors: kept };
}

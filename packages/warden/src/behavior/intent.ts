/**
 * Intent: is this tool call something the task asked for?
 *
 * An `IntentJudge` gives an opinion on one call against the task's declared intent. The
 * default, `LexiconJudge`, is synchronous, deterministic and explainable (see
 * `lexicon.ts`); an optional model-based judge (`intent-model.ts`) may add its opinion
 * on top. A judge can only add risk: its silence or a "no mismatch" never removes the
 * lexicon's finding, because the text it reads (intent, arguments) is outside input.
 */
import type { Baseline } from './baseline.js';
import { intentKey } from './baseline.js';
import type { CompiledLexicon, IntentLexicon } from './lexicon.js';
import { CATEGORY_BIT, compileLexicon, defaultLexicon } from './lexicon.js';
import type { Category } from './types.js';
import { normalizeCategories } from './types.js';
import { joinAnd, plural, tick } from './format.js';

export interface IntentQuery {
  /** The task's declared intent, as granted ("draft an answer to forum question 4721"). */
  intent: string;
  tool: string;
  categories: readonly string[];
  args?: unknown;
  /** For messages and history; optional. */
  agent?: string;
}

export interface IntentVerdict {
  mismatch: boolean;
  points: number;
  /** One sentence for the approval screen. */
  message: string;
}

/** Anything that can judge a call against the task's intent. `null`: no opinion. */
export interface IntentJudge {
  judge(query: IntentQuery): Promise<IntentVerdict | null>;
}

/** How much a mismatch weighs. */
export interface IntentPoints {
  /** Base points when a call in this category is outside the intent. */
  categories: Readonly<Record<Category, number>>;
  /** Added when the task is advisory only (draft, summarise …) and the call has side effects. */
  advisoryBonus: number;
  /** Added when the agent's own history under these intent words never shows this category. */
  learnedBonus: number;
  /** Actions under the intent words needed before `learnedBonus` applies. */
  learnedMinActions: number;
  /** Added when the task says not to do it ("do not post"). */
  negatedBonus: number;
  /** Cap on one mismatch. */
  max: number;
}

export const DEFAULT_INTENT_POINTS: Readonly<IntentPoints> = Object.freeze({
  categories: Object.freeze({
    permissions: 50,
    delete: 45,
    financial: 45,
    publish: 40,
    execute: 35,
    network: 30,
    pii: 30,
    write: 20,
    read: 0,
    unknown: 0,
  }),
  advisoryBonus: 15,
  learnedBonus: 15,
  learnedMinActions: 20,
  negatedBonus: 20,
  max: 70,
});

/** Categories with effects beyond the text a person reads. */
const SIDE_EFFECTS: ReadonlySet<Category> = new Set<Category>([
  'publish',
  'permissions',
  'delete',
  'financial',
  'execute',
  'network',
]);

const DOES: Readonly<Record<Category, string>> = {
  publish: 'publishes',
  permissions: 'changes permissions',
  delete: 'deletes',
  financial: 'touches money or financial records',
  pii: 'touches personal data',
  execute: 'runs commands',
  network: 'calls out to the network',
  write: 'writes',
  read: 'reads',
  unknown: 'does something unknown',
};

const DOING: Readonly<Record<Category, string>> = {
  publish: 'publishing',
  permissions: 'changing permissions',
  delete: 'deleting',
  financial: 'money or financial records',
  pii: 'personal data',
  execute: 'running commands',
  network: 'calls to the network',
  write: 'writing',
  read: 'reading',
  unknown: 'unknown actions',
};

export interface LexiconJudgeOptions {
  /** A lexicon (validated and compiled here) or an already compiled one. Default: `DEFAULT_LEXICON`. */
  lexicon?: IntentLexicon | CompiledLexicon;
  points?: Partial<IntentPoints>;
}

/**
 * The default judge: the lexicon says which categories the intent calls for.
 *
 * @example
 * const judge = new LexiconJudge();
 * judge.check({ intent: 'draft an answer to forum question 4721', tool: 'forum.post', categories: ['publish'] });
 * // { mismatch: true, points: 55, message: 'the task `draft an answer …` calls for …, yet `forum.post` publishes' }
 */
export class LexiconJudge implements IntentJudge {
  readonly lexicon: CompiledLexicon;
  readonly points: Readonly<IntentPoints>;

  constructor(options: LexiconJudgeOptions = {}) {
    const lex = options.lexicon;
    this.lexicon = lex === undefined ? defaultLexicon() : 'parse' in lex ? lex : compileLexicon(lex);
    this.points = { ...DEFAULT_INTENT_POINTS, ...options.points };
  }

  judge(query: IntentQuery): Promise<IntentVerdict | null> {
    return Promise.resolve(this.check(query));
  }

  /**
   * Synchronous form used by `scoreAction`. With `baseline`, a mismatch the agent's own
   * history never shows under these intent words weighs more.
   */
  check(query: IntentQuery & { baseline?: Baseline }): IntentVerdict | null {
    if (typeof query.intent !== 'string' || query.intent.trim() === '') return null;
    const parsed = this.lexicon.parse(query.intent);
    if (parsed === null) return null;
    const cats = normalizeCategories(query.categories);
    const p = this.points;

    let best: { points: number; message: string } | null = null;
    for (const cat of cats) {
      if (cat === 'read' || cat === 'unknown') continue;
      const bit = CATEGORY_BIT[cat];
      const base = p.categories[cat] ?? 0;
      if (base <= 0) continue;
      let points: number;
      let message: string;
      if ((parsed.forbidden & bit) !== 0) {
        points = base + p.negatedBonus;
        const said = parsed.negatedWords.map((w) => tick(w));
        message = `the task ${tick(query.intent, 80)} says not to ${joinAnd(said)}, yet ${tick(query.tool)} ${DOES[cat]}`;
      } else if ((parsed.expected & bit) === 0) {
        points = base;
        if (parsed.advisoryOnly && SIDE_EFFECTS.has(cat)) points += p.advisoryBonus;
        const asked = parsed.words.length > 0 ? joinAnd(parsed.words.map((w) => tick(w))) : 'nothing it knows';
        message =
          `the task ${tick(query.intent, 80)} calls for ${asked}, which ${parsed.words.length > 1 ? 'do' : 'does'} not include ${DOING[cat]}, ` +
          `yet ${tick(query.tool)} ${DOES[cat]}`;
        const seen = query.baseline ? unseenUnder(query.baseline, parsed.actions, cat, p.learnedMinActions) : 0;
        if (seen > 0) {
          points += p.learnedBonus;
          message += `; ${query.agent ? tick(query.agent) : 'the agent'} never did so in ${plural(seen, 'earlier action')} on tasks like it`;
        }
      } else continue;
      points = Math.min(points, p.max);
      if (best === null || points > best.points) best = { points, message };
    }
    if (best === null) {
      return { mismatch: false, points: 0, message: `${tick(query.tool)} fits the task ${tick(query.intent, 80)}` };
    }
    return { mismatch: true, points: best.points, message: best.message };
  }
}

/**
 * The most earlier actions under one of the task's action `words` (with at least `min`
 * of them) in which the agent never used `cat`; 0 when no word qualifies. "Never
 * published in 300 `draft` tasks" is evidence even if `answer` tasks sometimes publish.
 */
function unseenUnder(b: Baseline, words: readonly string[], cat: Category, min: number): number {
  let most = 0;
  for (const w of words) {
    const n = b.intents.counts[w] ?? 0;
    if (n < min || (b.intents.counts[intentKey(w, cat)] ?? 0) > 0) continue;
    if (n > most) most = n;
  }
  return Math.round(most);
}

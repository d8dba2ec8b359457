/**
 * The intent lexicon: which tool categories a task's declared intent calls for.
 *
 * A task carries free text ("draft an answer to forum question 4721"). The words of that
 * text that the lexicon knows say what the task may do; a tool whose category none of
 * them allows is outside the intent. The scope in the credential stays the hard limit;
 * this is the soft one, and it is deliberately simple, readable and configurable:
 * administrators extend it in `warden.config.yaml` with `extendLexicon`.
 *
 * - `words`: word → categories a task with that word may use. `read` is implied for
 *   every recognised task (reading context is always part of the job).
 * - `advisory`: words whose output is text for a person ("draft", "summarise",
 *   "review"): a task made only of these does not publish, delete, grant, pay, run or
 *   call out, and doing so weighs more.
 * - `nouns`: domain words ("customer", "invoice") that add categories without being
 *   an action; they do not make a task non-advisory.
 * - `negations`: "do not post", "without deleting": the next known word is forbidden.
 */
import type { Category } from './types.js';
import { CATEGORIES, isCategory } from './types.js';
import { invalidLexicon } from './errors.js';

export interface IntentLexicon {
  words: Readonly<Record<string, readonly Category[]>>;
  advisory: readonly string[];
  nouns: readonly string[];
  negations: readonly string[];
}

const RW: readonly Category[] = ['read', 'write'];
const R: readonly Category[] = ['read'];

function each(words: string, cats: readonly Category[]): Record<string, readonly Category[]> {
  const out: Record<string, readonly Category[]> = {};
  for (const w of words.split(/\s+/)) if (w) out[w] = cats;
  return out;
}

/** The default lexicon. `docs/behavior.md` prints it as a table. */
export const DEFAULT_LEXICON: IntentLexicon = Object.freeze({
  words: Object.freeze<Record<string, readonly Category[]>>({
    // Look, don't touch.
    ...each('read view look find search list lookup show check inspect monitor watch investigate triage diagnose browse', R),
    // Produce text for a person: reading and writing drafts, notes, comments.
    ...each(
      'draft write compose summarise summarize summary answer respond reply review analyse analyze analysis explain ' +
        'compare document describe report translate classify label tag comment note propose suggest recommend plan ' +
        'outline prepare evaluate assess audit',
      RW,
    ),
    research: ['read', 'network'],
    // Change things in place.
    ...each('edit update change modify rename create add commit merge schedule book organise organize', RW),
    ...each('fix patch refactor implement debug develop code upgrade bump', ['read', 'write', 'execute']),
    ...each('sync import ingest export backup copy', ['read', 'write', 'network']),
    // Run things.
    ...each('run execute build test deploy rollout rollback restart scale migrate install provision ship', [
      'read',
      'write',
      'execute',
    ]),
    release: ['read', 'write', 'execute', 'publish'],
    // Put things in front of other people.
    ...each('publish post announce broadcast send email notify share tweet', ['read', 'write', 'publish']),
    // Access.
    ...each('grant revoke permission permissions invite onboard offboard rotate', ['read', 'write', 'permissions']),
    // Remove things.
    ...each('delete remove purge clean cleanup prune drop truncate wipe archive retire', ['read', 'write', 'delete']),
    // Money.
    ...each('pay refund charge transfer reconcile payroll expense purchase', ['read', 'write', 'financial']),
    ...each('invoice invoices payment payments billing', ['read', 'financial']),
    // Personal data.
    ...each('customer customers employee employees patient patients candidate applicant contact contacts personnel', [
      'read',
      'pii',
    ]),
    // Reaching outside.
    ...each('fetch download crawl scrape upload webhook', ['read', 'network']),
  }),
  advisory: Object.freeze(
    (
      'read view look find search list lookup show check inspect monitor watch investigate triage diagnose browse ' +
      'draft write compose summarise summarize summary answer respond reply review analyse analyze analysis explain ' +
      'compare document describe report translate classify label tag comment note propose suggest recommend plan ' +
      'outline prepare evaluate assess audit research'
    ).split(' '),
  ),
  nouns: Object.freeze(
    (
      'invoice invoices payment payments billing customer customers employee employees patient patients candidate ' +
      'applicant contact contacts personnel'
    ).split(' '),
  ),
  negations: Object.freeze(['not', 'never', 'no', 'without', 'don', 'dont', 'doesn', 'avoid', 'nor']),
});

const WORD = /^[a-z]{2,30}$/;

/**
 * A lexicon with `extra` laid over `base`: words replace (an empty list removes the
 * word), the other lists are unions. Validates the result (`INVALID_LEXICON`).
 *
 * @example
 * const lex = extendLexicon(DEFAULT_LEXICON, { words: { triage: ['read', 'write'] } });
 */
export function extendLexicon(base: IntentLexicon, extra: Partial<IntentLexicon>): IntentLexicon {
  const words: Record<string, readonly Category[]> = { ...base.words };
  for (const [w, cats] of Object.entries(extra.words ?? {})) {
    if (cats.length === 0) delete words[w];
    else words[w] = cats;
  }
  const union = (a: readonly string[], b: readonly string[] | undefined) => [...new Set([...a, ...(b ?? [])])];
  const lex: IntentLexicon = {
    words,
    advisory: union(base.advisory, extra.advisory),
    nouns: union(base.nouns, extra.nouns),
    negations: union(base.negations, extra.negations),
  };
  validate(lex);
  return lex;
}

function validate(lex: IntentLexicon): void {
  if (typeof lex !== 'object' || lex === null || typeof lex.words !== 'object' || lex.words === null) {
    throw invalidLexicon('`words` must be an object');
  }
  for (const [w, cats] of Object.entries(lex.words)) {
    if (!WORD.test(w)) throw invalidLexicon(`word \`${w.slice(0, 40)}\` must be 2 to 30 lowercase letters`, { word: w });
    if (!Array.isArray(cats)) throw invalidLexicon(`word \`${w}\` must map to a list of categories`, { word: w });
    for (const c of cats) {
      if (!isCategory(c)) {
        throw invalidLexicon(`word \`${w}\` maps to unknown category \`${String(c).slice(0, 40)}\``, { word: w });
      }
    }
  }
  for (const list of ['advisory', 'nouns', 'negations'] as const) {
    if (!Array.isArray(lex[list])) throw invalidLexicon(`\`${list}\` must be a list of words`);
    for (const w of lex[list]) {
      if (typeof w !== 'string' || !WORD.test(w)) {
        throw invalidLexicon(`\`${list}\` entry \`${String(w).slice(0, 40)}\` must be 2 to 30 lowercase letters`);
      }
    }
  }
}

/** Category → bit, so an intent's expected categories are one integer. */
export const CATEGORY_BIT: Readonly<Record<Category, number>> = Object.freeze(
  Object.fromEntries(CATEGORIES.map((c, i) => [c, 1 << i])) as Record<Category, number>,
);

export interface ParsedIntent {
  /** Known words the task asks for (canonical lexicon form, no duplicates). */
  words: string[];
  /** The same without nouns: what the task does, not what it is about. */
  actions: string[];
  /** Known words the task rules out ("do not post"). */
  negatedWords: string[];
  /** Bit set of categories the task calls for; always includes `read`. */
  expected: number;
  /** Bit set of categories the task rules out. */
  forbidden: number;
  /** Every known action word is advisory (nouns aside). */
  advisoryOnly: boolean;
}

export interface CompiledLexicon {
  readonly source: IntentLexicon;
  parse(intent: string): ParsedIntent | null;
}

// INVARIANT: parse results depend only on the text and the lexicon, so a bounded cache
// per compiled lexicon is safe; tasks repeat their intent on every call.
const CACHE_MAX = 1024;
const MAX_INTENT_CHARS = 500;
const NEGATION_REACH = 3;
const NEGATION_END = new Set(['but', 'instead', 'then', 'rather']);

/**
 * Compiles (and validates) a lexicon for fast parsing. Compile once at start.
 *
 * @example
 * const lex = compileLexicon(DEFAULT_LEXICON);
 * lex.parse('draft an answer to forum question 4721')?.words // ['draft', 'answer']
 */
export function compileLexicon(lex: IntentLexicon): CompiledLexicon {
  validate(lex);
  const masks = new Map<string, number>();
  for (const [w, cats] of Object.entries(lex.words)) {
    let m = CATEGORY_BIT.read;
    for (const c of cats) m |= CATEGORY_BIT[c];
    masks.set(w, m);
  }
  const advisory = new Set(lex.advisory);
  const nouns = new Set(lex.nouns);
  const negations = new Set(lex.negations);
  const cache = new Map<string, ParsedIntent | null>();

  const canonical = (token: string): string | null => {
    if (masks.has(token)) return token;
    for (const cand of stems(token)) if (masks.has(cand)) return cand;
    return null;
  };

  const parse = (intent: string): ParsedIntent | null => {
    const text = intent.length > MAX_INTENT_CHARS ? intent.slice(0, MAX_INTENT_CHARS) : intent;
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const words: string[] = [];
    const actions: string[] = [];
    const negatedWords: string[] = [];
    let expected = 0;
    let forbidden = 0;
    let advisoryOnly = true;
    let sawAction = false;
    let reach = 0;
    for (const token of text.toLowerCase().split(/[^a-z]+/)) {
      if (token.length < 2) continue;
      if (negations.has(token)) {
        reach = NEGATION_REACH;
        continue;
      }
      if (NEGATION_END.has(token)) {
        reach = 0;
        continue;
      }
      const w = canonical(token);
      if (w === null) {
        if (reach > 0) reach--;
        continue;
      }
      const mask = masks.get(w) as number;
      if (reach > 0) {
        if (!negatedWords.includes(w)) negatedWords.push(w);
        forbidden |= mask & ~CATEGORY_BIT.read;
        reach = 2; // "do not post or share": the negation carries over a conjunction
        continue;
      }
      if (!words.includes(w)) words.push(w);
      expected |= mask;
      if (!nouns.has(w)) {
        if (!actions.includes(w)) actions.push(w);
        sawAction = true;
        if (!advisory.has(w)) advisoryOnly = false;
      }
    }
    // "Draft a reply; do not post it": the negation rules out what `post` adds (publish),
    // not what the task asks for anyway (write).
    forbidden &= ~expected;
    // Nouns alone ("ticket 4711 for customer 42") say what a task is about, not what it
    // may do: no opinion rather than a guess.
    const result: ParsedIntent | null =
      !sawAction && negatedWords.length === 0
        ? null
        : { words, actions, negatedWords, expected: expected | CATEGORY_BIT.read, forbidden, advisoryOnly: advisoryOnly && sawAction };
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(text, result);
    return result;
  };

  return { source: lex, parse };
}

/** Light English suffix stripping: posting → post, deleted → delete, summarising → summarise. */
function stems(token: string): string[] {
  const out: string[] = [];
  const add = (base: string) => {
    if (base.length < 2) return;
    out.push(base, `${base}e`);
    const n = base.length;
    if (n > 2 && base[n - 1] === base[n - 2]) out.push(base.slice(0, -1)); // running → run
  };
  if (token.endsWith('ing')) add(token.slice(0, -3));
  if (token.endsWith('ed')) add(token.slice(0, -2));
  if (token.endsWith('ion')) add(token.slice(0, -3)); // deletion → delet(e)
  if (token.endsWith('es')) out.push(token.slice(0, -2));
  if (token.endsWith('s')) out.push(token.slice(0, -1));
  if (token.endsWith('ment')) out.push(token.slice(0, -4)); // deployment → deploy
  return out;
}

let defaultCompiled: CompiledLexicon | undefined;

/** The default lexicon, compiled once. */
export function defaultLexicon(): CompiledLexicon {
  defaultCompiled ??= compileLexicon(DEFAULT_LEXICON);
  return defaultCompiled;
}

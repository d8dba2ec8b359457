import { describe, expect, it } from 'vitest';
import { CATEGORY_BIT, compileLexicon, DEFAULT_LEXICON, defaultLexicon, extendLexicon } from '../../src/behavior/lexicon.js';
import type { Category } from '../../src/behavior/types.js';

const cats = (mask: number) => (Object.keys(CATEGORY_BIT) as Category[]).filter((c) => (mask & CATEGORY_BIT[c]) !== 0);

describe('the default lexicon', () => {
  const lex = defaultLexicon();

  it('reads "draft an answer to forum question 4721" as read and write, advisory', () => {
    const p = lex.parse('draft an answer to forum question 4721');
    expect(p?.words).toEqual(['draft', 'answer']);
    expect(cats(p?.expected ?? 0)).toEqual(['read', 'write']);
    expect(p?.advisoryOnly).toBe(true);
    expect(p?.forbidden).toBe(0);
  });

  it.each([
    ['posting the update', 'post'],
    ['Summarising the thread', 'summarise'],
    ['summarize it', 'summarize'],
    ['deleted pages', 'delete'],
    ['running tests', 'run'],
    ['the deployment of v2', 'deploy'],
    ['analysis of churn', 'analysis'],
    ['grants for the team', 'grant'],
  ])('stems %s to %s', (text, word) => {
    expect(lex.parse(text)?.words).toContain(word);
  });

  it('expects publishing when the task says to post', () => {
    const p = lex.parse('answer forum question 4721 and post the reply');
    expect(cats(p?.expected ?? 0)).toEqual(['read', 'write', 'publish']);
    expect(p?.advisoryOnly).toBe(false);
  });

  it('forbids what a negated word adds, not what the task asks for anyway', () => {
    const p = lex.parse("draft a reply for question 3; don't post it");
    expect(p?.negatedWords).toEqual(['post']);
    expect(cats(p?.forbidden ?? 0)).toEqual(['publish']);
    expect(cats(p?.expected ?? 0)).toEqual(['read', 'write']);
  });

  it('carries a negation over "or" and ends it at "but"', () => {
    expect(lex.parse('summarise without deleting or sharing anything')?.negatedWords).toEqual(['delete', 'share']);
    expect(lex.parse('do not delete anything but publish the summary')?.words).toContain('publish');
  });

  it('has no opinion on text without a known action word, nouns included', () => {
    expect(lex.parse('handle ticket 4711 for customer 42')).toBeNull();
    expect(lex.parse('xyzzy')).toBeNull();
    expect(lex.parse('')).toBeNull();
  });

  it('adds categories for domain nouns without making the task non-advisory', () => {
    const p = lex.parse('answer support ticket 9 from customer 4');
    expect(p?.actions).toEqual(['answer']);
    expect(cats(p?.expected ?? 0)).toEqual(['read', 'write', 'pii']);
    expect(p?.advisoryOnly).toBe(true);
  });

  it('does not read "postgres" or "postmortem" as posting', () => {
    expect(lex.parse('review the postgres postmortem')?.words).toEqual(['review']);
  });
});

describe('extendLexicon', () => {
  it('adds and removes words', () => {
    const lex = compileLexicon(extendLexicon(DEFAULT_LEXICON, { words: { escalate: ['read', 'publish'], post: [] } }));
    expect(cats(lex.parse('escalate the incident')?.expected ?? 0)).toEqual(['read', 'publish']);
    expect(lex.parse('post it')).toBeNull();
  });

  it.each([
    ['an unknown category', { words: { post: ['broadcast' as Category] } }],
    ['a word with digits', { words: { p0st: ['publish' as Category] } }],
    ['an upper-case advisory word', { advisory: ['Draft'] }],
  ])('refuses %s with `INVALID_LEXICON`', (_name, extra) => {
    expect(() => extendLexicon(DEFAULT_LEXICON, extra)).toThrow(expect.objectContaining({ code: 'INVALID_LEXICON' }));
  });
});

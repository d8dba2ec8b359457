/**
 * Error codes of the behaviour domain.
 *
 * Scoring itself never throws on odd arguments (a detector that cannot read something
 * skips it); these codes are for outside input that cannot be used at all: a timestamp
 * that is not one, a persisted baseline blob that does not have the expected shape, an
 * intent lexicon in the configuration that names an unknown category.
 */
import { WardenError } from '../errors.js';

export const BehaviorCodes = {
  /** An action's `time` is not a finite epoch-milliseconds number, a `Date` or an ISO 8601 string. */
  INVALID_ACTION_TIME: 'INVALID_ACTION_TIME',
  /** A persisted baseline that does not parse as one (wrong version, wrong shape). */
  INVALID_BASELINE: 'INVALID_BASELINE',
  /** An intent lexicon (configuration) with an unknown category or a malformed word. */
  INVALID_LEXICON: 'INVALID_LEXICON',
} as const;

export type BehaviorCode = (typeof BehaviorCodes)[keyof typeof BehaviorCodes];

export const invalidActionTime = (value: unknown) =>
  new WardenError(
    BehaviorCodes.INVALID_ACTION_TIME,
    `action time \`${String(value).slice(0, 40)}\` is not a valid timestamp`,
  );

export const invalidBaseline = (message: string, details?: Record<string, unknown>) =>
  new WardenError(BehaviorCodes.INVALID_BASELINE, `invalid baseline: ${message}`, details);

export const invalidLexicon = (message: string, details?: Record<string, unknown>) =>
  new WardenError(BehaviorCodes.INVALID_LEXICON, `invalid intent lexicon: ${message}`, details);

/**
 * Codes of the policy domain.
 *
 * Two kinds live here. `PolicyCodes` are thrown as `WardenError` on bad outside input:
 * policy text that does not validate, a policy test table that does not parse.
 * `PolicyReasonCodes` are never thrown: they label the reasons inside a policy
 * evaluation, which is data ("could not evaluate" is one of its answers, and it denies).
 */
import { WardenError } from '../errors.js';

export const PolicyCodes = {
  /** Policy text that does not parse or does not validate against the schema. */
  INVALID_POLICY: 'INVALID_POLICY',
  /** A schema that does not parse (a policy directory may carry its own). */
  INVALID_SCHEMA: 'INVALID_SCHEMA',
  /** A policy test table (YAML) that does not parse or has the wrong shape. */
  INVALID_POLICY_TEST: 'INVALID_POLICY_TEST',
  /** A policy test table ran and some of its cases did not get the expected decision. */
  POLICY_TEST_FAILED: 'POLICY_TEST_FAILED',
} as const;

export type PolicyCode = (typeof PolicyCodes)[keyof typeof PolicyCodes];

export const PolicyReasonCodes = {
  /** A permit matched and no forbid did. */
  POLICY_PERMIT: 'POLICY_PERMIT',
  /** A forbid without `@approval` matched: a hard deny. */
  POLICY_FORBID: 'POLICY_FORBID',
  /** Only `@approval` forbids matched: held for a human. */
  POLICY_APPROVAL_REQUIRED: 'POLICY_APPROVAL_REQUIRED',
  /** Nothing matched: Cedar denies by default. */
  POLICY_NO_PERMIT: 'POLICY_NO_PERMIT',
  /** A policy could not be evaluated, or the engine failed: fail closed. */
  POLICY_ERROR: 'POLICY_ERROR',
} as const;

export type PolicyReasonCode = (typeof PolicyReasonCodes)[keyof typeof PolicyReasonCodes];

/**
 * Policy text that was refused. `messages` are Cedar's, each prefixed with where it
 * points (`line 3, column 12: …`); `diagnostics` carries the same as structured data.
 */
export const invalidPolicy = (messages: readonly string[], diagnostics: readonly unknown[]) =>
  new WardenError(
    PolicyCodes.INVALID_POLICY,
    messages.length === 1 ? `invalid policy: ${messages[0]}` : `invalid policy: ${messages.length} problems`,
    { messages: [...messages], diagnostics: [...diagnostics] },
  );

export const invalidSchema = (messages: readonly string[]) =>
  new WardenError(PolicyCodes.INVALID_SCHEMA, `invalid schema: ${messages[0] ?? 'unknown error'}`, {
    messages: [...messages],
  });

export const invalidPolicyTest = (message: string, details?: Record<string, unknown>) =>
  new WardenError(PolicyCodes.INVALID_POLICY_TEST, message, details);

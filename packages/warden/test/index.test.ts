// The package's public surface loads, and what auditors are told to import is there.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it.each([
    'createWarden',
    'buildApp',
    'validateConfig',
    'PolicyEngine',
    'scoreAction',
    'verifyInclusion',
    'verifyConsistency',
    'verifyProofBundle',
    'verifyLocalLog',
    'verifyRemoteLog',
    'openCheckpoint',
    'parseVerifierKey',
    'canonicalBytes',
    'leafHash',
    'startStdioGateway',
    'GovernedProxy',
  ])('exports `%s`', (name) => {
    expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the error code catalogs as plain objects', () => {
    for (const catalog of [api.IdentityCodes, api.PolicyCodes, api.AuditCodes, api.DecisionCodes, api.FactorCodes, api.McpGatewayCodes]) {
      expect(Object.values(catalog).every((v) => typeof v === 'string')).toBe(true);
    }
  });
});

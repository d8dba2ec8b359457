/**
 * agent-warden — the public API of the Warden control plane.
 *
 * Every export here is public API and follows semantic versioning; anything not exported
 * here is internal and may change without notice. Most users run `warden serve` and talk
 * HTTP; this module is for embedding Warden in-process, and for auditors who verify its
 * log with code of their own.
 */

// Running Warden in-process.
export { createWarden, type Warden, type WardenOptions } from './warden.js';
export { loadConfig, validateConfig } from './config/load.js';
export type { Config, ConfigInput } from './config/schema.js';
export { buildApp, type AppOptions } from './server/app.js';
export { WardenError } from './errors.js';

// Decisions: what every entry point asks.
export type { DecisionRequest, DecisionResponse, VerifiedCredential } from './decisions/types.js';
export { DecisionCodes } from './decisions/errors.js';

// Identity.
export { IdentityCodes } from './identity/errors.js';
export { scopeAllows, patternWithin } from './identity/scope.js';

// Policy.
export { PolicyEngine, type PolicyEngineOptions, type PolicyEvaluation, type CallRequest, type DelegateRequest } from './policy/engine.js';
export { compilePolicies, type PolicySource, type PolicyInfo } from './policy/compile.js';
export { validatePolicyDir, runPolicyTestFile, formatPolicyTestReport } from './policy/testing.js';
export { PolicyCodes, PolicyReasonCodes } from './policy/errors.js';
export { timeContext, type CallContext, type DelegateContext } from './policy/inputs.js';

// Behaviour.
export { scoreAction, scoreActionWithJudge } from './behavior/score.js';
export { emptyBaseline, updateBaseline, noteAttempt, summarizeBaseline, parseBaseline, type Baseline } from './behavior/baseline.js';
export { FactorCodes, type Factor, type RiskScore } from './behavior/types.js';
export { LexiconJudge, type IntentJudge } from './behavior/intent.js';
export { OpenAICompatibleJudge } from './behavior/intent-model.js';

// Audit: what an auditor needs to check the log without trusting Warden.
export { canonicalBytes, canonicalText } from './audit/canonical.js';
export { leafHash, leafHashOfText, nodeHash, rootFromLeafHashes, EMPTY_ROOT } from './audit/merkle.js';
export { verifyInclusion, verifyConsistency } from './audit/verify.js';
export { MemoryTree } from './audit/memory-tree.js';
export { Frontier } from './audit/frontier.js';
export { parseCheckpoint, openCheckpoint, formatCheckpoint, type Checkpoint } from './audit/checkpoint.js';
export { parseVerifierKey, verifierKey, verifyNote } from './audit/note.js';
export { verifyProofBundle, type ProofBundle, type ProofCheck } from './audit/proof-bundle.js';
export { verifyLocalLog, type VerifyResult, type VerifyOptions } from './audit/verify-log.js';
export { verifyRemoteLog, type RemoteVerifyOptions, type RemoteVerifyResult } from './audit/verify-remote.js';
export { AuditCodes } from './audit/errors.js';
export type { AuditEntry, AuditEvent, AppendReceipt } from './store/audit-types.js';

// The MCP gateway.
export { GovernedProxy } from './mcp/proxy.js';
export { startStdioGateway, type StdioGatewayOptions } from './mcp/stdio.js';
export { wardenDecider } from './mcp/warden-adapter.js';
export { remoteDecider, type RemoteDeciderOptions } from './mcp/remote-decider.js';
export { categoriesFromAnnotations } from './mcp/categories.js';
export { targetOf } from './mcp/target.js';
export { McpGatewayCodes } from './mcp/errors.js';
export { DEFAULT_TIMEOUTS, type GatewayDecider, type GatewayTimeouts } from './mcp/types.js';

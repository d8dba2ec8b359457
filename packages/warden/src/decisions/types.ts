/**
 * What `decide()` takes and gives, and the narrow interfaces of the domain modules it
 * composes. Keeping these narrow is what lets every entry point (HTTP, MCP, CLI) share one
 * pipeline, and lets tests put a failing piece in any step.
 */
import type { PolicyInput, Reason, RiskFactorRecord } from '../store/decision-types.js';

export interface DecisionRequest {
  /** The agent's Warden-issued JWT. */
  token: string;
  tool: string;
  target?: string;
  args?: Record<string, unknown>;
  /** What the agent says it is doing now; the task's intent from the credential still rules. */
  intent?: string;
}

export interface DecisionResponse {
  id: string;
  decision: 'allow' | 'deny' | 'pending';
  reasons: Reason[];
  risk: { score: number; factors: RiskFactorRecord[] };
  policy: { version: string; determining: string[] };
  approval?: { id: string; status: 'pending' | 'approved' | 'denied' | 'expired'; expiresAt: string };
  receipt: { index: number; leafHash: string };
}

/** A credential that passed every identity check. */
export interface VerifiedCredential {
  jti: string;
  /** The originating principal: `human:…` or `agent:…`. */
  origin: string;
  /** Agents in the chain, the one acting now first (`agent:…`). */
  actors: string[];
  /** The chain as people read it: origin first, the agent acting now last. */
  chain: string[];
  scope: string[];
  task: { id: string; intent: string };
  depth: number;
}

export interface CredentialVerifier {
  verify(token: string): Promise<VerifiedCredential>;
  inScope(scope: readonly string[], tool: string): boolean;
}

export interface RiskInput {
  time: Date;
  agent: string;
  tool: string;
  categories: string[];
  target?: string;
  args?: Record<string, unknown>;
  intent?: string;
  depth: number;
}

export interface RiskResult {
  score: number;
  factors: RiskFactorRecord[];
  /** Detector codes found in the arguments (for the policy's `context.findings`). */
  findings: string[];
}

export interface RiskScorer {
  score(input: RiskInput): Promise<RiskResult>;
  /** Folds an allowed action into the agent's baseline. */
  learn(input: RiskInput): Promise<void>;
  /**
   * Counts an action that was not allowed towards the agent's pace only: a stolen
   * credential's burst of refused calls must still look like a burst.
   */
  attempted(input: RiskInput): Promise<void>;
}

export interface PolicyOutcome {
  /** The version of the policy set that gave this answer (it may have changed since `version()`). */
  version: string;
  decision: 'allow' | 'deny' | 'pending';
  determining: string[];
  reasons: Reason[];
}

export interface PolicyEvaluator {
  /** The version of the policy set in force now. */
  version(): Promise<string>;
  evaluate(input: PolicyInput): Promise<PolicyOutcome>;
}

/**
 * What the MCP gateway needs from Warden, as one small interface. The proxy is written
 * against `GatewayDecider`, not against `Warden`, so that the same proxy governs calls
 * in-process (`warden-adapter.ts`) or through a running Warden's HTTP API
 * (`remote-decider.ts`), and tests can put a scripted decider in.
 */
import type { DecisionRequest, DecisionResponse } from '../decisions/types.js';
import type { Category } from '../inventory/schemas.js';

export type ApprovalState = 'pending' | 'approved' | 'denied' | 'expired';

/** Categories an upstream's annotations suggest for one governed tool. */
export interface ToolSuggestion {
  /** The governed name, `<upstream>.<tool>`. */
  name: string;
  categories: Category[];
  description: string;
  /** The upstream's name. */
  server: string;
}

export interface GatewayDecider {
  /** `decide()`: rejects only when the credential does not authenticate or Warden is unreachable. */
  decide(req: DecisionRequest): Promise<DecisionResponse>;
  /**
   * Waits until the approval leaves `pending` or `seconds` pass; resolves with its state
   * then. `token` is the credential of the call that is held (an agent reads only its own).
   */
  waitForApproval(token: string, id: string, seconds: number, signal?: AbortSignal): Promise<{ status: ApprovalState; comment?: string | null }>;
  /** Records what happened after an allowed call. */
  recordOutcome(token: string, decisionId: string, outcome: { status: 'succeeded' | 'failed'; summary?: string }): Promise<unknown>;
  /** The tool patterns of a credential (for `tools/list`); rejects when it does not verify. */
  scopeOf(token: string): Promise<string[]>;
  /**
   * Offers the categories an upstream's annotations suggest to the tool catalog; an
   * administrator's (or the configuration's) categories are never overwritten. Absent
   * where the gateway may not write the catalog (a wrapper talking to a remote Warden).
   */
  suggestTools?(tools: ToolSuggestion[]): Promise<void>;
  /**
   * Records the end of a held call whose approval was refused or ran out, as a deny on the
   * record (what `?wait=` does over HTTP). Absent where the gateway cannot (remote Warden).
   */
  concludeRefused?(held: DecisionResponse, approvalId: string): Promise<DecisionResponse>;
}

/** How long the gateway waits, and for what. */
export interface GatewayTimeouts {
  /** How long a call held for approval stays open before it is refused (seconds). */
  approvalTimeoutSeconds: number;
  /** How often a held call sends `notifications/progress` (milliseconds). */
  progressIntervalMs: number;
  /** How long an upstream may take to answer one request (milliseconds). */
  callTimeoutMs: number;
  /** How long an upstream may take to start and answer `initialize` (milliseconds). */
  connectTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<GatewayTimeouts> = Object.freeze({
  approvalTimeoutSeconds: 300,
  progressIntervalMs: 5000,
  callTimeoutMs: 120_000,
  connectTimeoutMs: 30_000,
});

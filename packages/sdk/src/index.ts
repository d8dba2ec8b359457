/**
 * @agent-warden/sdk — the client agents use to ask Warden before they act.
 *
 * Every export here is public API. Runtime-neutral: only `fetch`, no Node-only modules.
 */
export { WardenClient, WardenApiError } from './client.js';
export type { WardenClientOptions, DecisionRequest, Decision, DecisionReason, RiskFactor } from './client.js';

/**
 * Refusals in words a model can act on. A refused tool call comes back as a tool result
 * with `isError: true` (so the model reads it, as MCP intends for tool errors), saying
 * that the call was not made, why, and what to do next; the decision itself rides in
 * `_meta` for programs.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { DecisionResponse } from '../decisions/types.js';
import { McpGatewayCodes, type McpGatewayCode } from './errors.js';

/** The `_meta` key under which the gateway puts the decision on every governed result. */
export const META_KEY = 'agent-warden/decision';

/** Reasons that say why something passed, not why it was refused: not shown to the model. */
const PASSING = new Set(['AUTHENTICATED', 'CHAIN_VERIFIED', 'IN_SCOPE', 'POLICY_PERMIT']);

/** What the model can do next, by the reason code that decided. */
const NEXT: ReadonlyArray<[code: string, advice: (tool: string) => string]> = [
  ['SCOPE_DENIED', (t) => `this task's credential does not cover \`${t}\`. Do not retry it; carry on with the tools you have, or tell the user the task needs a credential whose scope includes \`${t}\``],
  ['APPROVAL_DENIED', () => 'a human refused this call. Do not retry it; tell the user, and ask how they want to proceed'],
  ['APPROVAL_EXPIRED', () => 'nobody approved it in time. You may make the same call again later to ask again'],
  ['POLICY_FORBID', () => 'a Warden policy forbids it. Do not retry it unchanged; find another way that the policy allows, or ask the user'],
  ['POLICY_NO_PERMIT', () => 'no Warden policy permits it. Do not retry it unchanged; ask the user'],
  ['POLICY_ERROR', () => 'Warden could not evaluate the policy, so it refused (it fails closed). You may retry later'],
  ['DECISION_ERROR', () => 'Warden could not evaluate this call, so it refused (it fails closed). You may retry later'],
];

export interface Refusal {
  code: McpGatewayCode;
  text: string;
  meta: Record<string, unknown>;
}

function reasonLines(d: DecisionResponse): string[] {
  return d.reasons
    .filter((r) => !PASSING.has(r.code) && !(r.code === 'RISK_SCORED' && d.risk.factors.length === 0))
    .map((r) => `- ${r.message} [${r.code}]`);
}

function advice(d: DecisionResponse, tool: string): string {
  for (const [code, say] of NEXT) if (d.reasons.some((r) => r.code === code)) return say(tool);
  return 'do not retry it unchanged; ask the user how to proceed';
}

function metaOf(d: DecisionResponse): Record<string, unknown> {
  return {
    id: d.id,
    decision: d.decision,
    reasons: d.reasons,
    risk: d.risk,
    ...(d.approval ? { approval: d.approval } : {}),
  };
}

/** `what` names the call for the model: "the call to `write_file`". */
export function refusalFromDecision(d: DecisionResponse, what: string, governed: string): Refusal {
  const lines = [`Warden refused ${what}, so it was not made.`, 'Why:', ...reasonLines(d), `What to do: ${advice(d, governed)}.`, `(decision ${d.id})`];
  return { code: McpGatewayCodes.CALL_DENIED, text: lines.join('\n'), meta: metaOf(d) };
}

/** A held call whose approval was still open when the gateway stopped waiting. */
export function refusalStillPending(d: DecisionResponse, what: string, waitedSeconds: number): Refusal {
  const approval = d.approval;
  const lines = [
    `Warden held ${what} for a human's approval, and nobody decided within ${waitedSeconds} s, so it was not made.`,
    ...(approval ? [`Approval \`${approval.id}\` stays open until ${approval.expiresAt}.`] : []),
    'What to do: make exactly the same call again later (same arguments): once a human has approved it, it goes through. Tell the user an approval is waiting if they can give it.',
    `(decision ${d.id})`,
  ];
  return { code: McpGatewayCodes.APPROVAL_TIMEOUT, text: lines.join('\n'), meta: metaOf(d) };
}

/** A held call the gateway would not keep open: its agent already has as many calls waiting as it may. */
export function refusalWaitRefused(d: DecisionResponse, what: string): Refusal {
  const approval = d.approval;
  const lines = [
    `Warden held ${what} for a human's approval, but would not keep it waiting: this agent already has as many calls waiting for humans as it may [TOO_MANY_WAITS]. It was not made.`,
    ...(approval ? [`Approval \`${approval.id}\` stays open until ${approval.expiresAt}.`] : []),
    'What to do: do not retry at once; each attempt asks the humans again. Once a human has approved it, make exactly the same call again (same arguments) and it goes through.',
    `(decision ${d.id})`,
  ];
  return { code: McpGatewayCodes.TOO_MANY_WAITS, text: lines.join('\n'), meta: metaOf(d) };
}

/** Warden could not be asked: the credential did not verify, or Warden is unreachable. */
export function refusalUnavailable(what: string, err: unknown): Refusal {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'UNKNOWN';
  const message = err instanceof Error ? err.message.split('\n')[0]?.slice(0, 500) : 'unknown error';
  const credential = /^(TOKEN_|ANCESTOR_|ACTOR_|UNAUTHENTICATED|DELEGATION_)/.test(code);
  const lines = [
    `Warden could not authorise ${what}, so it was not made: ${message} [${code}].`,
    credential
      ? 'What to do: the credential this MCP server was given is not valid now (expired or revoked, for instance). Do not retry; tell the user it needs a fresh Warden token.'
      : 'What to do: Warden is unavailable; you may retry later.',
  ];
  return { code: McpGatewayCodes.DECISION_UNAVAILABLE, text: lines.join('\n'), meta: { error: { code, message } } };
}

export function refusalResult(r: Refusal): CallToolResult {
  return { content: [{ type: 'text', text: r.text }], isError: true, _meta: { [META_KEY]: { ...r.meta, gatewayCode: r.code } } };
}

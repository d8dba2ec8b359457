/**
 * Asking Warden about one call, and holding the call open while a human decides.
 *
 * `pending` keeps the MCP request open: the gateway waits on the approval in slices of
 * `progressIntervalMs`, and after each slice tells the client it is still waiting
 * (`notifications/progress`, when the client gave a `progressToken`; clients that reset
 * their request timeout on progress then wait as long as the human takes). Approved: the
 * same call is decided again, which uses the approval up and allows it (the approval is
 * bound to these exact arguments). Refused or expired: refused. Nobody decided before
 * `approvalTimeoutSeconds`: refused, saying the approval stays open and the same call
 * may be made again. The client cancelling the request ends the wait at once.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { DecisionRequest, DecisionResponse } from '../decisions/types.js';
import { refusalFromDecision, refusalStillPending, refusalUnavailable, refusalWaitRefused, type Refusal } from './refusal.js';
import type { ApprovalState, GatewayDecider, GatewayTimeouts } from './types.js';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export type Held = { allowed: DecisionResponse; progressSent: number } | { refused: Refusal };

/** Tells the client, if it asked for progress, that the call is still held. */
export class ProgressReporter {
  private count = 0;

  constructor(private readonly extra: Extra) {}

  get sent(): number {
    return this.count;
  }

  get token(): string | number | undefined {
    return this.extra._meta?.progressToken;
  }

  report(message: string, progress = this.count + 1, total?: number): void {
    const progressToken = this.token;
    if (progressToken === undefined) return;
    // INVARIANT: progress only grows (the MCP spec requires it of one progress token).
    this.count = Math.max(progress, this.count + 1);
    void this.extra
      .sendNotification({ method: 'notifications/progress', params: { progressToken, progress: this.count, ...(total === undefined ? {} : { total }), message } })
      .catch(() => undefined);
  }
}

function aborted(extra: Extra): Error {
  return extra.signal.reason instanceof Error ? extra.signal.reason : new Error('the client cancelled the request');
}

/** What a refused or expired approval says, on top of the held decision's reasons. */
function concluded(d: DecisionResponse, state: 'denied' | 'expired', comment: string | null | undefined): DecisionResponse {
  const approval = d.approval;
  const id = approval?.id ?? 'unknown';
  const reason =
    state === 'denied'
      ? { code: 'APPROVAL_DENIED', message: `a human refused approval \`${id}\`${comment ? `: ${comment}` : ''}` }
      : { code: 'APPROVAL_EXPIRED', message: `nobody approved \`${id}\` before it expired${approval ? ` at ${approval.expiresAt}` : ''}` };
  return {
    ...d,
    decision: 'deny',
    reasons: [...d.reasons.filter((r) => r.code !== 'APPROVAL_REQUIRED'), reason],
    ...(approval ? { approval: { ...approval, status: state } } : {}),
  };
}

/**
 * Decides `req`; holds a pending answer until a human resolves it or the timeout passes.
 * `what` names the call for the model ("the call to `write_file`").
 */
export async function decideHolding(
  decider: GatewayDecider,
  req: DecisionRequest,
  what: string,
  extra: Extra,
  timeouts: Pick<GatewayTimeouts, 'approvalTimeoutSeconds' | 'progressIntervalMs'>,
  progress: ProgressReporter,
): Promise<Held> {
  let d: DecisionResponse;
  try {
    d = await decider.decide(req);
  } catch (err) {
    return { refused: refusalUnavailable(what, err) };
  }
  const deadline = Date.now() + timeouts.approvalTimeoutSeconds * 1000;
  while (d.decision === 'pending') {
    const approval = d.approval;
    if (!approval) return { refused: refusalFromDecision(d, what, req.tool) };
    const waiting = `waiting for a human to approve ${what} (approval \`${approval.id}\`, open until ${approval.expiresAt})`;
    progress.report(waiting);
    let state: ApprovalState = 'pending';
    let comment: string | null | undefined;
    while (state === 'pending') {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || extra.signal.aborted) break;
      try {
        ({ status: state, comment } = await decider.waitForApproval(req.token, approval.id, Math.min(timeouts.progressIntervalMs, remaining) / 1000, extra.signal));
      } catch (err) {
        if ((err as { code?: unknown })?.code === 'TOO_MANY_WAITS') return { refused: refusalWaitRefused(d, what) };
        return { refused: refusalUnavailable(what, err) };
      }
      if (state === 'pending' && !extra.signal.aborted && Date.now() < deadline) progress.report(waiting);
    }
    if (extra.signal.aborted) throw aborted(extra);
    if (state === 'pending') return { refused: refusalStillPending(d, what, timeouts.approvalTimeoutSeconds) };
    if (state !== 'approved') {
      let final = concluded(d, state, comment);
      if (decider.concludeRefused) {
        try {
          final = await decider.concludeRefused(d, approval.id);
        } catch {
          // The refusal stands either way; only its record is missing.
        }
      }
      return { refused: refusalFromDecision(final, what, req.tool) };
    }
    progress.report(`approved: making ${what}`);
    try {
      d = await decider.decide(req);
    } catch (err) {
      return { refused: refusalUnavailable(what, err) };
    }
  }
  if (d.decision !== 'allow') return { refused: refusalFromDecision(d, what, req.tool) };
  return { allowed: d, progressSent: progress.sent };
}

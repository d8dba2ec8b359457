/**
 * The decision API as entry points use it: decide, optionally hold a pending answer until
 * a human resolves it (`?wait=`), and record what happened afterwards.
 */
import { WardenError } from '../errors.js';
import type { ApprovalQueue } from '../approvals/queue.js';
import type { ApprovalRecord, DecisionStore } from '../store/decision-types.js';
import { DecisionCodes } from './errors.js';
import type { DecisionPipeline } from './pipeline.js';
import type { CredentialVerifier, DecisionRequest, DecisionResponse } from './types.js';

export class DecisionService {
  constructor(
    private readonly pipeline: DecisionPipeline,
    private readonly approvals: ApprovalQueue,
    private readonly decisions: DecisionStore,
    private readonly verifier: CredentialVerifier,
    private readonly now: () => Date,
  ) {}

  decide(req: DecisionRequest): Promise<DecisionResponse> {
    return this.pipeline.decide(req);
  }

  /**
   * Decides; when the answer is `pending` and `waitSeconds` > 0, waits for the approval.
   * Approved: the same call is decided again and lets the approval through once. Refused
   * or expired: a deny, recorded. Still pending when the wait ends: the pending answer.
   */
  async decideAndWait(req: DecisionRequest, waitSeconds: number, signal?: AbortSignal): Promise<DecisionResponse> {
    const first = await this.pipeline.decide(req);
    if (first.decision !== 'pending' || !first.approval || waitSeconds <= 0) return first;
    const approval = await this.approvals.waitFor(first.approval.id, waitSeconds, signal);
    if (approval.status === 'approved') return this.pipeline.decide(req);
    if (approval.status === 'denied' || approval.status === 'expired') return this.pipeline.concludeRefused(first, approval);
    return first;
  }

  /** Records the deny that ends a held call whose approval was refused or expired. */
  concludeRefused(first: DecisionResponse, approval: ApprovalRecord): Promise<DecisionResponse> {
    return this.pipeline.concludeRefused(first, approval);
  }

  /** Records what happened after a decision; only the agent it was made for may. */
  async recordOutcome(token: string, id: string, outcome: { status: 'succeeded' | 'failed'; summary?: string }): Promise<{ id: string; outcome: unknown }> {
    const cred = await this.verifier.verify(token);
    const rec = await this.decisions.get(id);
    const agent = (cred.actors[0] ?? '').replace(/^agent:/, '');
    if (!rec) throw new WardenError(DecisionCodes.DECISION_NOT_FOUND, `no decision \`${id}\``);
    if (rec.agent !== agent) throw new WardenError(DecisionCodes.NOT_YOUR_DECISION, `decision \`${id}\` was not made for \`agent:${agent}\``);
    if (rec.outcome !== null) throw new WardenError(DecisionCodes.OUTCOME_ALREADY_RECORDED, `decision \`${id}\` already has an outcome`);
    const at = this.now().toISOString();
    const value = { status: outcome.status, ...(outcome.summary === undefined ? {} : { summary: outcome.summary }), at };
    try {
      await this.decisions.setOutcome(id, value, {
        type: 'decision.outcome',
        actor: `agent:${agent}`,
        subject: `decision:${id}`,
        time: at,
        data: { id, tool: rec.tool, decision: rec.decision, status: outcome.status },
        ...(outcome.summary === undefined ? {} : { sensitive: { summary: outcome.summary } }),
      });
    } catch (err) {
      if (/outcome already recorded/.test(String(err))) {
        throw new WardenError(DecisionCodes.OUTCOME_ALREADY_RECORDED, `decision \`${id}\` already has an outcome`);
      }
      throw err;
    }
    return { id, outcome: value };
  }
}

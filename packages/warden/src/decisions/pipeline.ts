/**
 * `decide()`: the one pipeline every agent action goes through, whatever the entry point.
 *
 *   authenticate → resolve the chain → check scope → score behaviour → evaluate policy →
 *   combine (allow | deny | pending) → record durably → answer → learn
 *
 * INVARIANT: nothing is answered before its audit entry is durable. If the entry cannot be
 * written, `decide()` rejects with AUDIT_UNAVAILABLE, which every caller treats as deny.
 * Any other failure after authentication is recorded as a deny (fail closed).
 */
import { createHash, randomUUID } from 'node:crypto';
import { canonicalBytes } from '../audit/canonical.js';
import { maskSecrets, redactedPreview } from '../audit/redact.js';
import { invalid, WardenError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { AuditEvent } from '../store/audit-types.js';
import { auditUnavailable } from '../audit/errors.js';
import { MAX_PENDING_PER_AGENT, type ApprovalRecord, type ApprovalStore, type DecisionRecord, type DecisionStore, type DiscoveredStore, type PolicyInput, type Reason } from '../store/decision-types.js';
import type { AgentStore, ToolStore } from '../store/types.js';
import { DecisionCodes } from './errors.js';
import { normalizeTarget } from './target.js';
import type { CredentialVerifier, DecisionRequest, DecisionResponse, PolicyEvaluator, PolicyOutcome, RiskInput, RiskResult, RiskScorer, VerifiedCredential } from './types.js';
import { agentInput } from '../policy/inputs.js';

export interface PipelineDeps {
  verifier: CredentialVerifier;
  /** The store's narrowing revision (`Store.narrowing`): what an allow or a held call is recorded against. */
  revision: () => number;
  agents: AgentStore;
  tools: ToolStore;
  risk: RiskScorer;
  policy: PolicyEvaluator;
  decisions: DecisionStore;
  approvals: ApprovalStore;
  discovered: DiscoveredStore;
  events: EventBus;
  now: () => Date;
  approvalTtlSeconds: number;
  log?: { error(obj: unknown, msg: string): void };
}

/** Times one call is decided afresh because the state it read changed meanwhile. */
const MAX_REDECIDE = 5;

const NEUTRAL_RISK: RiskResult = { score: 0, factors: [], findings: [] };

/**
 * A time-ordered unique id: new rows land at the end of the primary-key index instead of
 * at random places in it, and `randomUUID` draws from a cached entropy pool.
 */
export function newId(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

/** The digest an approval is bound to: SHA-256 of the canonical JSON of the arguments. */
export function argsDigest(args: Record<string, unknown> | undefined): string {
  if (args === undefined) return NO_ARGS_DIGEST;
  return createHash('sha256').update(canonicalBytes(args)).digest('base64url');
}

/** The digest of `{}`, which a call without arguments is bound to: computed once. */
const NO_ARGS_DIGEST = createHash('sha256').update(canonicalBytes({})).digest('base64url');

function chainText(cred: VerifiedCredential): string {
  return cred.chain.map((p) => `\`${p}\``).join(' → ');
}

export class DecisionPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async decide(request: DecisionRequest, attempt = 0): Promise<DecisionResponse> {
    const { deps } = this;
    // Judge (and bind approvals to) the path the tool will resolve, not its spelling.
    // Built property by property, never spread: V8 keeps such objects fast (session 3's
    // profile: one spread on this path cost a fifth of the server thread's time).
    const req: DecisionRequest =
      request.target === undefined
        ? request
        : { token: request.token, tool: request.tool, target: normalizeTarget(request.target), args: request.args, intent: request.intent };
    // Read before anything else: every row read below is at least this fresh. A store that
    // cannot answer gives NaN, which no recorded revision equals: nothing is let through on
    // it (the credential check below reports the store itself).
    let basis = Number.NaN;
    try {
      basis = deps.revision();
    } catch {
      // Reported by the credential check, which reads the same store.
    }
    const at = deps.now();
    let cred: VerifiedCredential;
    try {
      cred = await deps.verifier.verify(req.token);
    } catch (err) {
      await this.recordUnidentified(req, err, at);
      // An uncoded failure is Warden unable to check the credential (its store is down),
      // not a bad credential: nothing can be recorded either, so fail closed as a log
      // that cannot be written does, without internal detail.
      if (!(err instanceof WardenError)) throw auditUnavailable(err);
      throw err;
    }
    const agentId = (cred.actors[0] ?? '').replace(/^agent:/, '');
    const id = newId('dec');
    let digest: string;
    try {
      digest = argsDigest(req.args);
    } catch {
      // Only plain JSON can be bound to an approval and written to the log: bad input, 400.
      throw invalid('`args` must be plain JSON (no lone surrogates, no values JSON cannot hold)');
    }
    const reasons: Reason[] = [
      { code: DecisionCodes.AUTHENTICATED, message: `credential \`${cred.jti}\` is valid and unrevoked` },
      { code: DecisionCodes.CHAIN_VERIFIED, message: `chain ${chainText(cred)} checked: every actor is registered and active` },
    ];
    const base = {
      id,
      time: at.toISOString(),
      agent: agentId,
      origin: cred.origin,
      chain: cred.actors,
      jti: cred.jti,
      tool: req.tool,
      target: req.target ?? null,
      argsDigest: digest,
    };

    let decision: DecisionRecord['decision'] = 'deny';
    let risk: RiskResult = NEUTRAL_RISK;
    /** What the behaviour scorer was given: it learns from the same input once the answer is recorded. */
    let scored: RiskInput | undefined;
    let policyVersion = 'unknown';
    let determining: string[] = [];
    let policyInput: PolicyInput | null = null;
    let approval: ApprovalRecord | undefined;
    let consume: { id: string; at: string } | undefined;
    let categories: string[] = ['unknown'];

    try {
      policyVersion = await deps.policy.version();
      const [agent, tool, ...prior] = await Promise.all([
        deps.agents.lookup(agentId),
        deps.tools.get(req.tool),
        // Every other agent of the chain: a delegator's narrowed registry narrows its delegates too.
        ...cred.actors.slice(1).map((a) => deps.agents.lookup(a.replace(/^agent:/, ''))),
      ]);
      if (!agent || prior.some((a) => !a)) throw new Error(`an agent of the chain of ${agentId} vanished after verification`);
      const outgrown = prior.find((a) => a !== undefined && !deps.verifier.inScope(a.scope, req.tool));
      if (!deps.verifier.inScope(cred.scope, req.tool)) {
        reasons.push({
          code: DecisionCodes.SCOPE_DENIED,
          message: `\`${req.tool}\` is outside the credential's scope \`${cred.scope.join(' ')}\``,
        });
      } else if (!deps.verifier.inScope(agent.scope, req.tool)) {
        // The registry is narrowed after the token was issued: the narrower scope wins at once.
        reasons.push({
          code: DecisionCodes.SCOPE_DENIED,
          message: `\`${req.tool}\` is no longer within \`agent:${agentId}\`'s registered scope \`${agent.scope.join(' ')}\``,
        });
      } else if (outgrown !== undefined) {
        reasons.push({
          code: DecisionCodes.SCOPE_DENIED,
          message: `\`${req.tool}\` is no longer within the registered scope of \`agent:${outgrown.id}\`, which delegated this task`,
        });
      } else {
        reasons.push({ code: DecisionCodes.IN_SCOPE, message: `\`${req.tool}\` is within the credential's scope \`${cred.scope.join(' ')}\`` });
        categories = tool?.categories ?? ['unknown'];
        scored = this.riskInput(req, cred, agentId, categories, at);
        risk = await deps.risk.score(scored);
        reasons.push({
          code: DecisionCodes.RISK_SCORED,
          message: risk.factors.length === 0 ? `risk score ${risk.score}: nothing unusual` : `risk score ${risk.score}: ${risk.factors.map((f) => f.code).join(', ')}`,
        });
        policyInput = {
          agent: agentInput(agent),
          tool: { name: req.tool, categories, server: tool?.server ?? '' },
          context: {
            task: { id: cred.task.id, intent: cred.task.intent },
            chain: { origin: cred.origin, depth: cred.depth, actors: cred.actors },
            risk: { score: Math.round(risk.score), factors: risk.factors.map((f) => f.code) },
            target: req.target ?? '',
            findings: risk.findings,
            time: { hour: at.getUTCHours(), dayOfWeek: at.getUTCDay() },
          },
        };
        const outcome: PolicyOutcome = await deps.policy.evaluate(policyInput);
        // INVARIANT: the version on the record, and the one an approval is bound to or
        // matched by, is the version that gave this answer: a policy put in while this call
        // was scored must not let an approval of the old version through the new one.
        policyVersion = outcome.version;
        determining = outcome.determining;
        reasons.push(...outcome.reasons);
        decision = outcome.decision;
        if (decision === 'pending') {
          const usable = await deps.approvals.findUsable({
            agent: agentId,
            task: cred.task.id,
            origin: cred.origin,
            chain: cred.actors,
            tool: req.tool,
            categories,
            target: base.target,
            argsDigest: digest,
            policyVersion,
            now: base.time,
          });
          if (usable) {
            decision = 'allow';
            consume = { id: usable.id, at: base.time };
            reasons.push({
              code: DecisionCodes.APPROVAL_USED,
              message: `approved by \`${usable.resolvedBy}\` (approval \`${usable.id}\`); this approval is now used up`,
            });
          } else if ((await deps.approvals.countPendingForAgent(agentId)) >= MAX_PENDING_PER_AGENT) {
            // A flood of held calls must not bury the real ones in the approvers' queue.
            decision = 'deny';
            reasons.push({
              code: DecisionCodes.APPROVAL_QUEUE_FULL,
              message: `\`agent:${agentId}\` already has ${MAX_PENDING_PER_AGENT} calls waiting for a human; this one is denied until some are resolved`,
            });
          } else {
            approval = this.newApproval(base, cred, categories, req, reasons, risk, policyVersion, at);
            reasons.push({
              code: DecisionCodes.APPROVAL_REQUIRED,
              message: `a human must approve this call: approval \`${approval.id}\` expires at ${approval.expiresAt}`,
            });
            approval.reasons = [...reasons];
          }
        }
      }
    } catch (err) {
      // Could not evaluate: its own branch, and it denies.
      deps.log?.error({ err }, 'decision could not be evaluated');
      decision = 'deny';
      approval = undefined;
      consume = undefined;
      reasons.push({ code: DecisionCodes.DECISION_ERROR, message: 'warden could not evaluate this action, so it is denied' });
    }

    const record: Omit<DecisionRecord, 'logIndex'> = {
      id: base.id,
      time: base.time,
      agent: base.agent,
      origin: base.origin,
      chain: base.chain,
      jti: base.jti,
      tool: base.tool,
      target: base.target,
      argsDigest: base.argsDigest,
      decision,
      reasons,
      risk: { score: risk.score, factors: risk.factors },
      policyVersion,
      determining,
      approvalId: approval?.id ?? consume?.id ?? null,
      policyInput,
      outcome: null,
    };
    let receipt: DecisionResponse['receipt'];
    try {
      receipt = await deps.decisions.record(record, this.auditEvent(record, req, approval), { createApproval: approval, consumeApproval: consume, basis });
    } catch (err) {
      // Another call used this single-use approval between our read and our write (the
      // store refuses the second use atomically): nothing was recorded, so decide afresh,
      // which now finds the approval used up.
      if (consume && /approval already used/.test(String(err))) {
        if (attempt >= MAX_REDECIDE) throw auditUnavailable(err, 'the approval kept being used by other calls while this action was decided');
        return this.decide(req, attempt + 1);
      }
      // An agent, tool or credential changed while this was decided, or concurrent held
      // calls filled the agent's approval queue first: nothing was recorded; decide again on
      // the new state (a later turn, so nothing is served from before).
      if (/state changed|approval queue full/.test(String(err))) {
        if (attempt >= MAX_REDECIDE) throw auditUnavailable(err, 'the state kept changing while this action was decided');
        return this.decide(req, attempt + 1);
      }
      throw this.unrecorded(err);
    }

    // After the answer is durable: learning, notifications. None may fail the decision.
    if (policyInput && scored) {
      const input = scored;
      try {
        void (decision === 'allow' ? deps.risk.learn(input) : deps.risk.attempted(input)).catch(() => undefined);
      } catch {
        // Learning is best effort: the decision is already recorded and must be answered.
      }
    }
    deps.events.emit('decision', { id, agent: agentId, tool: req.tool, decision, score: risk.score, index: receipt.index }, base.time);
    if (approval) deps.events.emit('approval.requested', { id: approval.id, agent: agentId, tool: req.tool, expiresAt: approval.expiresAt, reasons: approval.reasons }, base.time);

    const response: DecisionResponse = {
      id,
      decision,
      reasons,
      risk: { score: risk.score, factors: risk.factors },
      policy: { version: policyVersion, determining },
      receipt,
    };
    if (approval) response.approval = { id: approval.id, status: 'pending', expiresAt: approval.expiresAt };
    return response;
  }

  /**
   * What a record that failed is to its caller. A coded refusal keeps its code; anything
   * uncoded (a row the database refused, a request the writer thread could not be sent)
   * means what a log that cannot be written means: nothing is on the record, so the answer
   * is 503 AUDIT_UNAVAILABLE, never a decision. The cause goes to the operator log.
   */
  private unrecorded(err: unknown): WardenError {
    if (err instanceof WardenError) return err;
    this.deps.log?.error({ err }, 'decision could not be recorded');
    return auditUnavailable(err, 'the decision could not be recorded');
  }

  /**
   * Records the end of a held call whose approval was refused or ran out: a deny, on the
   * record like any other decision.
   */
  async concludeRefused(first: DecisionResponse, approval: ApprovalRecord): Promise<DecisionResponse> {
    const at = this.deps.now();
    const prior = await this.deps.decisions.get(first.id).catch((err: unknown) => {
      throw this.unrecorded(err);
    });
    if (!prior) throw this.unrecorded(new Error(`decision ${first.id} vanished`));
    const code = approval.status === 'denied' ? DecisionCodes.APPROVAL_DENIED : DecisionCodes.APPROVAL_EXPIRED;
    const message =
      approval.status === 'denied'
        ? `\`${approval.resolvedBy}\` refused approval \`${approval.id}\`${approval.comment ? `: ${approval.comment}` : ''}`
        : `nobody approved \`${approval.id}\` before it expired at ${approval.expiresAt}`;
    const record: Omit<DecisionRecord, 'logIndex'> = {
      ...prior,
      id: newId('dec'),
      time: at.toISOString(),
      decision: 'deny',
      reasons: [...prior.reasons.filter((r) => r.code !== DecisionCodes.APPROVAL_REQUIRED), { code, message }],
      approvalId: approval.id,
      outcome: null,
    };
    const receipt = await this.deps.decisions.record(record, this.auditEvent(record, undefined, undefined)).catch((err: unknown) => {
      throw this.unrecorded(err);
    });
    this.deps.events.emit('decision', { id: record.id, agent: record.agent, tool: record.tool, decision: 'deny', index: receipt.index }, record.time);
    return {
      id: record.id,
      decision: 'deny',
      reasons: record.reasons,
      risk: record.risk,
      policy: { version: record.policyVersion, determining: record.determining },
      approval: { id: approval.id, status: approval.status, expiresAt: approval.expiresAt },
      receipt,
    };
  }

  private riskInput(req: DecisionRequest, cred: VerifiedCredential, agentId: string, categories: string[], at: Date) {
    return {
      time: at,
      agent: agentId,
      tool: req.tool,
      categories,
      target: req.target,
      args: req.args,
      intent: cred.task.intent,
      depth: cred.depth,
    };
  }

  private newApproval(
    base: { id: string; agent: string; target: string | null; argsDigest: string; tool: string },
    cred: VerifiedCredential,
    categories: string[],
    req: DecisionRequest,
    reasons: Reason[],
    risk: RiskResult,
    policyVersion: string,
    at: Date,
  ): ApprovalRecord {
    return {
      id: newId('apr'),
      decisionId: base.id,
      status: 'pending',
      agent: base.agent,
      origin: cred.origin,
      chain: cred.actors,
      tool: base.tool,
      categories,
      target: base.target,
      argsDigest: base.argsDigest,
      argsPreview: redactedPreview(req.args ?? {}, 2000),
      policyVersion,
      reasons: [...reasons],
      risk: { score: risk.score, factors: risk.factors },
      createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + this.deps.approvalTtlSeconds * 1000).toISOString(),
      resolvedBy: null,
      resolvedAt: null,
      comment: null,
      usedAt: null,
      task: cred.task.id,
    };
  }

  private auditEvent(rec: Omit<DecisionRecord, 'logIndex'>, req: DecisionRequest | undefined, approval: ApprovalRecord | undefined): AuditEvent {
    // Keys added in sorted order, one by one (no spreads): the leaf's canonical form then
    // needs no sorted copy (canonical.ts), and the object stays fast.
    const data: Record<string, unknown> = {};
    if (rec.approvalId) data.approval = rec.approvalId;
    if (approval) data.approvalExpiresAt = approval.expiresAt;
    data.argsDigest = rec.argsDigest;
    data.chain = rec.chain;
    data.decision = rec.decision;
    data.id = rec.id;
    data.jti = rec.jti;
    data.origin = rec.origin;
    data.policy = { determining: rec.determining, version: rec.policyVersion };
    data.reasons = rec.reasons.map((r) => r.code);
    data.risk = { factors: rec.risk.factors.map((f) => f.code), score: rec.risk.score };
    // What the agent said it was doing; the task's intent (in the credential) still rules.
    if (req?.intent !== undefined) data.statedIntent = maskSecrets(req.intent);
    // The raw target stays in the decisions table (approvals bind to it); the leaf, which
    // nobody can ever rewrite, gets it with anything secret-looking masked.
    data.target = rec.target === null ? null : maskSecrets(rec.target);
    data.tool = rec.tool;
    const event: AuditEvent = { type: 'decision', actor: `agent:${rec.agent}`, subject: `tool:${rec.tool}`, time: rec.time, data };
    if (req?.args !== undefined) event.sensitive = { args: req.args };
    return event;
  }

  /** A caller whose credential did not verify: counted in the inventory of unknowns. */
  private async recordUnidentified(req: DecisionRequest, err: unknown, at: Date): Promise<void> {
    const code = err instanceof WardenError ? err.code : 'UNKNOWN';
    // Never the token: only a short fingerprint, so repeats group together.
    const fingerprint = createHash('sha256').update(req.token).digest('hex').slice(0, 16);
    let claimed = 'unknown';
    const payload = req.token.split('.')[1];
    if (payload) {
      try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { act?: { sub?: unknown }; sub?: unknown };
        const who = claims.act?.sub ?? claims.sub;
        if (typeof who === 'string' && who.length <= 200) claimed = who;
      } catch {
        // Not even a JWT: still an unidentified caller.
      }
    }
    await this.deps.discovered
      .seen({ key: `traffic:${fingerprint}`, kind: 'traffic', label: claimed, detail: { reason: code, tool: req.tool.slice(0, 200), fingerprint }, at: at.toISOString() })
      .catch(() => undefined);
  }
}

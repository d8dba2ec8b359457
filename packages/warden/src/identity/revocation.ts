/**
 * Revocation: of one token and everything exchanged from it (a cascade down the
 * delegation tree), and of every token an agent acts in when it is suspended (the kill
 * switch). Each is one audit entry naming every credential it ended, committed with the
 * change.
 *
 * Verification asks the store about revocation on every use (see verify.ts), and the
 * store's cache of those answers is dropped by any change in any process (state revision,
 * store/sqlite/revision.ts); an allow is recorded only if that revision has not moved
 * since the decision began. So nothing here has to reach other processes: once `revoke`
 * resolves, no decision anywhere lets its use through.
 * Verification also checks every ancestor, so a token exchanged from a parent at the very
 * moment the parent is revoked (and so missed by the cascade) is refused all the same.
 */
import type { CredentialRecord } from '../store/identity-types.js';
import type { Store } from '../store/types.js';
import { credentialNotFound } from './errors.js';

export interface RevocationResult {
  jti: string;
  /** Every credential this call revoked, the requested one first if it was still live. */
  revoked: string[];
}

/** What the audit entry says about each revoked credential (never the token). */
function summary(r: CredentialRecord): Record<string, unknown> {
  return { jti: r.jti, sub: r.subject, actors: r.actors, scope: r.scope, expiresAt: r.expiresAt };
}

export class Revocation {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  /**
   * Revokes `jti` and every token exchanged from it. Revoking an already revoked token is
   * not an error (and records nothing new).
   *
   * @example
   * await warden.identity.revocation.revoke('3q2-7wE…', 'human:alice', 'task finished');
   */
  async revoke(jti: string, actor: string, reason = 'revoked'): Promise<RevocationResult> {
    const record = await this.store.credentials.get(jti);
    if (!record) throw credentialNotFound(jti);
    const lineage = await this.store.credentials.unrevokedLineage(jti);
    if (lineage.length === 0) return { jti, revoked: [] };
    const at = this.now().toISOString();
    await this.store.credentials.revoke(
      lineage.map((r) => r.jti),
      at,
      reason,
      {
        type: 'credential.revoked',
        actor,
        subject: `credential:${jti}`,
        time: at,
        data: { jti, reason, credentials: lineage.map(summary) },
      },
    );
    return { jti, revoked: lineage.map((r) => r.jti) };
  }

  /**
   * Revokes every live token in which `agentId` is any actor (descendants included: they
   * carry the agent as a prior actor). Registered as the agent registry's suspend hook.
   */
  async revokeAgent(agentId: string, actor: string, reason = 'agent suspended'): Promise<string[]> {
    const at = this.now().toISOString();
    const live = await this.store.credentials.liveByActor(agentId, at);
    if (live.length === 0) return [];
    await this.store.credentials.revoke(
      live.map((r) => r.jti),
      at,
      reason,
      {
        type: 'credential.revoked',
        actor,
        subject: `agent:${agentId}`,
        time: at,
        data: { agent: `agent:${agentId}`, reason, credentials: live.map(summary) },
      },
    );
    return live.map((r) => r.jti);
  }
}

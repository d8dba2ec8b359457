/**
 * The agent registry: who the agents are, who owns them, what they may use, whether they
 * are allowed to act at all. Every change is an audit entry, committed with the change.
 */
import { generateKeyPairSync } from 'node:crypto';
import { WardenError } from '../errors.js';
import { KeyedMutex } from '../keyed-mutex.js';
import type { Agent, PublicJwk, Store } from '../store/types.js';
import { agentExists, agentNotFound, InventoryCodes } from './errors.js';
import type { CreateAgentInput, UpdateAgentInput } from './schemas.js';
import { stripUndefined } from '../util.js';

export interface RegisteredAgent {
  agent: Agent;
  /** Present only when Warden made the key pair; returned once, never stored. */
  privateKey?: Record<string, unknown>;
}

/** Called after an agent is suspended, so credentials and approvals can follow (cascade). */
export type SuspendHook = (agentId: string, actor: string) => Promise<void>;

/** Makes an Ed25519 key pair for an agent that brought none. */
export function generateAgentKeyPair(kid: string): { publicJwk: PublicJwk; privateJwk: Record<string, unknown> } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }) as PublicJwk;
  const priv = privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return {
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: pub.x as string, kid },
    privateJwk: { ...priv, kid, alg: 'EdDSA' },
  };
}

export class AgentRegistry {
  private readonly suspendHooks: SuspendHook[] = [];
  // INVARIANT: every read-check-write of one agent runs under its lock, so a concurrent
  // PATCH cannot write back a stale status over a suspension (or the reverse).
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  onSuspend(hook: SuspendHook): void {
    this.suspendHooks.push(hook);
  }

  async get(id: string): Promise<Agent> {
    const agent = await this.store.agents.get(id);
    if (!agent) throw agentNotFound(id);
    return agent;
  }

  list(): Promise<Agent[]> {
    return this.store.agents.list();
  }

  async register(input: CreateAgentInput, actor: string): Promise<RegisteredAgent> {
    if (await this.store.agents.get(input.id)) throw agentExists(input.id);
    const at = this.now().toISOString();
    let publicKey: PublicJwk;
    let privateKey: Record<string, unknown> | undefined;
    if (input.publicKey) {
      publicKey = { ...input.publicKey };
    } else {
      const pair = generateAgentKeyPair(`agent:${input.id}`);
      publicKey = pair.publicJwk;
      privateKey = pair.privateJwk;
    }
    const agent: Agent = {
      id: input.id,
      name: input.name,
      owner: input.owner,
      description: input.description ?? '',
      scope: input.scope ?? [],
      groups: input.groups ?? [],
      riskTier: input.riskTier ?? 'medium',
      status: 'active',
      publicKey,
      createdAt: at,
      updatedAt: at,
      lastSeenAt: null,
    };
    try {
      await this.store.agents.insert(agent, {
        type: 'agent.registered',
        actor,
        subject: `agent:${agent.id}`,
        time: at,
        data: { agent: publicView(agent), keyGenerated: privateKey !== undefined },
      });
    } catch (err) {
      // Two concurrent registrations of one id: the loser sees a clean 409.
      if (/UNIQUE constraint failed/.test(String(err))) throw agentExists(input.id);
      throw err;
    }
    return privateKey ? { agent, privateKey } : { agent };
  }

  update(id: string, patch: UpdateAgentInput, actor: string): Promise<Agent> {
    return this.locks.run(id, () => this.updateNow(id, patch, actor));
  }

  private async updateNow(id: string, patch: UpdateAgentInput, actor: string): Promise<Agent> {
    const before = await this.get(id);
    const at = this.now().toISOString();
    const after: Agent = { ...before, ...stripUndefined(patch), updatedAt: at } as Agent;
    const changed = diff(publicView(before), publicView(after));
    await this.store.agents.update(after, {
      type: 'agent.updated',
      actor,
      subject: `agent:${id}`,
      time: at,
      data: { changes: changed },
    });
    return after;
  }

  suspend(id: string, actor: string, reason?: string): Promise<Agent> {
    return this.locks.run(id, () => this.suspendNow(id, actor, reason));
  }

  private async suspendNow(id: string, actor: string, reason?: string): Promise<Agent> {
    const before = await this.get(id);
    if (before.status === 'suspended') {
      throw new WardenError(InventoryCodes.AGENT_ALREADY_SUSPENDED, `agent \`${id}\` is already suspended`);
    }
    const after = await this.setStatus(before, 'suspended', 'agent.suspended', actor, reason);
    for (const hook of this.suspendHooks) await hook(id, actor);
    return after;
  }

  resume(id: string, actor: string, reason?: string): Promise<Agent> {
    return this.locks.run(id, () => this.resumeNow(id, actor, reason));
  }

  private async resumeNow(id: string, actor: string, reason?: string): Promise<Agent> {
    const before = await this.get(id);
    if (before.status === 'active') {
      throw new WardenError(InventoryCodes.AGENT_NOT_SUSPENDED, `agent \`${id}\` is not suspended`);
    }
    return this.setStatus(before, 'active', 'agent.resumed', actor, reason);
  }

  private async setStatus(agent: Agent, status: Agent['status'], type: string, actor: string, reason?: string): Promise<Agent> {
    const at = this.now().toISOString();
    const after: Agent = { ...agent, status, updatedAt: at };
    await this.store.agents.update(after, {
      type,
      actor,
      subject: `agent:${agent.id}`,
      time: at,
      data: reason === undefined ? { status } : { status, reason },
    });
    return after;
  }
}

/** The agent as it may be shown or logged (everything it has is public). */
export function publicView(a: Agent): Record<string, unknown> {
  return { ...a };
}


function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after)) {
    if (key === 'updatedAt') continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = { from: before[key] ?? null, to: after[key] ?? null };
  }
  return out;
}

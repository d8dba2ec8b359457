/**
 * What credentials exist right now, and the hygiene numbers a security team asks for
 * first: how long the longest-lived token still has, how many tokens each agent holds,
 * which agents have no accountable owner or no key, which human keys are about to expire.
 */
import type { CredentialRecord } from '../store/identity-types.js';
import type { Store } from '../store/types.js';
import type { SigningKeys } from './signing-keys.js';

/** A live credential as the API shows it (never the token). */
export interface CredentialView {
  jti: string;
  kind: CredentialRecord['kind'];
  /** The agent holding it: the current actor. */
  agent: string;
  subject: string;
  actors: string[];
  scope: string[];
  task: { id: string; intent: string };
  parent: string | null;
  depth: number;
  maxDepth: number;
  issuedAt: string;
  expiresAt: string;
  expiresInSeconds: number;
}

export interface HygieneReport {
  generatedAt: string;
  credentials: {
    live: number;
    /** The live token with the most time left, or null when there is none. */
    longestRemaining: { jti: string; agent: string; seconds: number; expiresAt: string } | null;
    /** Live tokens held per agent, most first. */
    perAgent: Array<{ agent: string; live: number }>;
    defaultTtlSeconds: number;
    maxTtlSeconds: number;
  };
  agents: {
    total: number;
    /** No owner recorded. */
    withoutOwner: string[];
    /** The owner holds no live human API key: nobody who can still act for it. */
    ownerWithoutActiveKey: string[];
    /** No public key registered: it cannot prove itself with an assertion. */
    withoutKey: string[];
    suspended: string[];
  };
  humanKeys: {
    active: number;
    /** Live keys expiring within `withinDays`, soonest first. */
    nearExpiry: Array<{ id: string; owner: string; role: string; expiresAt: string; daysLeft: number }>;
    withinDays: number;
  };
  signingKeys: {
    active: { kid: string; createdAt: string; ageDays: number } | null;
    published: number;
  };
}

export interface CredentialReportOptions {
  tokenDefaultTtl: number;
  tokenMaxTtl: number;
  now: () => Date;
}

const DAY_MS = 86_400_000;
export const DEFAULT_NEAR_EXPIRY_DAYS = 14;

export class CredentialReports {
  constructor(
    private readonly store: Store,
    private readonly signingKeys: SigningKeys,
    private readonly options: CredentialReportOptions,
  ) {}

  /**
   * Live (unrevoked, unexpired) credentials, optionally only those `agent` holds.
   *
   * @example
   * const { length } = await warden.identity.credentials.live('forum-helper');
   */
  async live(agent?: string): Promise<CredentialView[]> {
    const now = this.options.now();
    const records = await this.store.credentials.live(now.toISOString(), agent);
    return records.map((r) => view(r, now));
  }

  async hygiene(withinDays = DEFAULT_NEAR_EXPIRY_DAYS): Promise<HygieneReport> {
    const now = this.options.now();
    const nowMs = now.getTime();
    const [live, agents, keys, jwks, active] = await Promise.all([
      this.live(),
      this.store.agents.list(),
      this.store.keys.list(),
      this.signingKeys.jwks(),
      this.store.signingKeys.active(),
    ]);

    let longest: HygieneReport['credentials']['longestRemaining'] = null;
    const perAgent = new Map<string, number>();
    for (const c of live) {
      if (longest === null || c.expiresInSeconds > longest.seconds) {
        longest = { jti: c.jti, agent: c.agent, seconds: c.expiresInSeconds, expiresAt: c.expiresAt };
      }
      perAgent.set(c.agent, (perAgent.get(c.agent) ?? 0) + 1);
    }

    const liveKeys = keys.filter((k) => k.revokedAt === null && Date.parse(k.expiresAt) > nowMs);
    const ownersWithKey = new Set(liveKeys.map((k) => k.owner));
    const horizon = nowMs + withinDays * DAY_MS;

    return {
      generatedAt: now.toISOString(),
      credentials: {
        live: live.length,
        longestRemaining: longest,
        perAgent: [...perAgent].map(([agent, n]) => ({ agent, live: n })).sort((a, b) => b.live - a.live || a.agent.localeCompare(b.agent)),
        defaultTtlSeconds: this.options.tokenDefaultTtl,
        maxTtlSeconds: this.options.tokenMaxTtl,
      },
      agents: {
        total: agents.length,
        withoutOwner: agents.filter((a) => a.owner.trim() === '').map((a) => a.id),
        ownerWithoutActiveKey: agents.filter((a) => a.owner.trim() !== '' && !ownersWithKey.has(a.owner)).map((a) => a.id),
        withoutKey: agents.filter((a) => a.publicKey === null).map((a) => a.id),
        suspended: agents.filter((a) => a.status === 'suspended').map((a) => a.id),
      },
      humanKeys: {
        active: liveKeys.length,
        nearExpiry: liveKeys
          .filter((k) => Date.parse(k.expiresAt) <= horizon)
          .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
          .map((k) => ({ id: k.id, owner: k.owner, role: k.role, expiresAt: k.expiresAt, daysLeft: Math.floor((Date.parse(k.expiresAt) - nowMs) / DAY_MS) })),
        withinDays,
      },
      signingKeys: {
        active: active ? { kid: active.kid, createdAt: active.createdAt, ageDays: Math.floor((nowMs - Date.parse(active.createdAt)) / DAY_MS) } : null,
        published: jwks.keys.length,
      },
    };
  }
}

function view(r: CredentialRecord, now: Date): CredentialView {
  return {
    jti: r.jti,
    kind: r.kind,
    agent: r.agent,
    subject: r.subject,
    actors: r.actors,
    scope: r.scope,
    task: { id: r.taskId, intent: r.intent },
    parent: r.parent,
    depth: r.depth,
    maxDepth: r.maxDepth,
    issuedAt: r.issuedAt,
    expiresAt: r.expiresAt,
    expiresInSeconds: Math.max(0, Math.floor((Date.parse(r.expiresAt) - now.getTime()) / 1000)),
  };
}

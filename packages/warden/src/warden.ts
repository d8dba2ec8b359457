/**
 * The composition root: opens the store and builds every domain service from the
 * configuration. The server, the CLI and the MCP gateway all start from here, so each
 * entry point governs agents with the same pieces.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from './config/schema.js';
import { WardenError } from './errors.js';
import { readOrCreateSecret } from './config/secrets.js';
import { ApiKeys } from './identity/api-keys.js';
import { createIdentity, type Identity } from './identity/service.js';
import { ApprovalQueue } from './approvals/queue.js';
import { OpenAICompatibleJudge } from './behavior/intent-model.js';
import { BehaviorService } from './behavior/service.js';
import { AuditService } from './audit/service.js';
import { WebhookNotifier } from './approvals/webhooks.js';
import { DecisionPipeline } from './decisions/pipeline.js';
import { DecisionService } from './decisions/service.js';
import type { RiskScorer } from './decisions/types.js';
import { EventBus } from './events.js';
import { AgentRegistry } from './inventory/agents.js';
import type { DelegationCheck } from './identity/exchange.js';
import { scopeExcess } from './identity/scope.js';
import { agentInput, timeContext } from './policy/inputs.js';
import { PolicyService } from './policy/service.js';
import { ToolCatalog } from './inventory/tools.js';
import { createSqliteStore, type SqliteStore } from './store/sqlite/index.js';
import type { CheckpointSettings } from './store/sqlite/wal-checkpoints.js';

export interface WardenOptions {
  now?: () => Date;
  /** Replaces the behaviour scorer (tests put a failing one in). */
  risk?: RiskScorer;
  /** Where webhook and pipeline failures are reported; silent by default. */
  log?: { error(obj: unknown, msg: string): void; warn(obj: unknown, msg: string): void };
  /**
   * Record decisions from a writer thread (store/sqlite/writer.ts): on by default; one-shot
   * CLI commands, which record no decisions, turn it off.
   */
  writerThread?: boolean;
  /**
   * With the writer thread, when the checkpoint thread copies the WAL back into the database
   * file (store/sqlite/wal-checkpoints.ts); `false` leaves it to SQLite, in the commits (the
   * benchmarks compare the two).
   */
  checkpoints?: CheckpointSettings | false;
}

export interface Warden {
  readonly config: Config;
  readonly dataDir: string;
  readonly store: SqliteStore;
  readonly agents: AgentRegistry;
  readonly tools: ToolCatalog;
  readonly keys: ApiKeys;
  /** Agent identities: signing keys, tokens, delegation, verification, revocation. */
  readonly identity: Identity;
  readonly events: EventBus;
  readonly policy: PolicyService;
  readonly approvals: ApprovalQueue;
  /** The decision API every entry point uses: `decide()`, with waiting and outcomes. */
  readonly decisions: DecisionService;
  /** Baselines and scoring; `risk` is what the pipeline uses (the same, unless a test swaps it). */
  readonly behavior: BehaviorService;
  readonly risk: RiskScorer;
  /** The audit log: checkpoints, the log key, proofs, entries, erasure. */
  readonly audit: AuditService;
  readonly now: () => Date;
  close(): Promise<void>;
}

/** Each delegation hop asks the policy (Cedar `delegate`); only a plain `allow` lets it through. */
function delegationCheck(store: SqliteStore, policy: PolicyService, now: () => Date, log: WardenOptions['log']): DelegationCheck {
  return async (req) => {
    const [from, to] = await Promise.all([store.agents.get(req.delegator), store.agents.get(req.delegate)]);
    if (!from || !to) return { allowed: false, determining: [] };
    // The registry is the ceiling for the delegator too: narrowed since its token was issued,
    // it cannot hand on what it may no longer use itself.
    const excess = scopeExcess(req.scope, from.scope);
    if (excess.length > 0) {
      return { allowed: false, determining: [], message: `\`agent:${from.id}\` is no longer registered for \`${excess.join(' ')}\`, so it cannot delegate it` };
    }
    let result: Awaited<ReturnType<PolicyService['evaluateDelegation']>>;
    try {
      result = await policy.evaluateDelegation({
        agent: agentInput(from),
        subAgent: agentInput(to),
        context: { task: req.task, chain: req.chain, scope: req.scope, time: timeContext(now()) },
      });
    } catch (err) {
      // Fail closed, and tell the agent no more than a decision would (DECISION_ERROR):
      // the policy's own diagnostics are for the operator's log.
      log?.error({ err }, 'the delegation policy could not be evaluated: the hop is refused');
      return { allowed: false, determining: [], message: 'Warden could not evaluate its delegation policy, so the hop is refused' };
    }
    return { allowed: result.decision === 'allow', determining: [...result.determining] };
  };
}

/** The optional model judge; its key is read from the environment variable the config names. */
function modelJudge(c: NonNullable<Config['behavior']['intentJudge']>): OpenAICompatibleJudge {
  const apiKey = c.apiKeyEnv === undefined ? undefined : process.env[c.apiKeyEnv];
  return new OpenAICompatibleJudge({
    baseUrl: c.baseUrl,
    model: c.model,
    ...(apiKey ? { apiKey } : {}),
    ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
    ...(c.includeArgs === undefined ? {} : { includeArgs: c.includeArgs }),
  });
}

export function keyPath(dataDir: string, name: string): string {
  return join(dataDir, 'keys', name);
}

export async function createWarden(config: Config, options: WardenOptions = {}): Promise<Warden> {
  const now = options.now ?? (() => new Date());
  if (config.databaseUrl !== undefined) {
    // Refuse rather than quietly run on SQLite when an operator asked for shared state.
    throw new WardenError('INVALID_CONFIG', 'invalid configuration: `WARDEN_DATABASE_URL`: the PostgreSQL store is not built yet; unset it to use the embedded SQLite store');
  }
  const dataDir = resolve(config.dataDir);
  const hmacKey = readOrCreateSecret(keyPath(dataDir, 'audit-hmac.key'), () => Buffer.from(randomBytes(32).toString('base64')), config.masterKey);
  const store = createSqliteStore(join(dataDir, 'warden.db'), {
    hmacKey,
    now,
    writerThread: options.writerThread ?? true,
    ...(options.checkpoints === undefined ? {} : { checkpoints: options.checkpoints }),
    onWriterFailure: (err) => options.log?.error({ err }, 'the decision writer thread stopped: decisions fail closed until restart'),
    onCheckpointFailure: (err) => options.log?.warn({ err }, 'the WAL checkpoint thread stopped: SQLite checkpoints in the commits again until restart'),
  });
  // Whatever fails from here on, the store (and its writer thread, which would keep the
  // process alive) is closed before the error goes up.
  try {
    await store.writer?.ready;
    const policy = new PolicyService(store.policies, store.decisions, now);
    // A server (one with the writer thread) parses, validates and hands the policy in force
    // to Cedar now, not at the first decision: cold, that took about 0.4 s here, and every
    // request arriving meanwhile queued behind it. (Before the audit service starts its
    // checkpoint timer: start-up then takes no longer from that timer to the first
    // request.) A version that does not load leaves Warden up, so that a valid one can be
    // put; meanwhile each decision is denied (DECISION_ERROR, fail closed). A one-shot CLI
    // command loads it only if it needs it.
    if (store.writer !== undefined) {
      await policy.current().catch((err: unknown) => options.log?.error({ err }, 'the policy in force does not load: decisions are denied until a valid one is put'));
    }
    const audit = new AuditService({
      db: store.db,
      log: store.log,
      dataDir,
      logOrigin: config.logOrigin,
      masterKey: config.masterKey,
      checkpointIntervalMs: config.checkpointIntervalMs,
      now,
      onError: (err) => options.log?.error({ err }, 'audit checkpoint failed'),
    });
    audit.start();
    const agents = new AgentRegistry(store, now);
    const tools = new ToolCatalog(store, now);
    const keys = new ApiKeys(store, now);
    const identity = await createIdentity({ store, agents, config, dataDir, now, delegationCheck: delegationCheck(store, policy, now, options.log) });

    // Tool categories from the config file: applied when they differ from what is stored,
    // unless an administrator has set that tool since.
    for (const t of config.tools) {
      const existing = await store.tools.get(t.name);
      if (existing?.source === 'admin') continue;
      const same = existing && JSON.stringify(existing.categories) === JSON.stringify([...new Set(t.categories)].sort());
      if (!same) {
        await tools.put(t.name, { categories: t.categories, description: t.description, server: t.server }, 'system', 'config');
      }
    }

    const events = new EventBus();
    const approvals = new ApprovalQueue({ approvals: store.approvals, events, now });
    const behavior = new BehaviorService(store.baselines, {
      now,
      config: { detectors: { allowedHosts: [...config.behavior.allowedHosts] } },
      sensitiveTargets: config.behavior.sensitiveTargets,
      ...(config.behavior.intentJudge ? { judge: modelJudge(config.behavior.intentJudge) } : {}),
    });
    const risk = options.risk ?? behavior;
    const pipeline = new DecisionPipeline({
      verifier: identity,
      revision: () => store.narrowing(),
      agents: store.agents,
      tools: store.tools,
      risk,
      policy,
      decisions: store.decisions,
      approvals: store.approvals,
      discovered: store.discovered,
      events,
      now,
      approvalTtlSeconds: config.approvalTtlSeconds,
      ...(options.log ? { log: options.log } : {}),
    });
    const decisions = new DecisionService(pipeline, approvals, store.decisions, identity, now);
    const webhooks = new WebhookNotifier(config.webhooks, events, options.log ? { log: options.log } : {});
    // The kill switch also withdraws every held action of the agent.
    agents.onSuspend((id, actor) => approvals.cancelForAgent(id, actor).then(() => undefined));
    agents.onSuspend(async (id) => events.emit('agent.suspended', { id }));
    // Approvals expire on their own, each expiry on the record.
    const sweeper = setInterval(() => void approvals.sweep().catch((err: unknown) => options.log?.error({ err }, 'approval sweep failed')), 1000);
    sweeper.unref();

    let closed = false;
    return {
      config,
      dataDir,
      store,
      agents,
      tools,
      keys,
      identity,
      events,
      policy,
      approvals,
      decisions,
      behavior,
      risk,
      audit,
      now,
      async close() {
        if (closed) return;
        closed = true;
        clearInterval(sweeper);
        webhooks.close();
        await behavior.close();
        // The writer thread first: what it committed is fsynced before it stops, so the
        // last checkpoint covers it, and covers only what is on disk.
        await store.writer?.close();
        // Commits what is queued and signs the last checkpoint before the store closes.
        await audit.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

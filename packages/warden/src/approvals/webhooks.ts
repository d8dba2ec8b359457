/**
 * Webhook notifications for approvers: each configured URL receives the events it asked
 * for as JSON, signed with HMAC-SHA256 over `<timestamp>.<body>` so a receiver can check
 * origin and freshness. Delivery runs off the decision path: retries with exponential
 * backoff, a bounded queue, and a failure never blocks or fails a decision.
 */
import { createHmac } from 'node:crypto';
import type { Webhook } from '../config/schema.js';
import type { EventBus, WardenEvent } from '../events.js';

export const SIGNATURE_HEADER = 'x-warden-signature';
export const TIMESTAMP_HEADER = 'x-warden-timestamp';
const DEFAULT_EVENTS = ['approval.requested', 'approval.resolved'];

export interface WebhookOptions {
  attempts?: number;
  /** First retry delay; doubles each time. */
  backoffMs?: number;
  timeoutMs?: number;
  /** Deliveries under way at most, per hook: one dead receiver cannot starve the others. */
  maxQueued?: number;
  fetch?: typeof fetch;
  log?: { warn(obj: unknown, msg: string): void };
}

/** The signature a receiver recomputes: `sha256=<hex HMAC(secret, timestamp + "." + body)>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookNotifier {
  /** Deliveries under way, per hook. */
  private readonly inFlight = new Map<Webhook, number>();
  private readonly pending = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;
  private readonly opts: Required<Omit<WebhookOptions, 'log'>> & Pick<WebhookOptions, 'log'>;

  constructor(
    private readonly hooks: readonly Webhook[],
    events: EventBus,
    options: WebhookOptions = {},
  ) {
    this.opts = {
      attempts: options.attempts ?? 5,
      backoffMs: options.backoffMs ?? 500,
      timeoutMs: options.timeoutMs ?? 5000,
      maxQueued: options.maxQueued ?? 1000,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      log: options.log,
    };
    this.unsubscribe = hooks.length === 0 ? () => undefined : events.subscribe((e) => this.dispatch(e));
  }

  private dispatch(event: WardenEvent): void {
    for (const hook of this.hooks) {
      if (!(hook.events ?? DEFAULT_EVENTS).includes(event.type)) continue;
      const inFlight = this.inFlight.get(hook) ?? 0;
      if (inFlight >= this.opts.maxQueued) {
        this.opts.log?.warn({ url: hook.url, type: event.type }, 'webhook queue full; event dropped');
        continue;
      }
      this.inFlight.set(hook, inFlight + 1);
      const p = this.deliver(hook, event).finally(() => {
        this.inFlight.set(hook, (this.inFlight.get(hook) ?? 1) - 1);
        this.pending.delete(p);
      });
      this.pending.add(p);
    }
  }

  private async deliver(hook: Webhook, event: WardenEvent): Promise<void> {
    const body = JSON.stringify({ type: event.type, time: event.time, data: event.data });
    for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      try {
        const res = await this.opts.fetch(hook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(hook.secret, timestamp, body), [TIMESTAMP_HEADER]: timestamp },
          body,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        // Nothing in the answer is read: let its connection go back to the pool.
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) return;
        // A 4xx other than 408/429 will not get better by retrying.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch {
        // Network failure or timeout: retry.
      }
      if (attempt < this.opts.attempts) await new Promise((r) => setTimeout(r, this.opts.backoffMs * 2 ** (attempt - 1)).unref());
    }
    this.opts.log?.warn({ url: hook.url, type: event.type }, 'webhook delivery failed');
  }

  /** Waits for deliveries under way (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  close(): void {
    this.unsubscribe();
  }
}

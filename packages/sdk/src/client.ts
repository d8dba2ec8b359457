/**
 * A small fetch-based client for Warden's decision API. It carries the agent's token and
 * turns Warden's error shape into `WardenApiError` with the stable code.
 */

export interface WardenClientOptions {
  /** Base URL of Warden, e.g. `http://127.0.0.1:7700`. */
  baseUrl: string;
  /** The agent's Warden-issued token, or a function that returns a fresh one. */
  token: string | (() => string | Promise<string>);
  fetch?: typeof fetch;
}

export interface DecisionRequest {
  tool: string;
  target?: string;
  args?: Record<string, unknown>;
  intent?: string;
}

export interface DecisionReason {
  code: string;
  message: string;
}

export interface RiskFactor {
  code: string;
  points: number;
  message: string;
}

export interface Decision {
  id: string;
  decision: 'allow' | 'deny' | 'pending';
  reasons: DecisionReason[];
  risk: { score: number; factors: RiskFactor[] };
  policy: { version: string; determining: string[] };
  approval?: { id: string; status: 'pending' | 'approved' | 'denied' | 'expired'; expiresAt: string };
  receipt: { index: number; leafHash: string };
}

export class WardenApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WardenApiError';
  }
}

/**
 * @example
 * const warden = new WardenClient({ baseUrl: 'http://127.0.0.1:7700', token });
 * const d = await warden.decide({ tool: 'forum.post', args: { body } }, { waitSeconds: 30 });
 * if (d.decision === 'allow') await post(body);
 */
export class WardenClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: WardenClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Asks Warden about one action. With `waitSeconds`, a pending answer is held until a human decides. */
  decide(request: DecisionRequest, opts: { waitSeconds?: number } = {}): Promise<Decision> {
    const query = opts.waitSeconds === undefined ? '' : `?wait=${Math.max(0, Math.min(60, Math.floor(opts.waitSeconds)))}`;
    return this.call<Decision>('POST', `/v1/decisions${query}`, request);
  }

  /** Records what happened after an allowed action. */
  outcome(decisionId: string, status: 'succeeded' | 'failed', summary?: string): Promise<unknown> {
    return this.call('POST', `/v1/decisions/${encodeURIComponent(decisionId)}/outcome`, summary === undefined ? { status } : { status, summary });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    const res = await this.fetch(this.options.baseUrl.replace(/\/$/, '') + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new WardenApiError(res.status, err?.code ?? 'HTTP_ERROR', err?.message ?? `warden answered ${res.status}`);
    }
    return parsed as T;
  }
}

/**
 * The gateway's decider over HTTP: for `warden mcp wrap --server URL`, where decisions
 * are made by a running Warden and the wrapper holds nothing but the agent's token.
 * Plain `fetch` against the v1 API (the SDK package covers deciding, not approvals or
 * introspection). Every failure rejects, and the proxy refuses the call: fail closed.
 *
 * It cannot write the tool catalog (that takes an admin key), so it has no
 * `suggestTools`: with `--server`, categories come from the server's catalog.
 */
import { WardenError } from '../errors.js';
import type { DecisionRequest, DecisionResponse } from '../decisions/types.js';
import { McpGatewayCodes } from './errors.js';
import type { ApprovalState, GatewayDecider } from './types.js';

export interface RemoteDeciderOptions {
  /** Warden's base URL, e.g. `http://127.0.0.1:7700`. */
  baseUrl: string;
  /** Per request, on top of any wait (milliseconds). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * @example
 * const decider = remoteDecider({ baseUrl: 'http://127.0.0.1:7700' });
 */
export function remoteDecider(options: RemoteDeciderOptions): GatewayDecider {
  if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(token: string, method: string, path: string, body: unknown, extraMs = 0, signal?: AbortSignal, form = false): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs + extraMs);
    let res: Response;
    try {
      res = await doFetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
        },
        ...(body === undefined ? {} : { body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const why = timeout.aborted ? `no answer within ${Math.round((timeoutMs + extraMs) / 1000)} s` : (err as Error).message;
      throw new WardenError(McpGatewayCodes.WARDEN_UNREACHABLE, `could not reach warden at \`${base}\`: ${why}`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      throw new WardenError(McpGatewayCodes.WARDEN_UNREACHABLE, `warden at \`${base}\` answered ${res.status} with something that is not JSON`);
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: unknown; message?: unknown } | string; error_description?: unknown } | null) ?? {};
      const code = typeof e.error === 'object' && typeof e.error.code === 'string' ? e.error.code : typeof e.error === 'string' ? e.error.toUpperCase() : `HTTP_${res.status}`;
      const message = typeof e.error === 'object' && typeof e.error.message === 'string' ? e.error.message : typeof e.error_description === 'string' ? e.error_description : `warden answered ${res.status}`;
      throw new WardenError(code, message);
    }
    return parsed as T;
  }

  return {
    decide(req: DecisionRequest): Promise<DecisionResponse> {
      const { token, ...body } = req;
      return call<DecisionResponse>(token, 'POST', '/v1/decisions', body);
    },
    async waitForApproval(token, id, seconds, signal) {
      // The approvals API waits up to 60 s per request; the proxy asks in short slices anyway.
      const wait = Math.max(1, Math.min(60, Math.ceil(seconds)));
      const rec = await call<{ status: ApprovalState; comment?: string | null }>(token, 'GET', `/v1/approvals/${encodeURIComponent(id)}?wait=${wait}`, undefined, wait * 1000, signal);
      return { status: rec.status, comment: rec.comment ?? null };
    },
    recordOutcome(token, decisionId, outcome) {
      return call(token, 'POST', `/v1/decisions/${encodeURIComponent(decisionId)}/outcome`, outcome);
    },
    async scopeOf(token) {
      const info = await call<{ active: boolean; scope?: string }>(token, 'POST', '/oauth/introspect', { token }, 0, undefined, true);
      if (!info.active) throw new WardenError('UNAUTHENTICATED', 'the credential is not active (expired, revoked or not issued by this warden)');
      return (info.scope ?? '').split(' ').filter((s) => s.length > 0);
    },
  };
}

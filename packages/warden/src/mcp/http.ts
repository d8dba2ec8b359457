/**
 * The streamable-HTTP gateway: `warden serve` exposes each upstream of the configuration
 * (`upstreams:` in `warden.config.yaml`, a command or a URL) at `/mcp/<name>`.
 *
 * - Agents present their Warden token as a bearer credential on every request; it is
 *   verified each time, and each call is decided with the token of the request that
 *   carries it. No token, or one that does not verify: 401 with
 *   `WWW-Authenticate: Bearer resource_metadata="…"` (MCP authorization, RFC 9728).
 * - The protected-resource metadata is served at
 *   `/.well-known/oauth-protected-resource/mcp/<name>` and, for the server as a whole,
 *   at `/.well-known/oauth-protected-resource`.
 * - Sessions are per agent and isolated (see sessions.ts).
 * - Tokens only in the `Authorization` header, never in the URL (the MCP spec forbids it);
 *   as the token is not an ambient credential (no cookie), a page in a browser cannot
 *   make a request with it, which is what an `Origin` check would guard against.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Upstream as UpstreamConfig } from '../config/schema.js';
import { isIdentityError } from '../identity/errors.js';
import { parseWith } from '../server/errors.js';
import type { Warden } from '../warden.js';
import { McpGatewayCodes, RpcError } from './errors.js';
import { metadataPath, protectedResourceMetadata, wwwAuthenticate } from './metadata.js';
import { UPSTREAM_NAME } from './naming.js';
import { GovernedProxy } from './proxy.js';
import { DEFAULT_SESSION_LIMITS, SessionRegistry, type Session, type SessionLimits } from './sessions.js';
import { DEFAULT_TIMEOUTS, type GatewayDecider, type GatewayTimeouts } from './types.js';
import { Upstream } from './upstream.js';
import { wardenDecider } from './warden-adapter.js';

export interface McpHttpOptions {
  /** Overrides of the gateway's timeouts (an upstream's `approvalTimeoutSeconds` still wins). */
  timeouts?: Partial<GatewayTimeouts>;
  sessions?: Partial<SessionLimits>;
  /** Replaces the in-process decider (tests). */
  decider?: GatewayDecider;
}

interface Caller {
  token: string;
  agent: string;
  scope: string[];
}

const NameParams = z.object({ name: z.string().regex(UPSTREAM_NAME, 'must be an upstream name') }).strict();

function rpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/**
 * Registers `/mcp/<name>` for every configured upstream, and the metadata routes.
 *
 * @example
 * mcpRoutes(app, warden);
 */
export function mcpRoutes(app: FastifyInstance, warden: Warden, options: McpHttpOptions = {}): void {
  const upstreams = new Map<string, UpstreamConfig>(warden.config.upstreams.map((u) => [u.name, u]));
  const decider = options.decider ?? wardenDecider(warden);
  const registry = new SessionRegistry({ ...DEFAULT_SESSION_LIMITS, ...options.sessions });
  const sweeper = setInterval(() => void registry.sweep().catch(() => undefined), Math.min(30_000, registry.limits.idleTimeoutMs));
  sweeper.unref();
  app.addHook('onClose', async () => {
    clearInterval(sweeper);
    await registry.closeAll();
  });

  /** Where this server is reached: the configured issuer, or what the request says. */
  const baseOf = (request: FastifyRequest): string =>
    warden.config.issuer !== undefined ? warden.identity.issuer : `${request.protocol}://${request.host}`;

  app.get('/.well-known/oauth-protected-resource', async (request) => protectedResourceMetadata(baseOf(request), '', warden.identity.issuer, 'Warden'));

  app.get('/.well-known/oauth-protected-resource/mcp/:name', async (request, reply) => {
    const { name } = parseWith(NameParams, request.params, 'path');
    if (!upstreams.has(name)) return reply.code(404).send({ error: { code: McpGatewayCodes.UPSTREAM_NOT_FOUND, message: `no mcp upstream \`${name}\`` } });
    return protectedResourceMetadata(baseOf(request), `/mcp/${name}`, warden.identity.issuer, `Warden MCP gateway: ${name}`);
  });

  /** The caller's token, verified; or a 401 already sent (undefined). */
  async function authenticate(request: FastifyRequest, reply: FastifyReply, name: string): Promise<Caller | undefined> {
    const challenge = (error?: { error: string; description: string }) => wwwAuthenticate(`${baseOf(request)}${metadataPath(`/mcp/${name}`)}`, error);
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (token === undefined) {
      reply.code(401).header('www-authenticate', challenge());
      reply.send({ error: { code: 'UNAUTHENTICATED', message: "this mcp endpoint takes an agent's warden token as a bearer credential" } });
      return undefined;
    }
    if (token.startsWith('wk_')) {
      reply.code(401).header('www-authenticate', challenge({ error: 'invalid_token', description: 'human api keys do not act through the mcp gateway' }));
      reply.send({ error: { code: 'UNAUTHENTICATED', message: "human api keys do not act through the mcp gateway: present an agent's warden token" } });
      return undefined;
    }
    try {
      const cred = await warden.identity.verify(token);
      return { token, agent: cred.actors[0] ?? '', scope: cred.scope };
    } catch (err) {
      if (!isIdentityError(err)) throw err;
      reply.code(401).header('www-authenticate', challenge({ error: 'invalid_token', description: err.code }));
      reply.send({ error: { code: err.code, message: err.message } });
      return undefined;
    }
  }

  async function openSession(name: string, config: UpstreamConfig, caller: Caller): Promise<Session> {
    const timeouts: GatewayTimeouts = {
      ...DEFAULT_TIMEOUTS,
      ...options.timeouts,
      ...(config.approvalTimeoutSeconds === undefined ? {} : { approvalTimeoutSeconds: config.approvalTimeoutSeconds }),
    };
    const log = app.log.child({ upstream: name, agent: caller.agent });
    const upstream = await Upstream.connect(
      { name, ...(config.command ? { command: config.command } : { url: config.url as string }), ...(config.env ? { env: config.env } : {}) },
      {
        connectTimeoutMs: timeouts.connectTimeoutMs,
        stderr: (line) => log.info({ stderr: line.slice(0, 2000) }, 'upstream stderr'),
        onExit: (reason) => log.warn({ reason }, 'upstream stopped'),
        onError: (err) => log.warn({ err: err.message }, 'upstream error'),
      },
    );
    const proxy = new GovernedProxy({
      upstream,
      decider,
      // INVARIANT: each request acts with the token it carries, never the session's first one.
      token: (extra) => {
        const token = extra.authInfo?.token;
        if (token === undefined) throw new RpcError(-32001, 'no credential on this request');
        return token;
      },
      timeouts,
      log: (message, detail) => log.warn(detail ?? {}, message),
    });
    const session: Session = {
      id: '',
      upstreamName: name,
      agent: caller.agent,
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          session.id = id;
          registry.add(session);
        },
      }),
      proxy,
      upstream,
      lastSeen: Date.now(),
      inflight: 0,
    };
    proxy.server.onclose = () => void registry.close(session);
    await proxy.server.connect(session.transport);
    return session;
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { name } = parseWith(NameParams, request.params, 'path');
    const caller = await authenticate(request, reply, name);
    if (!caller) return;
    const config = upstreams.get(name);
    if (!config) {
      await reply.code(404).send({ error: { code: McpGatewayCodes.UPSTREAM_NOT_FOUND, message: `no mcp upstream \`${name}\`` } });
      return;
    }
    const sid = request.headers['mcp-session-id'];
    let session: Session | undefined;
    let fresh = false;
    if (typeof sid === 'string') {
      session = registry.find(sid, caller.agent, name);
      if (session && !session.upstream.running && session.inflight === 0) {
        // Its upstream crashed: a new session (and a new upstream) is the way back.
        await registry.close(session);
        session = undefined;
      }
      // Another agent's session is answered exactly as an unknown one.
      if (!session) return void rpcError(reply, 404, -32001, 'Session not found');
    } else {
      if (request.method !== 'POST' || !isInitializeRequest(request.body)) return void rpcError(reply, 400, -32000, 'Bad Request: No valid session ID provided');
      if (!(await registry.makeRoom(caller.agent))) {
        await reply.code(429).send({ error: { code: McpGatewayCodes.SESSION_LIMIT, message: 'too many open mcp sessions: close one (HTTP DELETE) or wait for it to go idle' } });
        return;
      }
      try {
        session = await openSession(name, config, caller);
      } catch (err) {
        registry.release(caller.agent);
        request.log.warn({ err: (err as Error).message }, 'mcp upstream did not start');
        return void rpcError(reply, 502, -32010, (err as Error).message);
      }
      fresh = true;
    }
    const s = session;
    const raw = request.raw as IncomingMessage & { auth?: AuthInfo };
    raw.auth = { token: caller.token, clientId: caller.agent, scopes: caller.scope };
    reply.hijack();
    s.lastSeen = Date.now();
    // Requests whose answers are awaited; the client's standing GET stream is not one.
    if (request.method === 'POST') {
      s.inflight++;
      reply.raw.once('close', () => {
        s.inflight--;
        s.lastSeen = Date.now();
      });
    }
    try {
      await s.transport.handleRequest(raw, reply.raw, request.body);
    } catch (err) {
      request.log.error({ err }, 'mcp request failed');
      if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
    }
    // The room made for it is now the session itself (added on initialize), or nothing.
    if (fresh) registry.release(caller.agent);
    // An initialize that did not open a session leaves nothing behind (no child).
    if (fresh && s.transport.sessionId === undefined) await registry.close(s);
  }

  for (const method of ['POST', 'GET', 'DELETE'] as const) {
    app.route({ method, url: '/mcp/:name', handler: handle });
  }
}

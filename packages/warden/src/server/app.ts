/**
 * The Fastify application: JSON in and out, 1 MiB body limit, one error mapping, metrics,
 * and one file per resource under `routes/`. Built in-process for tests (`app.inject()`).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Warden } from '../warden.js';
import { frameworkErrorHandler, installErrorHandler } from './errors.js';
import { installFormParser } from './form.js';
import { installJsonParser } from './json.js';
import { installMetrics } from './metrics.js';
import { agentRoutes } from './routes/agents.js';
import { approvalRoutes } from './routes/approvals.js';
import { behaviorRoutes } from './routes/behavior.js';
import { auditRoutes } from './routes/audit.js';
import { decisionRoutes } from './routes/decisions.js';
import { discoveredRoutes } from './routes/discovered.js';
import { eventRoutes } from './routes/events.js';
import { policyRoutes } from './routes/policies.js';
import { credentialRoutes } from './routes/credentials.js';
import { grantRoutes } from './routes/grants.js';
import { healthRoutes } from './routes/health.js';
import { jwksRoutes } from './routes/jwks.js';
import { keyRoutes } from './routes/keys.js';
import { mcpRoutes } from '../mcp/http.js';
import { oauthRoutes } from './routes/oauth.js';
import { toolRoutes } from './routes/tools.js';

export const BODY_LIMIT = 1024 * 1024;
/** A tool name is up to 200 characters, each up to 3 when percent-encoded (`%2F`). */
export const MAX_PARAM_LENGTH = 600;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** A pino logger already made (shared with the domain services); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
}

/** Log options that never write a credential: headers are not logged at all. */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.key', '*.privateKey'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: redactUrl(req.url), id: req.id }),
    },
  };
}

/**
 * The calls agents make many times a second that are each on the audit record, with far
 * more than a log line holds (who, what, why, the answer): decisions and their outcomes.
 * Their successful answers are logged at `debug`, not `info`. (MCP messages are not among
 * them: a session opened, a list or a prompt fetched is on no record but this log.)
 */
const AUDITED_HOT_PATH: ReadonlySet<string> = new Set(['POST /v1/decisions', 'POST /v1/decisions/:id/outcome']);

/**
 * One line per request, once it is answered: method, url (redacted), status and time.
 * Fastify's own writes two (one on arrival) and, at `info`, one for every decision: at a
 * few thousand decisions a second that is a log line per decision beside the audit entry.
 * A request that failed (4xx, 5xx, an error while answering) is always logged at `info`
 * or above, and so is one whose connection closed before the answer was complete (a long
 * poll given up, an event stream closed by its client or at shutdown): with no arrival
 * line, it would leave no trace.
 */
class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    reply.raw.once('close', () => {
      if (reply.raw.writableEnded || reply.raw.errored) return;
      // A status only if one was sent: a long poll given up has none.
      const line = reply.raw.headersSent ? accessLine(request, reply) : { req: request, responseTime: reply.elapsedTime };
      reply.log.info(line, 'connection closed before the answer was complete');
    });
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = accessLine(request, reply);
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored');
      return;
    }
    const route = request.routeOptions.url;
    const quiet = line.res.statusCode < 400 && route !== undefined && AUDITED_HOT_PATH.has(`${request.method} ${route}`);
    reply.log[quiet ? 'debug' : 'info'](line, 'request completed');
  }
}

function accessLine(request: FastifyRequest, reply: FastifyReply): { req: FastifyRequest; res: { statusCode: number }; responseTime: number } {
  return { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
}

/**
 * Words that make a query parameter's name say it may carry a secret (`token`,
 * `access_token`, `subject_token`, `key`, `api_key`, `client_assertion`, `client_secret`,
 * `password`, `sig`, `signature`, `code`, `jwt`, `auth`, `credential`, `bearer` …): such a
 * parameter's value is never logged. A name that only looks like one (`author`) loses its
 * value too, which costs nothing.
 */
const SECRET_WORDS = ['token', 'key', 'assertion', 'secret', 'password', 'sig', 'code', 'jwt', 'auth', 'credential', 'bearer'];

/** A name as the server reads it (percent-decoded), lower case; the raw name if it does not decode. */
function paramName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * The url with the value of every secret-named query parameter replaced by `[redacted]`.
 * One pass, no regular expression: it runs on every logged request, and an attacker
 * chooses the url (an unauthenticated 401 is logged too).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url.slice(q + 1).split('&');
  for (let i = 0; i < params.length; i++) {
    const param = params[i] as string;
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = paramName(param.slice(0, eq));
    if (SECRET_WORDS.some((w) => name.includes(w))) params[i] = `${param.slice(0, eq)}=[redacted]`;
  }
  return `${url.slice(0, q + 1)}${params.join('&')}`;
}

export async function buildApp(warden: Warden, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler,
    return503OnClosing: true,
    forceCloseConnections: true,
    logController: new AccessLog(),
  });
  installErrorHandler(app);
  // JSON that nothing downstream could take is refused at the door (see json.ts).
  installJsonParser(app);
  // Form bodies, which the OAuth endpoints must accept (RFC 6749).
  installFormParser(app, BODY_LIMIT);
  const metrics = installMetrics(app, warden.store);
  healthRoutes(app, warden, metrics);
  agentRoutes(app, warden);
  toolRoutes(app, warden);
  keyRoutes(app, warden);
  jwksRoutes(app, warden);
  grantRoutes(app, warden);
  oauthRoutes(app, warden);
  credentialRoutes(app, warden);
  decisionRoutes(app, warden);
  approvalRoutes(app, warden);
  policyRoutes(app, warden);
  discoveredRoutes(app, warden);
  eventRoutes(app, warden);
  behaviorRoutes(app, warden);
  auditRoutes(app, warden);
  mcpRoutes(app, warden);
  await app.ready();
  return app;
}

/**
 * The Fastify application: JSON in and out, 1 MiB body limit, one error mapping, metrics,
 * and one file per resource under `routes/`. Built in-process for tests (`app.inject()`).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Warden } from '../warden.js';
import { installErrorHandler } from './errors.js';
import { installMetrics } from './metrics.js';
import { agentRoutes } from './routes/agents.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { toolRoutes } from './routes/tools.js';

export const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
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

function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|key|access_token)=)[^&]*/gi, '$1[redacted]');
}

export async function buildApp(warden: Warden, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  installErrorHandler(app);
  const metrics = installMetrics(app);
  healthRoutes(app, warden, metrics);
  agentRoutes(app, warden);
  toolRoutes(app, warden);
  keyRoutes(app, warden);
  await app.ready();
  return app;
}

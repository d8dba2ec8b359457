/**
 * The one schema for Warden's configuration. Every source (defaults, `warden.config.yaml`,
 * environment variables, command-line flags) is merged into one object and validated here
 * once at start; the result is frozen.
 */
import { z } from 'zod';
import { CATEGORIES } from '../inventory/schemas.js';

const durationSeconds = z.number().int().positive();

export const UpstreamSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug'),
    command: z.array(z.string().min(1)).min(1).optional(),
    url: z.url().optional(),
    env: z.record(z.string(), z.string()).optional(),
    approvalTimeoutSeconds: durationSeconds.max(3600).optional(),
  })
  .strict()
  .refine((u) => (u.command === undefined) !== (u.url === undefined), {
    message: 'an upstream needs exactly one of `command` or `url`',
  });

export const WebhookSchema = z
  .object({
    url: z.url(),
    secret: z.string().min(16),
    events: z.array(z.string()).optional(),
  })
  .strict();

export const ToolConfigSchema = z
  .object({
    name: z.string().min(1).max(200),
    categories: z.array(z.enum(CATEGORIES)).min(1),
    description: z.string().optional(),
    server: z.string().optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(7700),
    host: z.string().min(1).default('127.0.0.1'),
    dataDir: z.string().min(1).default('./.warden'),
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    bootstrapAdminKey: z.string().regex(/^wk_[A-Za-z0-9_-]{32,}$/, 'must look like `wk_` followed by at least 32 url-safe characters').optional(),
    masterKey: z.string().min(32, 'must be at least 32 characters').optional(),
    logOrigin: z.string().min(1).optional(),
    /** The `iss` of Warden's tokens; default `http://{host}:{port}`. */
    issuer: z.url({ protocol: /^https?$/ }).optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    tokenDefaultTtl: durationSeconds.default(900),
    tokenMaxTtl: durationSeconds.default(3600),
    clockLeewaySeconds: z.number().int().min(0).max(300).default(30),
    checkpointIntervalMs: z.number().int().min(10).max(3_600_000).default(1000),
    approvalTtlSeconds: durationSeconds.default(900),
    upstreams: z.array(UpstreamSchema).default([]),
    webhooks: z.array(WebhookSchema).default([]),
    tools: z.array(ToolConfigSchema).default([]),
    behavior: z
      .object({
        /** Hosts an outbound URL may name without counting as exfiltration (`acme.com` covers subdomains). */
        allowedHosts: z.array(z.string().min(1).max(253)).default([]),
        /** Glob patterns of targets that always add risk (`repo:acme/secret-*`). */
        sensitiveTargets: z.array(z.string().min(1).max(500)).default([]),
        /** An OpenAI-compatible model asked for a second opinion on intent; off unless set. */
        intentJudge: z
          .object({
            baseUrl: z.url(),
            model: z.string().min(1),
            apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable').optional(),
            timeoutMs: z.number().int().min(100).max(10_000).optional(),
            includeArgs: z.boolean().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ allowedHosts: [], sensitiveTargets: [] }),
  })
  .strict()
  .refine((c) => c.tokenDefaultTtl <= c.tokenMaxTtl, {
    message: '`tokenDefaultTtl` must not exceed `tokenMaxTtl`',
    path: ['tokenDefaultTtl'],
  });

export type Config = Readonly<z.infer<typeof ConfigSchema>>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Upstream = z.infer<typeof UpstreamSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;

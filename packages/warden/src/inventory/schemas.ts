/** Wire schemas of the inventory: agents and the tool catalog. Types are inferred from them. */
import { z } from 'zod';

export const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const HUMAN_PRINCIPAL = /^human:[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
/** A tool name or a glob over tool names: `forum.read`, `forum.*`, `*`. */
export const TOOL_PATTERN = /^[A-Za-z0-9_*][A-Za-z0-9_.*:/-]{0,199}$/;
export const TOOL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,199}$/;

export const CATEGORIES = [
  'read',
  'write',
  'delete',
  'publish',
  'permissions',
  'pii',
  'execute',
  'network',
  'financial',
  'unknown',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const Ed25519PublicJwkSchema = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the base64url of a 32-byte Ed25519 key'),
    kid: z.string().max(200).optional(),
    alg: z.literal('EdDSA').optional(),
    use: z.literal('sig').optional(),
  })
  .strict();

export const AgentIdSchema = z.string().regex(AGENT_ID, 'must be a slug: lowercase letters, digits and `-`, at most 63');
export const OwnerSchema = z.string().regex(HUMAN_PRINCIPAL, 'must be `human:<id>`');
export const ScopeSchema = z.array(z.string().regex(TOOL_PATTERN, 'must be a tool name or glob pattern')).max(200);
export const RiskTierSchema = z.enum(['low', 'medium', 'high']);
export const GROUP_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const MAX_GROUPS = 32;
/** The groups an agent belongs to; kept sorted and without repeats. */
export const GroupsSchema = z
  .array(z.string().regex(GROUP_ID, 'must be a group id: lowercase letters, digits, `.`, `_` and `-`, at most 63'))
  .max(MAX_GROUPS)
  .refine((g) => new Set(g).size === g.length, { message: 'names a group twice' })
  .transform((g) => [...g].sort());

export const CreateAgentSchema = z
  .object({
    id: AgentIdSchema,
    name: z.string().min(1).max(200),
    owner: OwnerSchema,
    description: z.string().max(2000).optional(),
    scope: ScopeSchema.optional(),
    groups: GroupsSchema.optional(),
    riskTier: RiskTierSchema.optional(),
    publicKey: Ed25519PublicJwkSchema.optional(),
  })
  .strict();
export type CreateAgentInput = z.infer<typeof CreateAgentSchema>;

export const UpdateAgentSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    owner: OwnerSchema.optional(),
    description: z.string().max(2000).optional(),
    scope: ScopeSchema.optional(),
    groups: GroupsSchema.optional(),
    riskTier: RiskTierSchema.optional(),
    publicKey: Ed25519PublicJwkSchema.optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to update' });
export type UpdateAgentInput = z.infer<typeof UpdateAgentSchema>;

export const ReasonSchema = z.object({ reason: z.string().max(1000).optional() }).strict();

export const PutToolSchema = z
  .object({
    categories: z.array(z.enum(CATEGORIES)).min(1).max(CATEGORIES.length),
    description: z.string().max(2000).optional(),
    server: z.string().max(200).optional(),
  })
  .strict();
export type PutToolInput = z.infer<typeof PutToolSchema>;

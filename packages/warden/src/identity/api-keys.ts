/**
 * Human API keys (`wk_…`): how people authenticate to Warden. Only a SHA-256 of each key
 * is stored (keys are 256-bit random, so a fast hash is enough); every key has a role and
 * an expiry, and there is no way to make one without.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WardenError } from '../errors.js';
import { HUMAN_PRINCIPAL } from '../inventory/schemas.js';
import { KeyedMutex } from '../keyed-mutex.js';
import type { ApiKeyRecord, Role, Store } from '../store/types.js';

export const ROLES = ['admin', 'approver', 'auditor', 'viewer'] as const;
export const MAX_KEY_TTL_DAYS = 365;

export const KeyCodes = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  KEY_EXPIRED: 'KEY_EXPIRED',
  KEY_REVOKED: 'KEY_REVOKED',
  FORBIDDEN: 'FORBIDDEN',
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
} as const;

export const CreateKeySchema = z
  .object({
    owner: z.string().regex(HUMAN_PRINCIPAL, 'must be `human:<id>`'),
    role: z.enum(ROLES),
    ttlDays: z.number().int().min(1).max(MAX_KEY_TTL_DAYS).optional(),
  })
  .strict();
export type CreateKeyInput = z.infer<typeof CreateKeySchema>;

/** Which roles satisfy a required role. Auditors and approvers can also view. */
const SATISFIES: Record<Role, readonly Role[]> = {
  viewer: ['viewer', 'auditor', 'approver', 'admin'],
  auditor: ['auditor', 'admin'],
  approver: ['approver', 'admin'],
  admin: ['admin'],
};

export function roleAllows(have: Role, need: Role): boolean {
  return SATISFIES[need].includes(have);
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function newKeySecret(): string {
  return `wk_${randomBytes(32).toString('base64url')}`;
}

export interface CreatedKey {
  id: string;
  key: string;
  owner: string;
  role: Role;
  expiresAt: string;
}

/** The authenticated human behind a request. */
export interface HumanPrincipal {
  keyId: string;
  principal: string;
  role: Role;
}

export class ApiKeys {
  // Two concurrent revocations of one key must record one `key.revoked`, not two.
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: CreateKeyInput, actor: string, secret: string = newKeySecret()): Promise<CreatedKey> {
    const created = this.now();
    const ttlDays = input.ttlDays ?? 90;
    const record: ApiKeyRecord = {
      id: `key_${randomBytes(9).toString('base64url')}`,
      owner: input.owner,
      role: input.role,
      hash: hashKey(secret),
      createdAt: created.toISOString(),
      expiresAt: new Date(created.getTime() + ttlDays * 86_400_000).toISOString(),
      revokedAt: null,
    };
    await this.store.keys.insert(record, {
      type: 'key.created',
      actor,
      subject: record.owner,
      time: record.createdAt,
      // The key's hash is not secret-equivalent, but nothing needs it in the log either.
      data: { id: record.id, owner: record.owner, role: record.role, expiresAt: record.expiresAt },
    });
    return { id: record.id, key: secret, owner: record.owner, role: record.role, expiresAt: record.expiresAt };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.keys.list();
  }

  revoke(id: string, actor: string): Promise<void> {
    return this.locks.run(id, () => this.revokeNow(id, actor));
  }

  private async revokeNow(id: string, actor: string): Promise<void> {
    const rec = await this.store.keys.get(id);
    if (!rec) throw new WardenError(KeyCodes.KEY_NOT_FOUND, `no key \`${id}\``);
    if (rec.revokedAt !== null) return;
    const at = this.now().toISOString();
    await this.store.keys.revoke(id, at, { type: 'key.revoked', actor, subject: rec.owner, time: at, data: { id } });
  }

  /** Checks a presented key: known, not revoked, not expired. Never echoes the key. */
  async authenticate(presented: string): Promise<HumanPrincipal> {
    if (!presented.startsWith('wk_')) throw new WardenError(KeyCodes.UNAUTHENTICATED, 'missing or malformed api key');
    const rec = await this.store.keys.findByHash(hashKey(presented));
    if (!rec) throw new WardenError(KeyCodes.UNAUTHENTICATED, 'unknown api key');
    if (rec.revokedAt !== null) throw new WardenError(KeyCodes.KEY_REVOKED, 'api key has been revoked');
    if (Date.parse(rec.expiresAt) <= this.now().getTime()) throw new WardenError(KeyCodes.KEY_EXPIRED, 'api key has expired');
    return { keyId: rec.id, principal: rec.owner, role: rec.role };
  }

  /**
   * At start: make sure an admin key exists. With `bootstrapKey` (from
   * `WARDEN_BOOTSTRAP_ADMIN_KEY`) that key is registered if it is not yet; otherwise, when no
   * key exists at all, a new admin key is made and returned so the caller can print it once.
   */
  async bootstrap(bootstrapKey: string | undefined): Promise<CreatedKey | undefined> {
    if (bootstrapKey !== undefined) {
      if (await this.store.keys.findByHash(hashKey(bootstrapKey))) return undefined;
      await this.create({ owner: 'human:admin', role: 'admin', ttlDays: 30 }, 'system', bootstrapKey);
      return undefined;
    }
    if ((await this.store.keys.count()) > 0) return undefined;
    return this.create({ owner: 'human:admin', role: 'admin', ttlDays: 30 }, 'system');
  }
}

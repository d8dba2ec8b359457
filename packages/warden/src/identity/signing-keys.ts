/**
 * The Ed25519 keys Warden signs its tokens with.
 *
 * The private half of each key is a secret file `<dataDir>/keys/signing-<kid>.jwk` (mode
 * 0600, encrypted when `WARDEN_MASTER_KEY` is set); the public half and its life (created,
 * retired) are rows in the store, so every process on one data directory (the server, the
 * CLI) agrees on which key is active. Rotation makes a new key active and retires the old
 * one, which stays published (JWKS) and accepted until the last token it can have signed
 * has expired: `retiredAt + tokenMaxTtl` (plus the clock leeway).
 *
 * Key objects are made once per key and kept; nothing here parses a key per call.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { readSecret, writeSecret } from '../config/secrets.js';
import { CommonCodes, WardenError } from '../errors.js';
import type { SigningKeyRecord } from '../store/identity-types.js';
import type { PublicJwk, Store } from '../store/types.js';
import { identityError, IdentityCodes } from './errors.js';

export interface SigningKeysOptions {
  /** The directory that holds the private keys (`<dataDir>/keys`). */
  dir: string;
  masterKey?: string;
  tokenMaxTtl: number;
  clockLeewaySeconds: number;
  now: () => Date;
}

/** A JWK as published at `/.well-known/jwks.json`. */
export interface PublishedJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

export interface ActiveKey {
  kid: string;
  privateKey: KeyObject;
}

export interface RotationResult {
  kid: string;
  retired: string | null;
  /** When the retired key stops being published and accepted. */
  retiredPublishedUntil: string | null;
}

interface KnownKey {
  record: SigningKeyRecord;
  publicKey: KeyObject;
}

export class SigningKeys {
  private readonly known = new Map<string, KnownKey>();
  private activeKey: ActiveKey | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: SigningKeysOptions,
  ) {}

  /** Makes sure a key is active: the first start of a data directory makes one. */
  async init(actor = 'system'): Promise<void> {
    if (await this.store.signingKeys.active()) return;
    await this.activateNew(null, actor);
  }

  /**
   * The key to sign with now. Reads which key is active from the store on every call
   * (one indexed row), so a rotation by another process is followed at once.
   */
  async active(): Promise<ActiveKey> {
    const record = await this.store.signingKeys.active();
    if (!record) throw identityError(IdentityCodes.SIGNING_KEY_UNAVAILABLE, 'no signing key is active');
    if (this.activeKey?.kid === record.kid) return this.activeKey;
    if (this.activeKey !== undefined) {
      // Another process rotated: learn when the key this process knew as active retired.
      const previous = await this.store.signingKeys.get(this.activeKey.kid);
      if (previous) this.remember(previous);
    }
    this.remember(record);
    const raw = readSecret(this.privatePath(record.kid), this.options.masterKey);
    if (raw === undefined) {
      throw identityError(IdentityCodes.SIGNING_KEY_UNAVAILABLE, `the private half of signing key \`${record.kid}\` is missing from \`${this.options.dir}\``);
    }
    this.activeKey = { kid: record.kid, privateKey: createPrivateKey({ key: JSON.parse(raw.toString('utf8')) as never, format: 'jwk' }) };
    return this.activeKey;
  }

  /**
   * The public key for `kid`, if it is active or still within its publication window.
   * A kid this process has not seen is looked up in the store (another process rotated).
   */
  async publicKey(kid: string): Promise<KeyObject | undefined> {
    let known = this.known.get(kid);
    if (known === undefined) {
      const record = await this.store.signingKeys.get(kid);
      if (!record) return undefined;
      known = this.remember(record);
    }
    // A key another process retired may still look active here. That is harmless: no
    // process signs with a key the store no longer names active (see `active()`), so it
    // signs nothing new, and whatever it signed expires within the window anyway.
    return this.isPublished(known.record) ? known.publicKey : undefined;
  }

  /** The JSON Web Key Set: the active key and every retired key still in its window. */
  async jwks(): Promise<{ keys: PublishedJwk[] }> {
    const records = await this.store.signingKeys.list();
    const keys = records
      .filter((r) => this.isPublished(r))
      .sort((a, b) => (a.retiredAt === null ? -1 : b.retiredAt === null ? 1 : b.createdAt.localeCompare(a.createdAt)))
      .map((r) => published(r));
    return { keys };
  }

  /**
   * Makes a new key active; the old one stays published until its tokens have expired.
   *
   * @example
   * const { kid, retired } = await warden.identity.signingKeys.rotate('cli:alice');
   */
  async rotate(actor: string): Promise<RotationResult> {
    const current = await this.store.signingKeys.active();
    return this.activateNew(current?.kid ?? null, actor);
  }

  /** The end of a retired key's publication window (ms since the epoch), or null while active. */
  publishedUntil(record: SigningKeyRecord): number | null {
    if (record.retiredAt === null) return null;
    return Date.parse(record.retiredAt) + (this.options.tokenMaxTtl + this.options.clockLeewaySeconds) * 1000;
  }

  private isPublished(record: SigningKeyRecord): boolean {
    const until = this.publishedUntil(record);
    return until === null || until > this.options.now().getTime();
  }

  private remember(record: SigningKeyRecord): KnownKey {
    const previous = this.known.get(record.kid);
    const known: KnownKey = {
      record,
      // INVARIANT: one KeyObject per kid for the life of the process (jose caches its
      // WebCrypto form against the object).
      publicKey: previous?.publicKey ?? createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: record.publicJwk.x } as never, format: 'jwk' }),
    };
    this.known.set(record.kid, known);
    return known;
  }

  private privatePath(kid: string): string {
    return join(this.options.dir, `signing-${kid}.jwk`);
  }

  private async activateNew(replaces: string | null, actor: string): Promise<RotationResult> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = publicKey.export({ format: 'jwk' });
    const publicJwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: pub.x as string };
    const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: pub.x as string });
    const at = this.options.now().toISOString();
    const record: SigningKeyRecord = { kid, publicJwk: { ...publicJwk, kid }, createdAt: at, retiredAt: null };
    // The private half is on disk before the store names the key active, so no process
    // can find an active key it cannot load.
    writeSecret(this.privatePath(kid), Buffer.from(JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid })), this.options.masterKey);
    const retiredUntil = replaces === null ? null : new Date(Date.parse(at) + (this.options.tokenMaxTtl + this.options.clockLeewaySeconds) * 1000).toISOString();
    try {
      await this.store.signingKeys.activate(record, replaces, {
        type: replaces === null ? 'signing_key.created' : 'signing_key.rotated',
        actor,
        subject: `signing_key:${kid}`,
        time: at,
        data: replaces === null ? { kid } : { kid, retired: replaces, retiredPublishedUntil: retiredUntil },
      });
    } catch (err) {
      removeQuietly(this.privatePath(kid));
      if (err instanceof WardenError && err.code === CommonCodes.CONFLICT) {
        // Another process made or rotated the key first. At start that is fine: use theirs.
        const winner = replaces === null ? await this.store.signingKeys.active() : undefined;
        if (winner) return { kid: winner.kid, retired: null, retiredPublishedUntil: null };
        throw identityError(IdentityCodes.SIGNING_KEY_CONFLICT, 'the signing key was rotated by someone else meanwhile; try again');
      }
      throw err;
    }
    this.activeKey = { kid, privateKey };
    this.remember(record);
    const old = replaces === null ? undefined : this.known.get(replaces);
    if (old) old.record = { ...old.record, retiredAt: at };
    // Nothing signs with a retired key again; its private half has no further use.
    if (replaces !== null) removeQuietly(this.privatePath(replaces));
    return { kid, retired: replaces, retiredPublishedUntil: retiredUntil };
  }
}

function published(r: SigningKeyRecord): PublishedJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: r.publicJwk.x as string, kid: r.kid, alg: 'EdDSA', use: 'sig' };
}

function removeQuietly(path: string): void {
  try {
    if (existsSync(path)) unlinkSync(path);
  } catch {
    // A leftover file is harmless: it names no active key.
  }
}

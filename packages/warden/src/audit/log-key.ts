/**
 * The log's Ed25519 signing key and its name (the C2SP origin).
 *
 * The key has a file of its own, `<dataDir>/keys/log-ed25519.pem` (mode 0600, encrypted
 * when `WARDEN_MASTER_KEY` is set), apart from every other key: rotating the token keys
 * or the HMAC key never touches what auditors pin. The origin is `WARDEN_LOG_ORIGIN`, or
 * `warden.local/<random id>` with the id made once and kept in the database, so two
 * Warden installations never sign checkpoints under the same name.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { WardenError } from '../errors.js';
import { ConfigCodes } from '../config/load.js';
import { readOrCreateSecret, readSecret } from '../config/secrets.js';
import { createNoteSigner, parseVerifierKey, verifierKey } from './note.js';
import type { NoteSigner, NoteVerifier } from './note.js';

export const LOG_KEY_FILE = 'log-ed25519.pem';

export interface LogKey {
  /** The checkpoint origin, also the verifier key's name. */
  readonly origin: string;
  readonly signer: NoteSigner;
  readonly publicKey: KeyObject;
  /** `<origin>+<hex key id>+<base64 key>`: what `GET /v1/audit/log-key` serves. */
  readonly vkey: string;
}

/** Where the log key lives in a data directory. */
export function logKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', LOG_KEY_FILE);
}

/**
 * The log key of `dataDir`, made on first use.
 *
 * @example
 * const key = loadLogKey(dataDir, 'warden.example.com/audit', config.masterKey);
 * key.vkey; // 'warden.example.com/audit+1a2b3c4d+AX…'
 */
export function loadLogKey(dataDir: string, origin: string, masterKey?: string): LogKey {
  const pem = readOrCreateSecret(
    logKeyPath(dataDir),
    () => Buffer.from(generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
    masterKey,
  );
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return Object.freeze({ origin, signer: createNoteSigner(origin, privateKey), publicKey, vkey: verifierKey(origin, publicKey) });
}

/**
 * The public half of `dataDir`'s log key, reading only (for `warden audit verify`);
 * `undefined` when there is no key file.
 */
export function readLogPublicKey(dataDir: string, masterKey?: string): KeyObject | undefined {
  const pem = readSecret(logKeyPath(dataDir), masterKey);
  return pem === undefined ? undefined : createPublicKey(createPrivateKey(pem));
}

/** A verifier for `publicKey` under key name `name` (a checkpoint's origin). */
export function verifierFor(name: string, publicKey: KeyObject): NoteVerifier {
  return parseVerifierKey(verifierKey(name, publicKey));
}

// A C2SP origin: a schema-less URL-like name; no spaces or `+` (it is also the key name).
const ORIGIN = /^[^\s+\p{Cc}]+$/u;

/**
 * The log's origin: `configured` (`WARDEN_LOG_ORIGIN`) when set, else
 * `warden.local/<id>` where `id` is made once and kept by `metaOrSet`. Throws
 * `INVALID_CONFIG` for a configured origin that cannot name a note key.
 *
 * @example
 * logOrigin(undefined, checkpoints.metaOrSet.bind(checkpoints)); // 'warden.local/3f9c0a5e1b7d2c48'
 */
export function logOrigin(configured: string | undefined, metaOrSet: (key: string, make: () => string) => string): string {
  if (configured !== undefined) {
    if (!ORIGIN.test(configured) || configured.includes('://')) {
      throw new WardenError(
        ConfigCodes.INVALID_CONFIG,
        `invalid configuration: \`logOrigin\` must be a name without a scheme, spaces or \`+\`, like \`warden.example.com/audit\`, got \`${configured.slice(0, 200)}\``,
      );
    }
    return configured;
  }
  return `warden.local/${metaOrSet('log_id', () => randomBytes(8).toString('hex'))}`;
}

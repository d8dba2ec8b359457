/**
 * Secret material kept in the data directory (signing keys, the log key, the HMAC key):
 * files of mode 0600, and, when `WARDEN_MASTER_KEY` is set, encrypted with AES-256-GCM
 * under a key derived from it. A file written encrypted cannot be read without it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { WardenError } from '../errors.js';

const MAGIC = 'warden-enc-v1:';

export const SecretCodes = { SECRET_UNREADABLE: 'SECRET_UNREADABLE' } as const;

function derive(masterKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'utf8'), Buffer.alloc(0), 'warden secret files v1', 32));
}

function seal(plain: Buffer, masterKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derive(masterKey), iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return MAGIC + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(text: string, masterKey: string | undefined, path: string): Buffer {
  if (!text.startsWith(MAGIC)) return Buffer.from(text, 'utf8');
  if (masterKey === undefined) {
    throw new WardenError(SecretCodes.SECRET_UNREADABLE, `\`${path}\` is encrypted: set \`WARDEN_MASTER_KEY\``);
  }
  const raw = Buffer.from(text.slice(MAGIC.length), 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(masterKey), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    throw new WardenError(SecretCodes.SECRET_UNREADABLE, `\`${path}\` cannot be decrypted with this \`WARDEN_MASTER_KEY\``);
  }
}

/** Writes a secret file atomically with mode 0600. */
export function writeSecret(path: string, plain: Buffer, masterKey?: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, masterKey === undefined ? plain.toString('utf8') : seal(plain, masterKey), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function readSecret(path: string, masterKey?: string): Buffer | undefined {
  if (!existsSync(path)) return undefined;
  return open(readFileSync(path, 'utf8'), masterKey, path);
}

/** Reads the secret at `path`, or makes it with `make` and stores it first. */
export function readOrCreateSecret(path: string, make: () => Buffer, masterKey?: string): Buffer {
  const existing = readSecret(path, masterKey);
  if (existing !== undefined) return existing;
  const made = make();
  writeSecret(path, made, masterKey);
  return made;
}

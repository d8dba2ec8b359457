/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: how a checkpoint is signed
 * by the log key and how anyone holding only the verifier key string checks it.
 *
 *     <text, ending in a newline>
 *     <blank line>
 *     — <key name> <base64(4-byte key ID ‖ 64-byte Ed25519 signature)>
 *
 * Key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]; the verifier key string
 * is `<name>+<8 hex digits of key ID>+<base64(0x01 ‖ public key)>`. Both interoperate
 * with Go's golang.org/x/mod/sumdb/note (tested against its published example).
 *
 * Signers and verifiers hold their `KeyObject` from creation on: building one per
 * signature or per check would cost more than the Ed25519 operation itself.
 */
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { AuditCodes, auditError, malformedKey, malformedNote } from './errors.js';

/** Signature type byte of Ed25519 in signed notes. */
const ED25519_TYPE = 0x01;
/** DER SubjectPublicKeyInfo header of an Ed25519 key; the raw 32 bytes follow it. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_KEY_SIZE = 32;
/** Go's sumdb/note has the same cap; the spec asks for at least 16. */
const MAX_SIGNATURES = 100;
const MAX_NOTE_BYTES = 1_000_000;
const SIGNATURE_PREFIX = '\u2014 '; // em dash, space

/** A log key ready to sign: build once with `createNoteSigner`. */
export interface NoteSigner {
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  readonly privateKey: KeyObject;
}

/** A key to check signatures with: build once with `parseVerifierKey`. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: KeyObject;
}

export interface OpenedNote {
  /** The signed text, final newline included. */
  body: string;
  /** The known keys whose signatures verified. */
  verifiedBy: { name: string; keyId: number }[];
}

/**
 * The C2SP key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4], big-endian.
 *
 * @example
 * noteKeyId('PeterNeumann', rawKey).toString(16); // 'c74f20a3'
 */
export function noteKeyId(name: string, rawPublicKey: Uint8Array): number {
  return createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519_TYPE]))
    .update(rawPublicKey)
    .digest()
    .readUInt32BE(0);
}

/**
 * A signer for the Ed25519 `privateKey` under key name `name`.
 *
 * @example
 * const signer = createNoteSigner('warden.example/audit', logKey.privateKey);
 */
export function createNoteSigner(name: string, privateKey: KeyObject): NoteSigner {
  assertName(name);
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('the note signing key must be an Ed25519 private key');
  }
  const raw = rawEd25519(createPublicKey(privateKey));
  return Object.freeze({ name, keyId: noteKeyId(name, raw), privateKey });
}

/**
 * The verifier key string for `publicKey` under `name` (what `GET /v1/audit/log-key`
 * serves): `<name>+<hex key ID>+<base64(0x01 ‖ key)>`.
 *
 * @example
 * verifierKey('warden.example/audit', logKey.publicKey); // 'warden.example/audit+1a2b3c4d+AR…'
 */
export function verifierKey(name: string, publicKey: KeyObject): string {
  assertName(name);
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw new TypeError('the note verifier key must be an Ed25519 public key');
  }
  const raw = rawEd25519(publicKey);
  const typed = Buffer.concat([Buffer.from([ED25519_TYPE]), raw]).toString('base64');
  return `${name}+${hex8(noteKeyId(name, raw))}+${typed}`;
}

/**
 * Parses a verifier key string. Throws `MALFORMED_KEY` when it is not an Ed25519 key in
 * the note format or its key ID does not match the key.
 *
 * @example
 * const verifier = parseVerifierKey(await (await fetch(`${url}/v1/audit/log-key`)).text());
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') throw malformedKey('the verifier key must be a string');
  // The name cannot contain `+`; the base64 part can.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) throw malformedKey('a verifier key is `<name>+<hex key id>+<base64 key>`');
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const key = decodeBase64(vkey.slice(second + 1));
  if (!isValidName(name)) throw malformedKey(`invalid key name \`${name}\``);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) throw malformedKey(`invalid key id \`${idHex}\``);
  if (key === undefined || key.length !== 1 + ED25519_KEY_SIZE || key[0] !== ED25519_TYPE) {
    throw malformedKey('the key is not a base64 Ed25519 note key');
  }
  const raw = key.subarray(1);
  const keyId = noteKeyId(name, raw);
  if (hex8(keyId) !== idHex.toLowerCase()) throw malformedKey(`key id \`${idHex}\` does not match the key`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    throw malformedKey('the key is not a valid Ed25519 public key');
  }
  return Object.freeze({ name, keyId, publicKey });
}

/**
 * Signs `body` (the note text: non-empty, ending in a newline, no control characters
 * other than newline) and returns the signed note.
 *
 * @example
 * signNote('hello\n', signer); // 'hello\n\n— <name> <base64>\n'
 */
export function signNote(body: string, signer: NoteSigner): string {
  if (body.length === 0 || !body.endsWith('\n') || !isNoteText(body)) {
    throw new TypeError('a note body must be non-empty text ending in a newline, without control characters');
  }
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.keyId);
  const signature = sign(null, Buffer.from(body, 'utf8'), signer.privateKey);
  const blob = Buffer.concat([id, signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${signer.name} ${blob}\n`;
}

/**
 * Opens a signed note: returns its body when at least one signature is by a key among
 * `verifiers` and verifies. Signatures by other keys are ignored, as the spec requires.
 *
 * Throws `MALFORMED_NOTE` (not a signed note), `BAD_SIGNATURE` (a known key's signature
 * fails: the whole note is rejected) or `UNKNOWN_KEY` (no signature by a known key).
 *
 * @example
 * const { body } = verifyNote(text, parseVerifierKey(vkey));
 */
export function verifyNote(text: string, verifiers: NoteVerifier | readonly NoteVerifier[]): OpenedNote {
  const known: readonly NoteVerifier[] = Array.isArray(verifiers) ? verifiers : [verifiers as NoteVerifier];
  if (typeof text !== 'string' || Buffer.byteLength(text, 'utf8') > MAX_NOTE_BYTES) {
    throw malformedNote(`a note must be a string of at most \`${MAX_NOTE_BYTES}\` bytes`);
  }
  if (!isNoteText(text)) throw malformedNote('a note must be UTF-8 text without control characters other than newline');
  if (!text.endsWith('\n')) throw malformedNote('a note must end with a newline');
  // The text ends at the last blank line; everything after it is signatures.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw malformedNote('no blank line between the text and the signatures');
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformedNote(`more than \`${MAX_SIGNATURES}\` signatures`);

  const message = Buffer.from(body, 'utf8');
  const verifiedBy: OpenedNote['verifiedBy'] = [];
  for (const line of lines) {
    const { name, keyId, signature } = parseSignatureLine(line);
    const verifier = known.find((v) => v.name === name && v.keyId === keyId);
    if (verifier === undefined) continue;
    if (!verifyEd25519(message, verifier.publicKey, signature)) {
      throw auditError(AuditCodes.BAD_SIGNATURE, `signature by \`${name}+${hex8(keyId)}\` does not verify`);
    }
    if (!verifiedBy.some((v) => v.name === name && v.keyId === keyId)) verifiedBy.push({ name, keyId });
  }
  if (verifiedBy.length === 0) throw auditError(AuditCodes.UNKNOWN_KEY, 'no signature by a known key');
  return { body, verifiedBy };
}

function parseSignatureLine(line: string): { name: string; keyId: number; signature: Buffer } {
  if (!line.startsWith(SIGNATURE_PREFIX)) throw malformedNote('a signature line must start with `\u2014 `');
  const parts = line.slice(SIGNATURE_PREFIX.length).split(' ');
  const [name, encoded] = parts;
  if (parts.length !== 2 || name === undefined || !isValidName(name)) {
    throw malformedNote('a signature line is `\u2014 <key name> <base64>`');
  }
  const blob = decodeBase64(encoded ?? '');
  if (blob === undefined || blob.length < 5) throw malformedNote(`malformed signature by \`${name}\``);
  return { name, keyId: blob.readUInt32BE(0), signature: blob.subarray(4) };
}

function verifyEd25519(message: Buffer, publicKey: KeyObject, signature: Buffer): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

function rawEd25519(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
}

/** Standard padded base64, canonical (so one blob has exactly one spelling), or undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

// No Unicode space (JS `\s` covers every Zs), no `+`, no control character.
const isValidName = (name: string) => /^[^\s+\p{Cc}]+$/u.test(name);

// Control characters other than newline, and lone surrogates (no UTF-8 form).
const NOT_NOTE_TEXT = /[\u0000-\u0009\u000b-\u001f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isNoteText = (text: string) => !NOT_NOTE_TEXT.test(text);

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

function assertName(name: string): void {
  if (typeof name !== 'string' || !isValidName(name)) {
    throw new TypeError(`invalid note key name \`${String(name)}\`: non-empty, no spaces, no \`+\``);
  }
}

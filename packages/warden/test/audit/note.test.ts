import { describe, it, expect } from 'vitest';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { WardenError } from '../../src/errors.js';
import { createNoteSigner, parseVerifierKey, signNote, verifierKey, verifyNote } from '../../src/audit/note.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof WardenError ? err.code : `not a WardenError: ${String(err)}`;
  }
  return undefined;
}

// golang.org/x/mod/sumdb/note's published example (note.go package docs and note_test.go).
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY_B64 = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 ‖ Ed25519 seed
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const fromSeed = (seed: Buffer): KeyObject =>
  createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });

const goPrivate = fromSeed(Buffer.from(GO_SKEY_B64, 'base64').subarray(1));
const NAME = 'warden.example/audit';
const logKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const signer = createNoteSigner(NAME, logKey.privateKey);
const verifier = parseVerifierKey(verifierKey(NAME, logKey.publicKey));
const BODY = 'warden.example/audit\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n';
const signed = signNote(BODY, signer);

/** The signature line's base64 blob, decoded. */
const blobOf = (note: string) => Buffer.from(note.trimEnd().split(' ').at(-1)!, 'base64');
const withBlob = (note: string, blob: Buffer) => note.replace(/ [A-Za-z0-9+/=]+\n$/, ` ${blob.toString('base64')}\n`);

describe('signed notes: interoperability with Go’s sumdb/note', () => {
  it('derives the published key id and verifier key', () => {
    const goSigner = createNoteSigner('PeterNeumann', goPrivate);
    expect(goSigner.keyId.toString(16)).toBe('c74f20a3');
    expect(verifierKey('PeterNeumann', createPublicKey(goPrivate))).toBe(GO_VKEY);
  });

  it('signs the example text to the published note, byte for byte', () => {
    expect(signNote(GO_TEXT, createNoteSigner('PeterNeumann', goPrivate))).toBe(GO_NOTE);
  });

  it('opens the published note with the published verifier key', () => {
    expect(verifyNote(GO_NOTE, parseVerifierKey(GO_VKEY))).toEqual({
      body: GO_TEXT,
      verifiedBy: [{ name: 'PeterNeumann', keyId: 0xc74f20a3 }],
    });
  });

  it('accepts an upper-case key id in the verifier key, as Go does', () => {
    expect(parseVerifierKey(GO_VKEY.replace('c74f20a3', 'C74F20A3')).keyId).toBe(0xc74f20a3);
  });
});

describe('signed notes: round trip', () => {
  it('formats text, blank line, em-dash signature line', () => {
    expect(signed.startsWith(`${BODY}\n\u2014 ${NAME} `)).toBe(true);
    expect(blobOf(signed)).toHaveLength(4 + 64);
    expect(blobOf(signed).readUInt32BE(0)).toBe(signer.keyId);
  });

  it('opens with the verifier key', () => {
    expect(verifyNote(signed, verifier).body).toBe(BODY);
  });

  it('ignores signatures by keys it does not know (a cosigner)', () => {
    const cosigned = signed + signNote(BODY, createNoteSigner('witness.example', otherKey.privateKey)).slice(BODY.length + 1);
    expect(verifyNote(cosigned, verifier).verifiedBy).toEqual([{ name: NAME, keyId: signer.keyId }]);
  });

  it('accepts any of several verifiers (key rotation)', () => {
    const old = parseVerifierKey(verifierKey('warden.example/old', otherKey.publicKey));
    expect(verifyNote(signed, [old, verifier]).body).toBe(BODY);
  });
});

describe('signed notes: attacks', () => {
  it('tampered body is BAD_SIGNATURE', () => {
    expect(codeOf(() => verifyNote(signed.replace('\n8\n', '\n9\n'), verifier))).toBe('BAD_SIGNATURE');
  });

  it('tampered signature is BAD_SIGNATURE', () => {
    const blob = blobOf(signed);
    blob[10] = blob[10]! ^ 0x01;
    expect(codeOf(() => verifyNote(withBlob(signed, blob), verifier))).toBe('BAD_SIGNATURE');
  });

  it('truncated signature is BAD_SIGNATURE', () => {
    expect(codeOf(() => verifyNote(withBlob(signed, blobOf(signed).subarray(0, 40)), verifier))).toBe('BAD_SIGNATURE');
  });

  it('a signature by another key claiming the log key’s name and id is BAD_SIGNATURE', () => {
    const forged = signNote(BODY, { ...signer, privateKey: otherKey.privateKey });
    expect(codeOf(() => verifyNote(forged, verifier))).toBe('BAD_SIGNATURE');
  });

  it('a bad signature by the known key is rejected even when another known key verifies', () => {
    const blob = blobOf(signed);
    blob[20] = blob[20]! ^ 0x80;
    const second = createNoteSigner('warden.example/old', otherKey.privateKey);
    const both = withBlob(signed, blob) + signNote(BODY, second).slice(BODY.length + 1);
    const verifiers = [verifier, parseVerifierKey(verifierKey('warden.example/old', otherKey.publicKey))];
    expect(codeOf(() => verifyNote(both, verifiers))).toBe('BAD_SIGNATURE');
  });

  it('a note signed by another key under the same name is UNKNOWN_KEY', () => {
    const other = signNote(BODY, createNoteSigner(NAME, otherKey.privateKey));
    expect(codeOf(() => verifyNote(other, verifier))).toBe('UNKNOWN_KEY');
  });

  it('the right key under another name is UNKNOWN_KEY', () => {
    const renamed = signNote(BODY, createNoteSigner('evil.example/audit', logKey.privateKey));
    expect(codeOf(() => verifyNote(renamed, verifier))).toBe('UNKNOWN_KEY');
  });

  it('verifying with the wrong verifier key is UNKNOWN_KEY', () => {
    expect(codeOf(() => verifyNote(signed, parseVerifierKey(GO_VKEY)))).toBe('UNKNOWN_KEY');
  });

  it('an extra line after the signatures is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(`${signed}extra\n`, verifier))).toBe('MALFORMED_NOTE');
  });

  it('an extra blank line at the end is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(`${signed}\n`, verifier))).toBe('MALFORMED_NOTE');
  });

  it('a missing blank line before the signatures is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(signed.replace(`${BODY}\n`, BODY), verifier))).toBe('MALFORMED_NOTE');
  });

  it('a missing final newline is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(signed.slice(0, -1), verifier))).toBe('MALFORMED_NOTE');
  });

  it('no signature lines at all is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(`${BODY}\n`, verifier))).toBe('MALFORMED_NOTE');
  });

  it('CRLF line endings are MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(signed.replaceAll('\n', '\r\n'), verifier))).toBe('MALFORMED_NOTE');
  });

  it('a hyphen instead of the em dash is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(signed.replace('\u2014 ', '- '), verifier))).toBe('MALFORMED_NOTE');
  });

  it('a double space in the signature line is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(signed.replace(`${NAME} `, `${NAME}  `), verifier))).toBe('MALFORMED_NOTE');
  });

  it('non-canonical base64 in the signature is MALFORMED_NOTE', () => {
    const b64 = blobOf(signed).toString('base64');
    expect(codeOf(() => verifyNote(signed.replace(b64, b64.replace(/=+$/, '')), verifier))).toBe('MALFORMED_NOTE');
  });

  it('a signature shorter than a key id is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(withBlob(signed, Buffer.from([1, 2, 3, 4])), verifier))).toBe('MALFORMED_NOTE');
  });

  it('more than 100 signatures is MALFORMED_NOTE', () => {
    const line = signed.slice(BODY.length + 1);
    expect(codeOf(() => verifyNote(`${BODY}\n${line.repeat(101)}`, verifier))).toBe('MALFORMED_NOTE');
  });

  it('a control character in the text is MALFORMED_NOTE', () => {
    expect(codeOf(() => verifyNote(`a\u0000${signed}`, verifier))).toBe('MALFORMED_NOTE');
  });
});

describe('verifier keys', () => {
  it('round-trips name, key id and key', () => {
    const parsed = parseVerifierKey(verifierKey(NAME, logKey.publicKey));
    expect(parsed.name).toBe(NAME);
    expect(parsed.keyId).toBe(signer.keyId);
    expect(parsed.publicKey.equals(logKey.publicKey)).toBe(true);
  });

  it.each([
    ['no separators', 'PeterNeumann'],
    ['a missing key', 'PeterNeumann+c74f20a3'],
    ['an empty name', '+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['a short key id', 'PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['a key id that does not match the key', 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['a name that does not match the key id', 'PeterNeuman+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['another signature type', 'PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
    ['a truncated key', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy'],
    ['broken base64', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!'],
    ['a space in the name', 'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'],
  ])('%s is MALFORMED_KEY', (_name, vkey) => {
    expect(codeOf(() => parseVerifierKey(vkey))).toBe('MALFORMED_KEY');
  });
});

describe('signing misuse', () => {
  it('refuses a non-Ed25519 key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => createNoteSigner(NAME, privateKey)).toThrow(TypeError);
  });

  it('refuses a public key as the signing key', () => {
    expect(() => createNoteSigner(NAME, logKey.publicKey)).toThrow(TypeError);
  });

  it.each(['', 'has space', 'has+plus', 'tab\tname'])('refuses the key name %j', (name) => {
    expect(() => createNoteSigner(name, logKey.privateKey)).toThrow(TypeError);
  });

  it.each(['', 'no final newline', 'control \u0007\n'])('refuses the body %j', (body) => {
    expect(() => signNote(body, signer)).toThrow(TypeError);
  });
});

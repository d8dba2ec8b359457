import { describe, it, expect } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { WardenError } from '../../src/errors.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/audit/checkpoint.js';
import { createNoteSigner, parseVerifierKey, signNote, verifierKey } from '../../src/audit/note.js';
import { CT_ROOTS, hex } from './vectors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof WardenError ? err.code : `not a WardenError: ${String(err)}`;
  }
  return undefined;
}

const ORIGIN = 'warden.example/audit';
const ROOT8 = hex(CT_ROOTS[8]!);
const ROOT8_B64 = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
const BODY = `${ORIGIN}\n8\n${ROOT8_B64}\n`;

const logKey = generateKeyPairSync('ed25519');
const signer = createNoteSigner(ORIGIN, logKey.privateKey);
const verifier = parseVerifierKey(verifierKey(ORIGIN, logKey.publicKey));

describe('checkpoint body', () => {
  it('formats origin, decimal size and base64 root, one per line', () => {
    expect(formatCheckpoint({ origin: ORIGIN, size: 8, root: ROOT8 })).toBe(BODY);
  });

  it('formats the empty tree as size 0', () => {
    expect(formatCheckpoint({ origin: ORIGIN, size: 0, root: hex(CT_ROOTS[0]!) })).toBe(
      `${ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n`,
    );
  });

  it('parses what it formats', () => {
    expect(parseCheckpoint(BODY)).toEqual({ origin: ORIGIN, size: 8, root: ROOT8, extensions: [] });
  });

  it('parses the C2SP example checkpoint body', () => {
    const cp = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
  });

  it('keeps extension lines, in order', () => {
    const body = formatCheckpoint({ origin: ORIGIN, size: 8, root: ROOT8, extensions: ['x-one', 'x two'] });
    expect(body).toBe(`${BODY}x-one\nx two\n`);
    expect(parseCheckpoint(body).extensions).toEqual(['x-one', 'x two']);
  });

  it.each([
    ['a missing final newline', BODY.slice(0, -1)],
    ['a missing root line', `${ORIGIN}\n8\n`],
    ['an empty origin', `\n8\n${ROOT8_B64}\n`],
    ['an extra empty line', `${BODY}\n`],
    ['an empty line inside', `${ORIGIN}\n\n8\n${ROOT8_B64}\n`],
    ['a leading zero in the size', `${ORIGIN}\n08\n${ROOT8_B64}\n`],
    ['a signed size', `${ORIGIN}\n+8\n${ROOT8_B64}\n`],
    ['a negative size', `${ORIGIN}\n-8\n${ROOT8_B64}\n`],
    ['a size with spaces', `${ORIGIN}\n 8\n${ROOT8_B64}\n`],
    ['a hexadecimal size', `${ORIGIN}\n0x8\n${ROOT8_B64}\n`],
    ['a size past 2^53', `${ORIGIN}\n9007199254740993\n${ROOT8_B64}\n`],
    ['a 31-byte root', `${ORIGIN}\n8\n${ROOT8.subarray(1).toString('base64')}\n`],
    ['an unpadded root', `${ORIGIN}\n8\n${ROOT8_B64.slice(0, -1)}\n`],
    ['a base64url root', `${ORIGIN}\n8\n${ROOT8.toString('base64url')}=\n`],
    ['a hex root', `${ORIGIN}\n8\n${CT_ROOTS[8]}\n`],
    ['CRLF line endings', BODY.replaceAll('\n', '\r\n')],
  ])('rejects %s as MALFORMED_CHECKPOINT', (_name, body) => {
    expect(codeOf(() => parseCheckpoint(body))).toBe('MALFORMED_CHECKPOINT');
  });

  it.each([
    ['an origin with a newline', { origin: 'a\nb', size: 1, root: ROOT8 }],
    ['an empty origin', { origin: '', size: 1, root: ROOT8 }],
    ['a fractional size', { origin: ORIGIN, size: 1.5, root: ROOT8 }],
    ['a 31-byte root', { origin: ORIGIN, size: 1, root: ROOT8.subarray(1) }],
    ['an empty extension line', { origin: ORIGIN, size: 1, root: ROOT8, extensions: [''] }],
  ])('refuses to format %s (TypeError)', (_name, cp) => {
    expect(() => formatCheckpoint(cp)).toThrow(TypeError);
  });
});

describe('signed checkpoints', () => {
  const signed = signCheckpoint({ origin: ORIGIN, size: 8, root: ROOT8 }, signer);

  it('is the body signed as a note', () => {
    expect(signed.startsWith(`${BODY}\n\u2014 ${ORIGIN} `)).toBe(true);
  });

  it('opens to the checkpoint', () => {
    expect(openCheckpoint(signed, verifier, { origin: ORIGIN })).toEqual({
      origin: ORIGIN,
      size: 8,
      root: ROOT8,
      extensions: [],
    });
  });

  it('a changed tree size is BAD_SIGNATURE', () => {
    expect(codeOf(() => openCheckpoint(signed.replace('\n8\n', '\n9\n'), verifier))).toBe('BAD_SIGNATURE');
  });

  it('a changed root is BAD_SIGNATURE', () => {
    const other = hex(CT_ROOTS[7]!).toString('base64');
    expect(codeOf(() => openCheckpoint(signed.replace(ROOT8_B64, other), verifier))).toBe('BAD_SIGNATURE');
  });

  it('a checkpoint by another log key is UNKNOWN_KEY', () => {
    const other = generateKeyPairSync('ed25519');
    const forged = signCheckpoint({ origin: ORIGIN, size: 8, root: ROOT8 }, createNoteSigner(ORIGIN, other.privateKey));
    expect(codeOf(() => openCheckpoint(forged, verifier))).toBe('UNKNOWN_KEY');
  });

  it('a checkpoint of another origin is ORIGIN_MISMATCH', () => {
    const elsewhere = signCheckpoint({ origin: 'other.example/log', size: 8, root: ROOT8 }, signer);
    expect(codeOf(() => openCheckpoint(elsewhere, verifier, { origin: ORIGIN }))).toBe('ORIGIN_MISMATCH');
  });

  it('a validly signed note that is not a checkpoint is MALFORMED_CHECKPOINT', () => {
    const note = signNote(`${ORIGIN}\n8\n`, signer);
    expect(codeOf(() => openCheckpoint(note, verifier))).toBe('MALFORMED_CHECKPOINT');
  });
});

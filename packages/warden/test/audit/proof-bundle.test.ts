/** Offline inclusion proofs: a bundle verifies with the log key, every altered one does not. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';
import { signCheckpoint } from '../../src/audit/checkpoint.js';
import { leafHash } from '../../src/audit/merkle.js';
import { MemoryTree } from '../../src/audit/memory-tree.js';
import { createNoteSigner, verifierKey } from '../../src/audit/note.js';
import { verifyProofBundle, type ProofBundle } from '../../src/audit/proof-bundle.js';

const ORIGIN = 'audit.example.com/warden';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const VKEY = verifierKey(ORIGIN, publicKey);
const entries = Array.from({ length: 13 }, (_, index) => ({ v: 1, index, time: '2026-01-05T10:00:00.000Z', type: 't', actor: 'system', data: { index } }));
const tree = MemoryTree.from(entries.map((e) => leafHash(canonicalBytes(e))));
const checkpoint = signCheckpoint({ origin: ORIGIN, size: 13, root: tree.root() }, createNoteSigner(ORIGIN, privateKey));

function bundle(index: number): ProofBundle {
  return {
    index,
    treeSize: 13,
    leafHash: leafHash(canonicalBytes(entries[index])).toString('base64'),
    entry: entries[index],
    hashes: tree.inclusionProof(index, 13).map((h) => h.toString('base64')),
    checkpoint,
  };
}

describe('verifyProofBundle', () => {
  it.each([0, 5, 12])('accepts the bundle of entry %i', (index) => {
    expect(verifyProofBundle(bundle(index), VKEY)).toEqual({ ok: true, index, treeSize: 13, origin: ORIGIN });
  });

  it('accepts a bundle without the entry (leaf hash only)', () => {
    const { entry: _entry, ...rest } = bundle(3);
    expect(verifyProofBundle(rest, VKEY).ok).toBe(true);
  });

  const bad: Array<[string, (b: ProofBundle) => unknown]> = [
    ['the index moved by one', (b) => ({ ...b, index: b.index + 1, entry: undefined })],
    ['a changed entry', (b) => ({ ...b, entry: { ...(b.entry as object), actor: 'human:mallory' } })],
    ['an entry from another index', (b) => ({ ...b, entry: entries[b.index + 1] })],
    ['a hash removed', (b) => ({ ...b, hashes: b.hashes.slice(1) })],
    ['a hash added', (b) => ({ ...b, hashes: [...b.hashes, b.hashes[0]] })],
    ['a flipped hash', (b) => ({ ...b, hashes: [Buffer.alloc(32, 1).toString('base64'), ...b.hashes.slice(1)] })],
    ['a tree size that is not the checkpoint\'s', (b) => ({ ...b, treeSize: 12 })],
    ['a checkpoint signed by another key', (b) => ({ ...b, checkpoint: signCheckpoint({ origin: ORIGIN, size: 13, root: tree.root() }, createNoteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey)) })],
    ['a hash that is not base64', (b) => ({ ...b, hashes: ['!!', ...b.hashes.slice(1)] })],
    ['not an object', () => 'proof'],
    ['no checkpoint', (b) => ({ ...b, checkpoint: undefined })],
  ];
  it.each(bad)('rejects %s', (_name, alter) => {
    const result = verifyProofBundle(alter(bundle(5)), VKEY);
    expect(result.ok).toBe(false);
  });

  it('rejects a good bundle checked with another log key', () => {
    expect(verifyProofBundle(bundle(5), verifierKey(ORIGIN, generateKeyPairSync('ed25519').publicKey)).ok).toBe(false);
  });
});

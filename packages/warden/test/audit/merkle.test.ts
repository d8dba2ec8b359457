import { describe, it, expect } from 'vitest';
import { EMPTY_ROOT, leafHash, leafHashOfText, nodeHash, rootFromLeafHashes, largestPowerOfTwoBelow } from '../../src/audit/merkle.js';
import { CT_LEAVES, CT_NODES, CT_ROOTS } from './vectors.js';

const ctLeafHashes = CT_LEAVES.map(leafHash);

describe('RFC 6962 hashing', () => {
  it('the empty tree root is SHA-256 of the empty string', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(CT_ROOTS[0]);
    expect(rootFromLeafHashes([]).toString('hex')).toBe(CT_ROOTS[0]);
  });

  it.each(CT_LEAVES.map((leaf, i) => [i, leaf] as const))('leaf %i hashes to the reference leaf hash', (i, leaf) => {
    expect(leafHash(leaf).toString('hex')).toBe(CT_NODES[0]?.[i]);
  });

  it('node hash prefixes 0x01 to left and right', () => {
    expect(nodeHash(ctLeafHashes[0]!, ctLeafHashes[1]!).toString('hex')).toBe(CT_NODES[1]?.[0]);
  });

  it('a leaf and a node over the same bytes hash apart', () => {
    const a = ctLeafHashes[0]!;
    const b = ctLeafHashes[1]!;
    expect(leafHash(Buffer.concat([a, b])).equals(nodeHash(a, b))).toBe(false);
  });

  it.each(CT_ROOTS.map((root, size) => [size, root] as const))(
    'the root of the first %i reference leaves is the published one',
    (size, root) => {
      expect(rootFromLeafHashes(ctLeafHashes.slice(0, size)).toString('hex')).toBe(root);
    },
  );

  it('returns a copy, not the caller’s buffer, for a one-leaf tree', () => {
    const only = leafHash(Buffer.from('x'));
    const root = rootFromLeafHashes([only]);
    expect(root.equals(only)).toBe(true);
    root[0] = root[0]! ^ 1;
    expect(root.equals(only)).toBe(false);
  });

  it.each([
    [2, 1],
    [3, 2],
    [4, 2],
    [5, 4],
    [8, 4],
    [9, 8],
    [2 ** 40 + 1, 2 ** 40],
    [2 ** 52, 2 ** 51],
  ])('splits %i leaves at %i', (n, k) => {
    expect(largestPowerOfTwoBelow(n)).toBe(k);
  });
});

describe('leafHashOfText', () => {
  it.each(['', 'a', '{"s":"€😀"}', 'x'.repeat(10_000)])('is leafHash of the UTF-8 bytes of %j', (text) => {
    expect(leafHashOfText(text).equals(leafHash(Buffer.from(text, 'utf8')))).toBe(true);
  });
});

import { describe, it, expect } from 'vitest';
import { WardenError } from '../../src/errors.js';
import { leafHash, rootFromLeafHashes } from '../../src/audit/merkle.js';
import { MemoryTree } from '../../src/audit/memory-tree.js';
import {
  completedNodes,
  completedNodesForBatch,
  consistencyProof,
  inclusionProof,
  rootAt,
} from '../../src/audit/tree.js';
import type { HashReader, TreeNode } from '../../src/audit/tree.js';
import {
  CT_CONSISTENCY,
  CT_INCLUSION,
  CT_LEAVES,
  CT_NODES,
  CT_ROOTS,
  referenceConsistency,
  referencePath,
  syntheticLeaves,
} from './vectors.js';

const hexes = (hashes: readonly Buffer[]) => hashes.map((h) => h.toString('hex'));
const ceilLog2 = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));
const popcount = (n: number) => n.toString(2).split('').filter((d) => d === '1').length;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof WardenError ? err.code : `not a WardenError: ${String(err)}`;
  }
  return undefined;
}

/** Wraps a reader and counts the stored hashes it is asked for. */
class CountingReader implements HashReader {
  reads = 0;
  constructor(private readonly inner: HashReader) {}
  getNode(level: number, index: number): Buffer | undefined {
    this.reads += 1;
    return this.inner.getNode(level, index);
  }
}

/**
 * A tree of any size without its data: every complete subtree "exists" (same dummy
 * hash), every incomplete one is missing. Lets read counts and index arithmetic be
 * checked at sizes far past what fits in memory, and proves only complete nodes are read.
 */
const virtualTree = (size: number): HashReader => {
  const dummy = Buffer.alloc(32, 7);
  return { getNode: (level, index) => ((index + 1) * 2 ** level <= size ? dummy : undefined) };
};

const ctTree = MemoryTree.from(CT_LEAVES.map(leafHash));
const LEAVES = syntheticLeaves(70);
const tree70 = MemoryTree.from(LEAVES);

describe('MemoryTree on the Certificate Transparency reference tree', () => {
  it.each(CT_ROOTS.map((root, size) => [size, root] as const))('root at size %i is the reference root', (size, root) => {
    expect(ctTree.root(size).toString('hex')).toBe(root);
  });

  it('stores exactly the reference complete-subtree hashes', () => {
    const stored = CT_NODES.map((level, l) => level.map((_, i) => ctTree.getNode(l, i)?.toString('hex')));
    expect(stored).toEqual(CT_NODES);
    expect(ctTree.getNode(0, 8)).toBeUndefined();
    expect(ctTree.getNode(4, 0)).toBeUndefined();
  });

  it.each(CT_INCLUSION)('serves the reference inclusion proof of leaf $index in size $size', ({ index, size, proof }) => {
    expect(hexes(ctTree.inclusionProof(index, size))).toEqual(proof);
  });

  it.each(CT_CONSISTENCY)('serves the reference consistency proof $from → $to', ({ from, to, proof }) => {
    expect(hexes(ctTree.consistencyProof(from, to))).toEqual(proof);
  });
});

describe('proofs from stored subtrees equal RFC 9162 PATH and PROOF', () => {
  it('every inclusion proof of every size 1..70, served from the 70-leaf tree', () => {
    const mismatches: string[] = [];
    for (let n = 1; n <= 70; n++) {
      for (let i = 0; i < n; i++) {
        const want = hexes(referencePath(i, LEAVES.slice(0, n)));
        if (JSON.stringify(hexes(tree70.inclusionProof(i, n))) !== JSON.stringify(want)) mismatches.push(`${i}/${n}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('every consistency proof 1 <= m < n <= 70', () => {
    const mismatches: string[] = [];
    for (let n = 2; n <= 70; n++) {
      for (let m = 1; m < n; m++) {
        const want = hexes(referenceConsistency(m, LEAVES.slice(0, n)));
        if (JSON.stringify(hexes(tree70.consistencyProof(m, n))) !== JSON.stringify(want)) mismatches.push(`${m}→${n}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('consistency proofs from 0 and to the same size are empty', () => {
    expect(tree70.consistencyProof(0, 70)).toEqual([]);
    expect(tree70.consistencyProof(33, 33)).toEqual([]);
    expect(tree70.consistencyProof(0, 0)).toEqual([]);
  });

  it('every root at sizes 0..70', () => {
    for (let n = 0; n <= 70; n++) expect(tree70.root(n).equals(rootFromLeafHashes(LEAVES.slice(0, n)))).toBe(true);
  });
});

describe('incremental appends (completedNodes)', () => {
  it('each append returns the leaf and every subtree it completes, equal to recomputation', () => {
    const leaves = syntheticLeaves(150);
    const tree = new MemoryTree();
    const wrong: string[] = [];
    leaves.forEach((leaf, n) => {
      const nodes = completedNodes(n, leaf, tree);
      const trailingOnes = n.toString(2).length - n.toString(2).replace(/1+$/, '').length;
      if (nodes.length !== 1 + trailingOnes) wrong.push(`append ${n}: ${nodes.length} nodes`);
      for (const { level, index, hash } of nodes) {
        const scratch = rootFromLeafHashes(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));
        if (!hash.equals(scratch) || (index + 1) * 2 ** level !== n + 1) wrong.push(`append ${n}: node ${level}/${index}`);
      }
      tree.put(nodes);
    });
    expect(wrong).toEqual([]);
  });

  it('after 150 appends exactly the complete subtrees are stored, each equal to recomputation', () => {
    const leaves = syntheticLeaves(150);
    const tree = MemoryTree.from(leaves);
    for (let level = 0; level <= 8; level++) {
      const width = 2 ** level;
      const count = Math.floor(150 / width);
      for (let index = 0; index < count; index++) {
        const scratch = rootFromLeafHashes(leaves.slice(index * width, (index + 1) * width));
        expect(tree.getNode(level, index)?.equals(scratch)).toBe(true);
      }
      expect(tree.getNode(level, count)).toBeUndefined();
    }
  });

  it('a batch yields the same nodes as appending one by one, reading only older nodes from the store', () => {
    const leaves = syntheticLeaves(66);
    const base = MemoryTree.from(leaves.slice(0, 37));
    const seen: string[] = [];
    const store: HashReader = {
      getNode: (level, index) => {
        seen.push(`${level}/${index}`);
        return base.getNode(level, index);
      },
    };
    const batch = completedNodesForBatch(37, leaves.slice(37), store);

    const oneByOne = MemoryTree.from(leaves.slice(0, 37));
    const expected: TreeNode[] = [];
    for (let n = 37; n < 66; n++) {
      const nodes = completedNodes(n, leaves[n]!, oneByOne);
      oneByOne.put(nodes);
      expected.push(...nodes);
    }
    expect(batch).toEqual(expected);
    // Every store read is of a subtree that was complete before the batch.
    expect(seen.every((key) => {
      const [level, index] = key.split('/').map(Number) as [number, number];
      return (index + 1) * 2 ** level <= 37;
    })).toBe(true);
    base.put(batch);
    expect(base.root().equals(rootFromLeafHashes(leaves))).toBe(true);
  });

  it('fails with NODE_MISSING when a left sibling is not stored', () => {
    const empty: HashReader = { getNode: () => undefined };
    expect(codeOf(() => completedNodes(1, leafHash(Buffer.from('x')), empty))).toBe('NODE_MISSING');
  });

  it('rejects a leaf hash that is not 32 bytes', () => {
    expect(() => completedNodes(0, Buffer.alloc(31), new MemoryTree())).toThrow(TypeError);
  });

  it('MemoryTree refuses nodes out of order', () => {
    const tree = MemoryTree.from(syntheticLeaves(3));
    expect(() => tree.put([{ level: 0, index: 5, hash: Buffer.alloc(32) }])).toThrow(TypeError);
    expect(() => tree.put([{ level: 3, index: 0, hash: Buffer.alloc(32) }])).toThrow(TypeError);
  });

  it('MemoryTree hands out copies', () => {
    const tree = MemoryTree.from(syntheticLeaves(4));
    const proof = tree.inclusionProof(0);
    proof[0]![0] = proof[0]![0]! ^ 0xff;
    expect(tree.inclusionProof(0)[0]?.equals(proof[0]!)).toBe(false);
  });
});

describe('proof requests outside the tree', () => {
  it('inclusion of index = tree size is OUT_OF_RANGE', () => {
    expect(codeOf(() => tree70.inclusionProof(70, 70))).toBe('OUT_OF_RANGE');
  });

  it('inclusion in an empty tree is OUT_OF_RANGE', () => {
    expect(codeOf(() => inclusionProof(0, 0, tree70))).toBe('OUT_OF_RANGE');
  });

  it('consistency from a larger to a smaller size is OUT_OF_RANGE', () => {
    expect(codeOf(() => tree70.consistencyProof(9, 8))).toBe('OUT_OF_RANGE');
  });

  it('a tree size past the stored tree is NODE_MISSING (root)', () => {
    expect(codeOf(() => rootAt(71, tree70))).toBe('NODE_MISSING');
  });

  it('a tree size past the stored tree is NODE_MISSING (inclusion)', () => {
    expect(codeOf(() => inclusionProof(3, 72, tree70))).toBe('NODE_MISSING');
  });

  it('a tree size past the stored tree is NODE_MISSING (consistency)', () => {
    expect(codeOf(() => consistencyProof(3, 128, tree70))).toBe('NODE_MISSING');
  });

  it.each([-1, 1.5, Number.NaN, 2 ** 53])('a size of %s is a TypeError', (bad) => {
    expect(() => rootAt(bad, tree70)).toThrow(TypeError);
    expect(() => inclusionProof(0, bad, tree70)).toThrow(TypeError);
    expect(() => consistencyProof(0, bad, tree70)).toThrow(TypeError);
  });
});

describe('reads are O(log n)', () => {
  it('a root reads one stored hash per one bit of the size', () => {
    for (let n = 1; n <= 300; n++) {
      const reader = new CountingReader(virtualTree(n));
      rootAt(n, reader);
      expect(reader.reads).toBe(popcount(n));
    }
  });

  it('an inclusion proof reads at most 2·ceil(log2 n) hashes, every index of every size to 300', () => {
    const over: string[] = [];
    for (let n = 1; n <= 300; n++) {
      const reader = new CountingReader(virtualTree(n));
      for (let i = 0; i < n; i++) {
        reader.reads = 0;
        inclusionProof(i, n, reader);
        if (reader.reads > 2 * ceilLog2(n)) over.push(`${i}/${n}: ${reader.reads}`);
      }
    }
    expect(over).toEqual([]);
  });

  it('a consistency proof reads at most 2·ceil(log2 n) hashes, every pair to 200', () => {
    const over: string[] = [];
    for (let n = 1; n <= 200; n++) {
      const reader = new CountingReader(virtualTree(n));
      for (let m = 0; m <= n; m++) {
        reader.reads = 0;
        consistencyProof(m, n, reader);
        if (reader.reads > 2 * ceilLog2(n)) over.push(`${m}→${n}: ${reader.reads}`);
      }
    }
    expect(over).toEqual([]);
  });

  it.each([2 ** 31 + 5, 2 ** 40 + 12_345, 2 ** 53 - 1])(
    'at size %i proofs read only complete subtrees, within the same bound',
    (n) => {
      const reader = new CountingReader(virtualTree(n));
      const picks = [0, 1, 2 ** 31 - 1, 2 ** 31, Math.floor(n / 2), n - 2, n - 1];
      for (const i of picks) {
        reader.reads = 0;
        expect(inclusionProof(i, n, reader).length).toBeLessThanOrEqual(ceilLog2(n));
        expect(reader.reads).toBeLessThanOrEqual(2 * ceilLog2(n));
        reader.reads = 0;
        consistencyProof(i + 1, n, reader);
        expect(reader.reads).toBeLessThanOrEqual(2 * ceilLog2(n));
      }
      reader.reads = 0;
      rootAt(n, reader);
      expect(reader.reads).toBe(popcount(n));
    },
  );
});

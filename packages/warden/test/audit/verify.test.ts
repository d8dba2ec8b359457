/**
 * The proof verifiers, from the attacker's side: every honest proof of many tree sizes
 * verifies, and each kind of tampering (one `it` per kind, applied to every proof) fails.
 * The tampering table follows transparency-dev/merkle's corruptInclusionProof and
 * corruptConsistencyProof.
 */
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { EMPTY_ROOT, leafHash } from '../../src/audit/merkle.js';
import { MemoryTree } from '../../src/audit/memory-tree.js';
import { verifyConsistency, verifyInclusion } from '../../src/audit/verify.js';
import { CT_CONSISTENCY, CT_INCLUSION, CT_LEAVES, CT_ROOTS, hex, syntheticLeaves } from './vectors.js';

interface InclusionCase {
  tree: MemoryTree;
  leaf: Buffer;
  index: number;
  size: number;
  proof: Buffer[];
  root: Buffer;
}
interface ConsistencyCase {
  m: number;
  n: number;
  proof: Buffer[];
  rootM: Buffer;
  rootN: Buffer;
}

const SOME_HASH = createHash('sha256').update('not a node of any tree here').digest();
const flipBit = (h: Buffer, bit: number) => {
  const copy = Buffer.from(h);
  copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
  return copy;
};
const replaceAt = <T>(list: readonly T[], at: number, value: T) => list.map((x, i) => (i === at ? value : x));

// ---- the honest proofs -------------------------------------------------------------

const ctTree = MemoryTree.from(CT_LEAVES.map(leafHash));
const leaves70 = syntheticLeaves(70);
const tree70 = MemoryTree.from(leaves70);
const BIG = 65_537;
const leavesBig = syntheticLeaves(BIG);
const treeBig = MemoryTree.from(leavesBig);
const bigPicks = [0, 1, 2, 1023, 1024, 32_767, 32_768, 40_000, 65_534, 65_535, 65_536];

function inclusionCase(tree: MemoryTree, leaves: Buffer[], index: number, size: number): InclusionCase {
  return { tree, leaf: leaves[index]!, index, size, proof: tree.inclusionProof(index, size), root: tree.root(size) };
}
function consistencyCase(tree: MemoryTree, m: number, n: number): ConsistencyCase {
  return { m, n, proof: tree.consistencyProof(m, n), rootM: tree.root(m), rootN: tree.root(n) };
}

const inclusionCases: InclusionCase[] = [
  ...CT_INCLUSION.map(({ index, size, proof }) => ({
    tree: ctTree,
    leaf: leafHash(CT_LEAVES[index]!),
    index,
    size,
    proof: proof.map(hex),
    root: hex(CT_ROOTS[size]!),
  })),
];
for (let n = 1; n <= 70; n++) for (let i = 0; i < n; i++) inclusionCases.push(inclusionCase(tree70, leaves70, i, n));
for (const n of [1024, 1025, 4097, BIG]) {
  for (const i of bigPicks.filter((i) => i < n)) inclusionCases.push(inclusionCase(treeBig, leavesBig, i, n));
}

const consistencyCases: ConsistencyCase[] = CT_CONSISTENCY.map(({ from, to, proof }) => ({
  m: from,
  n: to,
  proof: proof.map(hex),
  rootM: hex(CT_ROOTS[from]!),
  rootN: hex(CT_ROOTS[to]!),
}));
for (let n = 2; n <= 70; n++) for (let m = 1; m < n; m++) consistencyCases.push(consistencyCase(tree70, m, n));
for (const n of [1024, 1025, 4097, BIG]) {
  for (const m of bigPicks.filter((m) => m > 0 && m < n)) consistencyCases.push(consistencyCase(treeBig, m, n));
}

// ---- honest proofs verify ------------------------------------------------------------

describe('honest proofs verify', () => {
  it.each(CT_INCLUSION)('the reference inclusion proof of leaf $index in size $size', ({ index, size, proof }) => {
    expect(verifyInclusion(leafHash(CT_LEAVES[index]!), index, size, proof.map(hex), hex(CT_ROOTS[size]!))).toBe(true);
  });

  it.each(CT_CONSISTENCY)('the reference consistency proof $from → $to', ({ from, to, proof }) => {
    expect(verifyConsistency(from, to, proof.map(hex), hex(CT_ROOTS[from]!), hex(CT_ROOTS[to]!))).toBe(true);
  });

  it(`every inclusion proof of sizes 1..70 and of large trees (${inclusionCases.length})`, () => {
    const failed = inclusionCases.filter((c) => !verifyInclusion(c.leaf, c.index, c.size, c.proof, c.root));
    expect(failed.map((c) => `${c.index}/${c.size}`)).toEqual([]);
  });

  it(`every consistency proof 1 <= m < n <= 70 and of large trees (${consistencyCases.length})`, () => {
    const failed = consistencyCases.filter((c) => !verifyConsistency(c.m, c.n, c.proof, c.rootM, c.rootN));
    expect(failed.map((c) => `${c.m}→${c.n}`)).toEqual([]);
  });

  it('the CT reference tree: every inclusion proof of every size 1..8', () => {
    for (let n = 1; n <= 8; n++) {
      for (let i = 0; i < n; i++) {
        const proof = ctTree.inclusionProof(i, n);
        expect(verifyInclusion(leafHash(CT_LEAVES[i]!), i, n, proof, hex(CT_ROOTS[n]!))).toBe(true);
      }
    }
  });

  it('a one-leaf tree: the leaf hash is the root and the proof is empty', () => {
    const leaf = leafHash(Buffer.from('data'));
    expect(verifyInclusion(leaf, 0, 1, [], leaf)).toBe(true);
  });

  it('consistency to the same size holds with equal roots and no proof', () => {
    expect(verifyConsistency(5, 5, [], tree70.root(5), tree70.root(5))).toBe(true);
  });

  it('consistency from the empty tree holds with the empty root and no proof', () => {
    expect(verifyConsistency(0, 9, [], EMPTY_ROOT, tree70.root(9))).toBe(true);
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(true);
  });
});

// ---- tampered inclusion proofs -------------------------------------------------------

type Attack<C> = (c: C) => C[];

const inclusionAttacks: [string, Attack<InclusionCase>][] = [
  ['leaf index + 1', (c) => [{ ...c, index: c.index + 1 }]],
  ['leaf index - 1', (c) => [{ ...c, index: c.index - 1 }]],
  ['leaf index xor 2', (c) => [{ ...c, index: c.index ^ 2 }]],
  ['tree size doubled', (c) => [{ ...c, size: c.size * 2 }]],
  ['tree size halved', (c) => [{ ...c, size: Math.floor(c.size / 2) }]],
  ['wrong leaf', (c) => [{ ...c, leaf: leafHash(Buffer.from('never appended')) }]],
  ['leaf given as its data hashed without the 0x00 prefix', (c) => [{ ...c, leaf: createHash('sha256').update(c.leaf).digest() }]],
  ['random root', (c) => [{ ...c, root: SOME_HASH }]],
  ['empty-tree root', (c) => [{ ...c, root: EMPTY_ROOT }]],
  ['a hash appended', (c) => [{ ...c, proof: [...c.proof, SOME_HASH] }]],
  ['the root appended', (c) => [{ ...c, proof: [...c.proof, c.root] }]],
  ['a hash prepended', (c) => [{ ...c, proof: [SOME_HASH, ...c.proof] }]],
  ['the root prepended', (c) => [{ ...c, proof: [c.root, ...c.proof] }]],
  ['a hash inserted after the first', (c) => (c.proof.length > 1 ? [{ ...c, proof: [c.proof[0]!, SOME_HASH, ...c.proof.slice(1)] }] : [])],
  ['first hash removed', (c) => (c.proof.length > 0 ? [{ ...c, proof: c.proof.slice(1) }] : [])],
  ['last hash removed', (c) => (c.proof.length > 0 ? [{ ...c, proof: c.proof.slice(0, -1) }] : [])],
  ['first two hashes swapped', (c) => (c.proof.length > 1 ? [{ ...c, proof: [c.proof[1]!, c.proof[0]!, ...c.proof.slice(2)] }] : [])],
  ['one bit flipped, in each hash in turn', (c) => c.proof.map((h, i) => ({ ...c, proof: replaceAt(c.proof, i, flipBit(h, 3 + i)) }))],
  ['a hash cut to 31 bytes', (c) => (c.proof.length > 0 ? [{ ...c, proof: replaceAt(c.proof, 0, c.proof[0]!.subarray(1)) }] : [])],
  ['the proof of the neighbouring leaf', (c) => {
    if (c.size < 2) return [];
    const other = c.index + 1 < c.size ? c.index + 1 : c.index - 1;
    return [{ ...c, proof: c.tree.inclusionProof(other, c.size) }];
  }],
];

describe('tampered inclusion proofs are rejected', () => {
  it.each(inclusionAttacks)('%s', (_name, attack) => {
    const probes = inclusionCases.flatMap(attack);
    expect(probes.length).toBeGreaterThan(0);
    const accepted = probes.filter((p) => verifyInclusion(p.leaf, p.index, p.size, p.proof, p.root));
    expect(accepted.map((p) => `${p.index}/${p.size}`)).toEqual([]);
  });
});

// ---- tampered consistency proofs -----------------------------------------------------

const consistencyAttacks: [string, Attack<ConsistencyCase>][] = [
  ['old size - 1', (c) => [{ ...c, m: c.m - 1 }]],
  ['old size + 1', (c) => [{ ...c, m: c.m + 1 }]],
  ['old size xor 2', (c) => [{ ...c, m: c.m ^ 2 }]],
  ['new size doubled', (c) => [{ ...c, n: c.n * 2 }]],
  ['new size halved', (c) => [{ ...c, n: Math.floor(c.n / 2) }]],
  ['sizes swapped', (c) => [{ ...c, m: c.n, n: c.m }]],
  ['wrong old root', (c) => [{ ...c, rootM: SOME_HASH }]],
  ['wrong new root', (c) => [{ ...c, rootN: SOME_HASH }]],
  ['roots swapped', (c) => [{ ...c, rootM: c.rootN, rootN: c.rootM }]],
  ['old root given as the new root', (c) => [{ ...c, rootN: c.rootM }]],
  ['empty proof', (c) => [{ ...c, proof: [] }]],
  ['a hash appended', (c) => [{ ...c, proof: [...c.proof, SOME_HASH] }]],
  ['the old root appended', (c) => [{ ...c, proof: [...c.proof, c.rootM] }]],
  ['the new root appended', (c) => [{ ...c, proof: [...c.proof, c.rootN] }]],
  ['a hash prepended', (c) => [{ ...c, proof: [SOME_HASH, ...c.proof] }]],
  ['the old root prepended', (c) => [{ ...c, proof: [c.rootM, ...c.proof] }]],
  ['the new root prepended', (c) => [{ ...c, proof: [c.rootN, ...c.proof] }]],
  ['the first hash repeated', (c) => [{ ...c, proof: [c.proof[0]!, ...c.proof] }]],
  ['first hash removed', (c) => [{ ...c, proof: c.proof.slice(1) }]],
  ['last hash removed', (c) => [{ ...c, proof: c.proof.slice(0, -1) }]],
  ['a hash inserted after the first', (c) => [{ ...c, proof: [c.proof[0]!, SOME_HASH, ...c.proof.slice(1)] }]],
  ['one bit flipped, in each hash in turn', (c) => c.proof.map((h, i) => ({ ...c, proof: replaceAt(c.proof, i, flipBit(h, 4 + i)) }))],
  ['a hash cut to 31 bytes', (c) => [{ ...c, proof: replaceAt(c.proof, 0, c.proof[0]!.subarray(1)) }]],
];

describe('tampered consistency proofs are rejected', () => {
  it.each(consistencyAttacks)('%s', (_name, attack) => {
    const probes = consistencyCases.flatMap(attack);
    expect(probes.length).toBeGreaterThan(0);
    const accepted = probes.filter((p) => verifyConsistency(p.m, p.n, p.proof, p.rootM, p.rootN));
    expect(accepted.map((p) => `${p.m}→${p.n}`)).toEqual([]);
  });

  it('a proof between two different logs of the same sizes', () => {
    const other = MemoryTree.from(syntheticLeaves(70).map((h) => leafHash(h)));
    expect(verifyConsistency(20, 50, tree70.consistencyProof(20, 50), other.root(20), other.root(50))).toBe(false);
  });

  it('a fork: the new tree rewrote an old leaf', () => {
    const forked = MemoryTree.from(replaceAt(leaves70, 3, SOME_HASH));
    expect(verifyConsistency(20, 50, forked.consistencyProof(20, 50), tree70.root(20), forked.root(50))).toBe(false);
  });
});

// ---- edge inputs (transparency-dev's TestVerifyInclusion / TestVerifyConsistency) -----

describe('edge inputs are rejected without throwing', () => {
  const leaf = leafHash(Buffer.from('data'));

  it.each([
    [0, 0],
    [1, 1],
    [2, 1],
    [0, 1],
  ])('inclusion of index %i in size %i with an empty proof and the wrong root', (index, size) => {
    expect(verifyInclusion(SOME_HASH, index, size, [], EMPTY_ROOT)).toBe(false);
  });

  it.each([
    ['a 0-byte leaf', Buffer.alloc(0), leaf],
    ['a 0-byte root', leaf, Buffer.alloc(0)],
    ['a 33-byte root', leaf, Buffer.concat([leaf, Buffer.alloc(1)])],
  ])('inclusion with %s', (_name, l, root) => {
    expect(verifyInclusion(l, 0, 1, [], root)).toBe(false);
  });

  it.each([-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('inclusion with index or size %s', (bad) => {
    expect(verifyInclusion(leaf, bad, 1, [], leaf)).toBe(false);
    expect(verifyInclusion(leaf, 0, bad, [], leaf)).toBe(false);
  });

  it('inclusion with a proof that is not an array', () => {
    expect(verifyInclusion(leaf, 0, 1, 'nope' as unknown as Buffer[], leaf)).toBe(false);
  });

  it.each([
    ['0 → 0 with different roots', 0, 0, [], SOME_HASH, EMPTY_ROOT],
    ['1 → 1 with different roots', 1, 1, [], SOME_HASH, leaf],
    ['0 → 0 with a non-empty proof', 0, 0, [EMPTY_ROOT], EMPTY_ROOT, EMPTY_ROOT],
    ['1 → 1 with a non-empty proof', 1, 1, [leaf], leaf, leaf],
    ['0 → 1 with a non-empty proof', 0, 1, [EMPTY_ROOT], EMPTY_ROOT, leaf],
    ['0 → 5 from a root that is not the empty root', 0, 5, [], SOME_HASH, leaf],
    ['1 → 0 (back in time)', 1, 0, [], leaf, EMPTY_ROOT],
    ['2 → 1 (back in time)', 2, 1, [], leaf, leaf],
    ['1 → 2 with an empty proof', 1, 2, [], leaf, SOME_HASH],
    ['-1 → 2', -1, 2, [leaf], leaf, SOME_HASH],
    ['1.5 → 2', 1.5, 2, [leaf], leaf, SOME_HASH],
  ] as const)('consistency %s', (_name, m, n, proof, rootM, rootN) => {
    expect(verifyConsistency(m, n, [...proof], rootM, rootN)).toBe(false);
  });
});

/**
 * Proof verification as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency)
 * specify it, step for step: the public API an auditor runs on what a Warden server (or
 * anyone else) hands them.
 *
 * Every input may come from an attacker, so nothing here throws: a wrong size, a hash of
 * the wrong length or a malformed proof is simply `false`. Sizes are doubles, so the
 * RFC's bit operations are done with arithmetic (bit operators stop at 2^31).
 */
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './merkle.js';

/**
 * Checks that `leafHash` is leaf `index` of the tree of `treeSize` leaves whose root is
 * `root`, by the RFC 9162 §2.1.3.2 algorithm.
 *
 * @example
 * verifyInclusion(leafHash(bytes), 5, 8, proof, root8); // true or false
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isCount(index) || !isCount(treeSize) || !isHash(leafHash) || !isHash(root)) return false;
  if (!Array.isArray(proof) || !proof.every(isHash)) return false;
  // 1. The leaf must be inside the tree.
  if (index >= treeSize) return false;
  // 2-3. fn walks the leaf's position up, sn the last leaf's.
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  // 4. Fold the path in, on the side the position says.
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // On the right edge a node with no right sibling moves up unhashed.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 5. The path must reach the root exactly and give the root.
  return sn === 0 && equal(r, root);
}

/**
 * Checks that the tree of `m` leaves with root `rootM` is a prefix of the tree of `n`
 * leaves with root `rootN`, by the RFC 9162 §2.1.4.2 algorithm.
 *
 * The RFC defines proofs for 0 < m < n only. The two edges are settled here without a
 * proof: m = n holds iff the roots are equal, m = 0 iff `rootM` is the empty-tree root;
 * either way the proof must be empty.
 *
 * @example
 * verifyConsistency(previous.size, latest.size, proof, previous.root, latest.root);
 */
export function verifyConsistency(
  m: number,
  n: number,
  proof: readonly Uint8Array[],
  rootM: Uint8Array,
  rootN: Uint8Array,
): boolean {
  if (!isCount(m) || !isCount(n) || !isHash(rootM) || !isHash(rootN)) return false;
  if (!Array.isArray(proof) || !proof.every(isHash)) return false;
  if (m > n) return false;
  if (m === n) return proof.length === 0 && equal(rootM, rootN);
  if (m === 0) return proof.length === 0 && equal(rootM, EMPTY_ROOT);
  // 1. A non-trivial proof is never empty.
  if (proof.length === 0) return false;
  // 2. When the old tree is one complete subtree, its root is the proof's first node.
  const path: readonly Uint8Array[] = isPowerOfTwo(m) ? [rootM, ...proof] : proof;
  // 3-4. Start from the lowest node the two trees share: skip the right-edge levels.
  let fn = m - 1;
  let sn = n - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. fr rebuilds the old root, sr the new one, from the same starting node.
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // 6. Fold the rest in.
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 7. Both roots must come out, and the path must be used up exactly.
  return sn === 0 && equal(fr, rootM) && equal(sr, rootN);
}

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;
const isOdd = (x: number) => x % 2 === 1;
const half = (x: number) => Math.floor(x / 2);
const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

function isPowerOfTwo(x: number): boolean {
  let p = 1;
  while (p < x) p *= 2;
  return p === x;
}

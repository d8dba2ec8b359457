/**
 * The log's Merkle tree over stored complete-subtree hashes: what the appender persists
 * as leaves arrive, and roots and RFC 9162 proofs that read O(log n) of those hashes.
 *
 * Storage model: node (level L, index i) is the hash of the complete subtree over leaves
 * [i·2^L, (i+1)·2^L). Once written it never changes, because later leaves never fall
 * inside it. Every subtree of the RFC tree of any size n is either such a node or a
 * "ragged" right edge [a, n) whose start a is aligned; the ragged range's hash is the
 * right fold of the complete nodes its size's binary digits select (at most log2 n + 1).
 *
 * The reader is synchronous because the SQLite store (better-sqlite3) is; the in-memory
 * implementation is `MemoryTree`.
 */
import { HASH_SIZE, EMPTY_ROOT, largestPowerOfTwoBelow, nodeHash } from './merkle.js';
import { nodeMissing, outOfRange } from './errors.js';

/** Reads stored complete-subtree hashes. */
export interface HashReader {
  /**
   * The hash of the complete subtree at `level` covering leaves
   * [index·2^level, (index+1)·2^level); `level` 0 is the leaf hash. `undefined` when the
   * subtree is not complete (or not stored).
   */
  getNode(level: number, index: number): Buffer | undefined;
}

/** One complete-subtree hash to persist. */
export interface TreeNode {
  level: number;
  index: number;
  hash: Buffer;
}

/**
 * The complete subtrees that appending leaf `leafIndex` finishes, bottom-up: the leaf
 * itself (level 0), then each parent whose right edge the leaf is. That is 1 + the number
 * of trailing one bits of `leafIndex` nodes, at most log2 n + 1, computed by reading the
 * left siblings, which earlier appends stored.
 *
 * The tree must hold exactly `leafIndex` leaves. Throws `NODE_MISSING` if a left sibling
 * is absent (a damaged or out-of-order store).
 *
 * @example
 * for (const node of completedNodes(size, leafHash(bytes), store)) store.put(node);
 */
export function completedNodes(leafIndex: number, leaf: Buffer, reader: HashReader): TreeNode[] {
  assertCount(leafIndex, 'leafIndex');
  assertHash(leaf, 'leafHash');
  const nodes: TreeNode[] = [{ level: 0, index: leafIndex, hash: leaf }];
  let level = 0;
  let index = leafIndex;
  let hash = leaf;
  while (index % 2 === 1) {
    hash = nodeHash(read(reader, level, index - 1), hash);
    level += 1;
    index = (index - 1) / 2;
    nodes.push({ level, index, hash });
  }
  return nodes;
}

/**
 * `completedNodes` for a run of leaves appended together (one group commit), starting at
 * index `firstIndex`. Siblings completed earlier in the same run are taken from the run
 * itself, so the store is read only for older nodes. Returns every node to persist, in
 * completion order.
 *
 * @example
 * const nodes = completedNodesForBatch(size, batch.map((e) => e.leafHash), store);
 */
export function completedNodesForBatch(
  firstIndex: number,
  leafHashes: readonly Buffer[],
  reader: HashReader,
): TreeNode[] {
  const fresh = new Map<string, Buffer>();
  const overlay: HashReader = {
    getNode: (level, index) => fresh.get(`${level}:${index}`) ?? reader.getNode(level, index),
  };
  const out: TreeNode[] = [];
  leafHashes.forEach((leaf, offset) => {
    for (const node of completedNodes(firstIndex + offset, leaf, overlay)) {
      fresh.set(`${node.level}:${node.index}`, node.hash);
      out.push(node);
    }
  });
  return out;
}

/**
 * The root (MTH) of the tree's first `treeSize` leaves, from at most log2 n + 1 reads.
 *
 * @example
 * rootAt(store.size, store).toString('base64'); // the checkpoint's root line
 */
export function rootAt(treeSize: number, reader: HashReader): Buffer {
  assertCount(treeSize, 'treeSize');
  if (treeSize === 0) return Buffer.from(EMPTY_ROOT);
  return rangeHash(0, treeSize, reader);
}

/**
 * The RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `treeSize`
 * leaves, leaf's sibling first. Reads at most 2·ceil(log2 n) stored hashes.
 *
 * Throws `OUT_OF_RANGE` unless index < treeSize; `NODE_MISSING` if `treeSize` exceeds
 * what the store holds (callers should check the size first and answer 400).
 *
 * @example
 * const proof = inclusionProof(5, 8, store);
 * verifyInclusion(leaf5, 5, 8, proof, rootAt(8, store)); // true
 */
export function inclusionProof(index: number, treeSize: number, reader: HashReader): Buffer[] {
  assertCount(index, 'index');
  assertCount(treeSize, 'treeSize');
  if (index >= treeSize) throw outOfRange(`index \`${index}\` is not below tree size \`${treeSize}\``);
  // Walk down from the root; each step records the sibling of the half holding the leaf.
  const topDown: Buffer[] = [];
  let start = 0;
  let size = treeSize;
  let m = index;
  while (size > 1) {
    const { k, level } = split(size);
    if (m < k) {
      topDown.push(rangeHash(start + k, size - k, reader));
      size = k;
    } else {
      topDown.push(read(reader, level, start / k));
      start += k;
      m -= k;
      size -= k;
    }
  }
  return topDown.reverse();
}

/**
 * The RFC 9162 §2.1.4.1 consistency proof that the tree of `m` leaves is a prefix of the
 * tree of `n` leaves. Empty when m = 0 or m = n (see `verifyConsistency`). Reads at most
 * 2·ceil(log2 n) stored hashes.
 *
 * Throws `OUT_OF_RANGE` unless m <= n; `NODE_MISSING` if `n` exceeds what the store holds.
 *
 * @example
 * verifyConsistency(3, 8, consistencyProof(3, 8, store), root3, root8); // true
 */
export function consistencyProof(m: number, n: number, reader: HashReader): Buffer[] {
  assertCount(m, 'from');
  assertCount(n, 'to');
  if (m > n) throw outOfRange(`from \`${m}\` is greater than to \`${n}\``);
  if (m === 0 || m === n) return [];
  // SUBPROOF(m, D[n], true), unrolled: descend while the old tree does not end exactly
  // at the current subtree's end.
  const topDown: Buffer[] = [];
  let start = 0;
  let size = n;
  let rest = m;
  let isWholeOldTree = true;
  while (rest !== size) {
    const { k, level } = split(size);
    if (rest <= k) {
      topDown.push(rangeHash(start + k, size - k, reader));
      size = k;
    } else {
      topDown.push(read(reader, level, start / k));
      start += k;
      rest -= k;
      size -= k;
      isWholeOldTree = false;
    }
  }
  // The verifier knows the old root itself, so it is sent only when it is not one node.
  const head = isWholeOldTree ? [] : [rangeHash(start, size, reader)];
  return [...head, ...topDown.reverse()];
}

/**
 * MTH of leaves [start, start + size), where `start` is aligned (a multiple of the
 * smallest power of two >= size), as every subtree of the RFC tree is: the right fold of
 * the complete nodes picked by `size`'s binary digits, largest first.
 */
function rangeHash(start: number, size: number, reader: HashReader): Buffer {
  const parts: Buffer[] = [];
  let pos = start;
  let level = 0;
  let width = 1;
  while (width * 2 <= size) {
    width *= 2;
    level += 1;
  }
  for (let rest = size; rest > 0; width /= 2, level -= 1) {
    if (rest >= width) {
      parts.push(read(reader, level, pos / width));
      pos += width;
      rest -= width;
    }
  }
  let hash = parts.pop() as Buffer;
  while (parts.length > 0) hash = nodeHash(parts.pop() as Buffer, hash);
  return hash;
}

/** k = largest power of two below `size` (>= 2), with its level. */
function split(size: number): { k: number; level: number } {
  const k = largestPowerOfTwoBelow(size);
  let level = 0;
  for (let w = k; w > 1; w /= 2) level += 1;
  return { k, level };
}

function read(reader: HashReader, level: number, index: number): Buffer {
  const hash = reader.getNode(level, index);
  if (hash === undefined) throw nodeMissing(level, index);
  return hash;
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative safe integer, got \`${String(value)}\``);
  }
}

function assertHash(hash: Buffer, name: string): void {
  if (!Buffer.isBuffer(hash) || hash.length !== HASH_SIZE) {
    throw new TypeError(`${name} must be a ${HASH_SIZE}-byte Buffer`);
  }
}

/**
 * An in-memory log tree: the `HashReader` of tests, and the tree `warden audit verify`
 * rebuilds from the entries to compare with what the store and checkpoints claim.
 *
 * It stores what the SQLite appender persists (every complete subtree) and serves roots
 * and proofs through the same `tree.ts` functions, so tests exercise the production path.
 * Each level is one contiguous buffer: 64 to 128 bytes per leaf, no object per hash.
 */
import { HASH_SIZE } from './merkle.js';
import { completedNodes, consistencyProof, inclusionProof, rootAt } from './tree.js';
import type { HashReader, TreeNode } from './tree.js';

export class MemoryTree implements HashReader {
  // levels[L] holds counts[L] hashes of HASH_SIZE bytes each, index order.
  readonly #levels: Buffer[] = [];
  readonly #counts: number[] = [];

  /**
   * A tree holding these leaf hashes, in order.
   *
   * @example
   * MemoryTree.from(entries.map((e) => leafHash(canonicalBytes(e)))).root();
   */
  static from(leafHashes: Iterable<Buffer>): MemoryTree {
    const tree = new MemoryTree();
    for (const hash of leafHashes) tree.append(hash);
    return tree;
  }

  /** Number of leaves. */
  get size(): number {
    return this.#counts[0] ?? 0;
  }

  /** Appends a leaf hash and returns its index. */
  append(leafHash: Buffer): number {
    const index = this.size;
    this.put(completedNodes(index, leafHash, this));
    return index;
  }

  /**
   * Stores nodes as an appender would persist them. Append-only: each node must be the
   * next one of its level. Throws `TypeError` otherwise.
   */
  put(nodes: readonly TreeNode[]): void {
    for (const { level, index, hash } of nodes) {
      const count = this.#counts[level] ?? (level === this.#counts.length ? 0 : -1);
      if (index !== count || hash.length !== HASH_SIZE) {
        throw new TypeError(`node level \`${level}\` index \`${index}\` is not the next one to store`);
      }
      const store = this.#reserve(level, count + 1);
      hash.copy(store, count * HASH_SIZE);
      this.#counts[level] = count + 1;
    }
  }

  getNode(level: number, index: number): Buffer | undefined {
    const count = this.#counts[level] ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= count) return undefined;
    const store = this.#levels[level] as Buffer;
    // A copy: callers may keep or alter what they get without touching the tree.
    return Buffer.from(store.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE));
  }

  /** The root at `treeSize` (default: now). */
  root(treeSize = this.size): Buffer {
    return rootAt(treeSize, this);
  }

  inclusionProof(index: number, treeSize = this.size): Buffer[] {
    return inclusionProof(index, treeSize, this);
  }

  consistencyProof(m: number, n = this.size): Buffer[] {
    return consistencyProof(m, n, this);
  }

  #reserve(level: number, count: number): Buffer {
    const current = this.#levels[level];
    if (current !== undefined && current.length >= count * HASH_SIZE) return current;
    const grown = Buffer.alloc(Math.max(64, count * 2) * HASH_SIZE);
    current?.copy(grown);
    this.#levels[level] = grown;
    return grown;
  }
}

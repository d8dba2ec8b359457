/**
 * The right edge of a Merkle tree being rebuilt leaf by leaf: one hash per complete
 * subtree on the edge, so O(log n) memory however long the log. `warden audit verify`
 * streams the entries through it, comparing every subtree it closes with the store and
 * every checkpoint's root with `root()`.
 */
import { EMPTY_ROOT, nodeHash } from './merkle.js';

export class Frontier {
  // Roots of the complete subtrees on the right edge, largest (leftmost) first.
  readonly #edge: Buffer[] = [];
  #size = 0;

  /** Number of leaves appended. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends a leaf hash; `onNode` hears about every complete subtree of level >= 1 the
   * leaf closes, bottom-up (as `completedNodes` lists them).
   *
   * @example
   * frontier.append(leafHash(bytes), (level, index, hash) => compare(level, index, hash));
   */
  append(leaf: Buffer, onNode?: (level: number, index: number, hash: Buffer) => void): void {
    let hash = leaf;
    let level = 0;
    let index = this.#size;
    while (index % 2 === 1) {
      hash = nodeHash(this.#edge.pop() as Buffer, hash);
      level += 1;
      index = (index - 1) / 2;
      onNode?.(level, index, hash);
    }
    this.#edge.push(hash);
    this.#size += 1;
  }

  /** The root (MTH) of the leaves so far. */
  root(): Buffer {
    if (this.#edge.length === 0) return Buffer.from(EMPTY_ROOT);
    let hash = this.#edge[this.#edge.length - 1] as Buffer;
    for (let i = this.#edge.length - 2; i >= 0; i--) hash = nodeHash(this.#edge[i] as Buffer, hash);
    return hash;
  }
}

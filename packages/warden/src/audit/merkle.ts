/**
 * RFC 6962 / RFC 9162 Merkle tree hashing (SHA-256), and the tree head computed straight
 * from the RFC's recursive definition.
 *
 * The 0x00 / 0x01 prefixes separate leaves from interior nodes, so no interior node can
 * be passed off as a leaf (second-preimage attacks). `rootFromLeafHashes` is the
 * definition itself, O(n): the reference the stored-tree code in `tree.ts` is tested
 * against and what an auditor holding every leaf uses.
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

/**
 * `crypto.hash` (Node >= 20.12): one call instead of a Hash object per hash, which is most
 * of the cost of hashing 65 bytes. Older Node falls back to `createHash`.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'buffer') => Buffer }).hash;

/** Bytes in every hash of the tree. */
export const HASH_SIZE = 32;

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * Leaf hash: SHA-256(0x00 ‖ bytes).
 *
 * @example
 * leafHash(canonicalBytes(entry)); // 32-byte Buffer
 */
export function leafHash(bytes: Uint8Array): Buffer {
  if (oneShot !== undefined) {
    const input = Buffer.allocUnsafe(bytes.length + 1);
    input[0] = 0x00;
    input.set(bytes, 1);
    return oneShot('sha256', input, 'buffer');
  }
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest();
}

/**
 * `leafHash` of a string's UTF-8 bytes, without encoding it to a Buffer first.
 *
 * @example
 * leafHashOfText(canonicalText(entry)).equals(leafHash(canonicalBytes(entry))); // true
 */
export function leafHashOfText(text: string): Buffer {
  if (oneShot !== undefined) {
    const input = Buffer.allocUnsafe(1 + Buffer.byteLength(text, 'utf8'));
    input[0] = 0x00;
    input.write(text, 1, 'utf8');
    return oneShot('sha256', input, 'buffer');
  }
  return createHash('sha256').update(LEAF_PREFIX).update(text, 'utf8').digest();
}

/**
 * Interior node hash: SHA-256(0x01 ‖ left ‖ right).
 *
 * @example
 * nodeHash(leafHash(a), leafHash(b)); // the root of the two-leaf tree [a, b]
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (oneShot !== undefined && left.length === HASH_SIZE && right.length === HASH_SIZE) {
    const input = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
    input[0] = 0x01;
    input.set(left, 1);
    input.set(right, 1 + HASH_SIZE);
    return oneShot('sha256', input, 'buffer');
  }
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * MTH(D[n]) of RFC 9162 §2.1.1 over leaf hashes, computed from all of them.
 *
 * @example
 * rootFromLeafHashes([]).equals(EMPTY_ROOT); // true
 * rootFromLeafHashes([h]).equals(h);         // true: a one-leaf tree's root is its leaf hash
 */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return Buffer.from(EMPTY_ROOT);
  return mth(hashes, 0, hashes.length);
}

function mth(hashes: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return Buffer.from(hashes[start] as Uint8Array);
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(mth(hashes, start, start + k), mth(hashes, start + k, end));
}

/**
 * The k of RFC 9162's split: the largest power of two smaller than `n` (`n` >= 2).
 * Arithmetic, not bit operators: tree sizes may pass 2^31.
 */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

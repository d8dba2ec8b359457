/**
 * A self-contained inclusion proof an auditor can check offline with only the log's
 * verifier key: the entry, its index, the signed checkpoint it is proven against, and
 * the RFC 9162 audit path. `warden audit proof` writes one; `warden audit verify-proof`
 * (or `verifyProofBundle`) checks it.
 */
import { canonicalBytes } from './canonical.js';
import { openCheckpoint } from './checkpoint.js';
import { leafHash } from './merkle.js';
import { decodeBase64, parseVerifierKey } from './note.js';
import { verifyInclusion } from './verify.js';

export interface ProofBundle {
  index: number;
  treeSize: number;
  /** base64 leaf hash. */
  leafHash: string;
  /** The entry; its RFC 8785 canonical JSON is the leaf. */
  entry?: unknown;
  /** base64 audit path, leaf's sibling first. */
  hashes: string[];
  /** The signed checkpoint of `treeSize` leaves. */
  checkpoint: string;
}

export type ProofCheck = { ok: true; index: number; treeSize: number; origin: string } | { ok: false; problem: string };

/**
 * Checks a proof bundle against the verifier key `vkey`: the checkpoint's signature,
 * that the entry hashes to the leaf, and the inclusion proof against the signed root.
 * Never throws on bad input.
 *
 * @example
 * const check = verifyProofBundle(JSON.parse(readFileSync('proof.json', 'utf8')), vkey);
 * if (!check.ok) console.error(check.problem);
 */
export function verifyProofBundle(bundle: unknown, vkey: string): ProofCheck {
  const b = bundle as Partial<ProofBundle> | null;
  if (typeof b !== 'object' || b === null || typeof b.checkpoint !== 'string' || !Array.isArray(b.hashes) || typeof b.leafHash !== 'string') {
    return { ok: false, problem: 'not a proof bundle: it needs `index`, `treeSize`, `leafHash`, `hashes` and `checkpoint`' };
  }
  let head;
  try {
    head = openCheckpoint(b.checkpoint, parseVerifierKey(vkey.trim()));
  } catch (err) {
    return { ok: false, problem: `the checkpoint does not verify with the log key: ${(err as Error).message}` };
  }
  if (head.size !== b.treeSize) return { ok: false, problem: `the checkpoint is of size \`${head.size}\`, the proof of size \`${String(b.treeSize)}\`` };
  const leaf = decodeBase64(b.leafHash);
  if (leaf === undefined) return { ok: false, problem: '`leafHash` is not base64' };
  if (b.entry !== undefined) {
    let bytes: Buffer;
    try {
      bytes = canonicalBytes(b.entry);
    } catch {
      return { ok: false, problem: 'the entry is not plain JSON' };
    }
    if (!leafHash(bytes).equals(leaf)) return { ok: false, problem: 'the entry does not hash to `leafHash`' };
    if ((b.entry as { index?: unknown }).index !== b.index) return { ok: false, problem: 'the entry is not the one at `index`' };
  }
  const hashes = b.hashes.map((h) => (typeof h === 'string' ? decodeBase64(h) : undefined));
  if (hashes.some((h) => h === undefined)) return { ok: false, problem: '`hashes` are not all base64' };
  if (!verifyInclusion(leaf, b.index as number, head.size, hashes as Buffer[], head.root)) {
    return { ok: false, problem: `the inclusion proof of index \`${String(b.index)}\` does not lead to the signed root` };
  }
  return { ok: true, index: b.index as number, treeSize: head.size, origin: head.origin };
}

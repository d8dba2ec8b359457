/**
 * Runs every argument detector over one bounded scan of the arguments.
 */
import type { Finding } from '../types.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import { DEFAULT_DETECTOR_CONFIG } from './config.js';
import { scanArgs } from './scan.js';
import { findSecrets, secretFindings } from './secrets.js';
import { countPii, piiFindings, piiTotal } from './pii.js';
import { detectPermissionWidening } from './permissions.js';
import { detectDestructive } from './destructive.js';
import { detectOutbound } from './outbound.js';
import { detectBlobs } from './blobs.js';
import { detectBulk } from './bulk.js';

/**
 * Findings over `args` (and the target, which may be a URL). Never throws on odd input:
 * what it cannot read, it skips.
 *
 * @example
 * runDetectors({ body: 'chmod 777 /srv/app' }, { tool: 'forum.post', categories: ['publish'] });
 * // [{ code: 'PERMISSION_WIDENING', points: 70, message: '`body` asks to widen access: …' }]
 */
export function runDetectors(
  args: unknown,
  ctx: DetectorContext & { target?: string },
  cfg: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): Finding[] {
  const scan = scanArgs(args, ctx.target, cfg);
  if (scan.texts.length === 0 && scan.limits.length === 0) return [];
  const secrets = findSecrets(scan);
  const pii = countPii(scan);
  return [
    ...secretFindings(secrets, ctx, cfg),
    ...piiFindings(pii, ctx, cfg),
    ...detectPermissionWidening(scan, ctx, cfg),
    ...detectDestructive(scan, ctx, cfg),
    ...detectOutbound(scan, ctx, cfg, secrets.length + piiTotal(pii)),
    ...detectBlobs(scan, ctx, cfg),
    ...detectBulk(scan, ctx, cfg),
  ];
}

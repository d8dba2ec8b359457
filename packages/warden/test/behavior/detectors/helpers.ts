/** Runs one detector the way `runDetectors` does. */
import type { Category, Finding } from '../../../src/behavior/types.js';
import type { DetectorConfig, DetectorConfigInput } from '../../../src/behavior/detectors/config.js';
import { resolveDetectorConfig } from '../../../src/behavior/detectors/config.js';
import type { Scan } from '../../../src/behavior/detectors/scan.js';
import { scanArgs } from '../../../src/behavior/detectors/scan.js';

export type Detector = (scan: Scan, ctx: { tool: string; categories: readonly Category[]; intent?: string }, cfg: DetectorConfig) => Finding[];

export function run(
  detector: Detector,
  args: unknown,
  options: { tool?: string; categories?: Category[]; intent?: string; target?: string; config?: DetectorConfigInput } = {},
): Finding[] {
  const cfg = resolveDetectorConfig(options.config);
  const ctx = { tool: options.tool ?? 'forum.draft', categories: options.categories ?? ['write'], intent: options.intent };
  return detector(scanArgs(args, options.target, cfg), ctx, cfg);
}

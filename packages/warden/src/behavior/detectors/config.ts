/**
 * What the argument detectors need to know: budgets, the allow-list of hosts, sizes that
 * make a payload "large", and how many points each finding is worth.
 */
import type { Category } from '../types.js';
import type { ScanLimits } from './scan.js';

/** The call the arguments belong to. */
export interface DetectorContext {
  tool: string;
  categories: readonly Category[];
  /** The task's declared intent, when there is one. */
  intent?: string;
}

export interface DetectorPoints {
  /** A key format that is a credential beyond doubt (AWS, GitHub, Slack, private key …). */
  secretStrong: number;
  /** A JWT or a `password=`-style assignment with a random-looking value. */
  secretWeak: number;
  /** Added when the call publishes or calls out: the secret leaves. */
  secretLeaves: number;
  /** Added when the call writes (a commit, a page, a ticket): the secret is stored where others read. */
  secretStored: number;
  /** Cap on personal-data points. */
  piiMax: number;
  /** Widening instructions in text that only sits there (a draft, a note). */
  wideningText: number;
  /** Widening instructions in a call that publishes them or changes permissions. */
  wideningActing: number;
  /** `rm -rf /`, `DROP TABLE`, `DELETE FROM` without `WHERE`, a force push … */
  destructiveSevere: number;
  /** Scoped destructive commands (`rm -rf ./build`, `git reset --hard`). */
  destructive: number;
  /** Added when the call executes or deletes: the command is being run, not quoted. */
  destructiveRunning: number;
  /** A link to an unknown host inside text. */
  outboundMention: number;
  /** A call whose destination is an unknown host, with little data. */
  outboundDestination: number;
  /** Many records or a large payload sent to an unknown host. */
  exfiltration: number;
  /** Added when the payload is very large. */
  exfiltrationLarge: number;
  /** A link to an unknown host that carries data in its address. */
  urlData: number;
  blob: number;
  blobLarge: number;
  bulk: number;
  /** Bulk reads of personal data. */
  bulkPersonal: number;
  /** Added when the task's intent does not call for bulk work. */
  bulkOffIntent: number;
}

export interface DetectorConfig extends ScanLimits {
  /**
   * Hosts data may go to. An entry covers the host and its subdomains (`acme.com`
   * covers `git.acme.com`); `*.acme.com` covers only the subdomains.
   */
  allowedHosts: readonly string[];
  /** Suffixes of internal names, always allowed (`.internal`, `.local` …). */
  internalSuffixes: readonly string[];
  /** Records (array elements that are objects, or text lines) that make a payload a dump. */
  dumpMinRecords: number;
  /** Characters that make a payload a dump. */
  dumpMinChars: number;
  dumpLargeRecords: number;
  dumpLargeChars: number;
  /** A URL this long to an unknown host carries data. */
  urlDataMinChars: number;
  base64MinChars: number;
  hexMinChars: number;
  blobLargeChars: number;
  /** A `limit`-like argument at least this large asks for bulk. */
  bulkMinLimit: number;
  /** Intent words that make bulk reads expected (export, backup, migrate …). */
  bulkIntentWords: readonly string[];
  points: DetectorPoints;
}

export const DEFAULT_DETECTOR_POINTS: Readonly<DetectorPoints> = Object.freeze({
  secretStrong: 60,
  secretWeak: 45,
  secretLeaves: 15,
  secretStored: 10,
  piiMax: 50,
  wideningText: 45,
  wideningActing: 70,
  destructiveSevere: 60,
  destructive: 35,
  destructiveRunning: 10,
  outboundMention: 5,
  outboundDestination: 15,
  exfiltration: 60,
  exfiltrationLarge: 10,
  urlData: 50,
  blob: 20,
  blobLarge: 30,
  bulk: 20,
  bulkPersonal: 50,
  bulkOffIntent: 20,
});

export const DEFAULT_DETECTOR_CONFIG: Readonly<DetectorConfig> = Object.freeze({
  maxChars: 64 * 1024,
  maxNodes: 10_000,
  allowedHosts: Object.freeze([]) as readonly string[],
  internalSuffixes: Object.freeze(['.internal', '.local', '.localhost', '.corp', '.lan', '.intranet']),
  dumpMinRecords: 20,
  dumpMinChars: 8 * 1024,
  dumpLargeRecords: 100,
  dumpLargeChars: 32 * 1024,
  urlDataMinChars: 300,
  base64MinChars: 200,
  hexMinChars: 128,
  blobLargeChars: 4096,
  bulkMinLimit: 1000,
  bulkIntentWords: Object.freeze([
    'export',
    'backup',
    'migrate',
    'migration',
    'sync',
    'archive',
    'dump',
    'report',
    'audit',
    'reconcile',
    'analyse',
    'analyze',
    'analysis',
    'bulk',
  ]),
  points: DEFAULT_DETECTOR_POINTS,
});

export type DetectorConfigInput = Partial<Omit<DetectorConfig, 'points'>> & { points?: Partial<DetectorPoints> };

/** Defaults with `input` laid over them. */
export function resolveDetectorConfig(input: DetectorConfigInput | undefined): DetectorConfig {
  if (input === undefined) return DEFAULT_DETECTOR_CONFIG;
  return { ...DEFAULT_DETECTOR_CONFIG, ...input, points: { ...DEFAULT_DETECTOR_POINTS, ...input.points } };
}

export function has(ctx: DetectorContext, ...cats: Category[]): boolean {
  for (const c of cats) if (ctx.categories.includes(c)) return true;
  return false;
}

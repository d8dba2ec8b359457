/**
 * Destructive commands in arguments: shell, SQL, git and infrastructure commands that
 * destroy data or history. Severe ones (`rm -rf /`, `DROP TABLE`, `DELETE FROM` without
 * `WHERE`, a force push, `terraform destroy`) weigh more than scoped ones
 * (`rm -rf ./build`), and a call that runs commands or deletes weighs more than text
 * that only mentions them.
 */
import type { Finding } from '../types.js';
import { FactorCodes } from '../types.js';
import { joinAnd, tick } from '../format.js';
import type { DetectorConfig, DetectorContext } from './config.js';
import { has } from './config.js';
import type { Scan } from './scan.js';

export interface DestructiveHit {
  phrase: string;
  path: string;
  severe: boolean;
}

/** `rm` with both recursive and force, and what it removes. */
const RM = /\brm\s+((?:-{1,2}[A-Za-z-]+\s+)+)([^\s;&|]+)/g;
/**
 * Paths whose recursive removal is never routine: anything absolute outside the temp
 * directories, the home directory, a bare `*`, the parent directory. Relative paths
 * inside a workspace (`./dist`, `node_modules/.cache`) are the routine kind.
 */
const RM_SEVERE_PATH = /^(?:\/(?!(?:var\/)?tmp(?:\/|$))\S*|~\S*|\$HOME\S*|\$\{HOME\}\S*|\*|\.\.(?:\/\S*)?)$/;

const SIMPLE: readonly { re: RegExp; severe: boolean }[] = [
  { re: /\bdrop\s+(?:table|database|schema|keyspace|collection)\b(?:\s+if\s+exists)?\s*[\w."`[\]-]*/i, severe: true },
  { re: /\btruncate\s+table\s+[\w."`[\]-]+/i, severe: true },
  { re: /\bgit\s+push\b[^\n;|&]*?(?:\s--force(?:-with-lease)?\b|\s-f\b|\s\+[\w/-]+)/i, severe: true },
  { re: /\b(?:terraform|pulumi|tofu)\s+destroy\b/i, severe: true },
  { re: /\bkubectl\s+delete\s+(?:ns|namespaces?|--all\b|all\b|pv\b|pvc\b)[^\n;|&]*/i, severe: true },
  { re: /\b(?:mkfs(?:\.\w+)?\s+\/dev\/\S+|dd\s+[^\n]*\bof=\/dev\/(?:sd|nvme|hd|xvd)\w*)/i, severe: true },
  { re: /:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/, severe: true },
  { re: /\baws\s+s3\s+(?:rm\s+\S+\s+--recursive|rb\s+\S+\s+--force)\b|\bgsutil\s+(?:-m\s+)?rm\s+-r\b/i, severe: true },
  { re: /\bgit\s+(?:reset\s+--hard|clean\s+-[a-z]*f[a-z]*d|clean\s+-[a-z]*d[a-z]*f)\b/i, severe: false },
  { re: /\bkubectl\s+delete\s+\w+/i, severe: false },
  { re: /\btruncate\s+-s\s*0\b/i, severe: false },
  { re: /\bflushall\b|\bflushdb\b/i, severe: true },
];

/** `DELETE FROM table` and the rest of its statement, to look for a `WHERE`. */
const DELETE_FROM = /\bdelete\s+from\s+([\w."`[\]-]+)([^;]*)/gi;

/**
 * Every destructive command in the scanned text.
 *
 * @example
 * findDestructive(scanArgs({ cmd: 'rm -rf /' }))[0]?.severe // true
 */
export function findDestructive(scan: Scan): DestructiveHit[] {
  const hits: DestructiveHit[] = [];
  for (const t of scan.texts) {
    const v = t.value;
    if (v.length < 4) continue;
    if (/\brm\s/.test(v)) {
      RM.lastIndex = 0;
      for (let m = RM.exec(v), n = 0; m !== null && n < 10; m = RM.exec(v), n++) {
        const flags = m[1] as string;
        const recursive = /(?:^|\s)-[A-Za-z]*[rR]|--recursive/.test(flags);
        const force = /(?:^|\s)-[A-Za-z]*f|--force/.test(flags);
        if (recursive && force) hits.push({ phrase: m[0], path: t.path, severe: RM_SEVERE_PATH.test(m[2] as string) });
      }
    }
    for (const s of SIMPLE) {
      const m = s.re.exec(v);
      if (m) hits.push({ phrase: m[0], path: t.path, severe: s.severe });
    }
    if (/delete\s+from/i.test(v)) {
      DELETE_FROM.lastIndex = 0;
      for (let m = DELETE_FROM.exec(v), n = 0; m !== null && n < 10; m = DELETE_FROM.exec(v), n++) {
        if (!/\bwhere\b/i.test(m[2] as string)) hits.push({ phrase: `DELETE FROM ${m[1] as string} (no WHERE)`, path: t.path, severe: true });
      }
    }
  }
  return hits;
}

/** Detector: destructive commands. */
export function detectDestructive(scan: Scan, ctx: DetectorContext, cfg: DetectorConfig): Finding[] {
  const hits = findDestructive(scan);
  if (hits.length === 0) return [];
  const severe = hits.some((h) => h.severe);
  const running = has(ctx, 'execute', 'delete');
  const points = (severe ? cfg.points.destructiveSevere : cfg.points.destructive) + (running ? cfg.points.destructiveRunning : 0);
  const shown = [...new Set(hits.filter((h) => h.severe === severe).map((h) => h.phrase.trim()))].slice(0, 2);
  const first = hits.find((h) => h.severe === severe) as DestructiveHit;
  return [
    {
      code: FactorCodes.DESTRUCTIVE_COMMAND,
      points,
      message:
        `${tick(first.path)} holds ${severe ? 'a destructive command' : 'a command that deletes data'}: ` +
        `${joinAnd(shown.map((p) => tick(p, 60)))}${running ? `, and ${tick(ctx.tool)} runs it` : ''}`,
    },
  ];
}

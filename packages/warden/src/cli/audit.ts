/**
 * `warden audit verify|erase|export|proof|verify-proof`: the audit log from a shell.
 * Everything but `erase` only reads: the database is opened read-only, no migration
 * runs and no key is made, so an auditor can run them on a copy of a data directory.
 */
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { WardenError, CommonCodes } from '../errors.js';
import { EXPORT_FORMATS, cefLine, jsonLine } from '../audit/export.js';
import { verifyProofBundle, type ProofBundle } from '../audit/proof-bundle.js';
import { erasureCutoff } from '../audit/service.js';
import { inclusionProof } from '../audit/tree.js';
import { verifyLocalLog, type VerifyResult } from '../audit/verify-log.js';
import { verifyRemoteLog } from '../audit/verify-remote.js';
import { SqliteCheckpoints } from '../store/sqlite/checkpoints.js';
import type { Db } from '../store/sqlite/db.js';
import { openReadOnlyDatabase, rawEntryReader, sqliteHashReader, storedLogSize } from '../store/sqlite/readonly.js';
import { addDataFlags, cliActor, configFrom, withWarden, type GlobalFlags } from './common.js';

interface VerifyFlags extends GlobalFlags {
  url?: string;
  logKey?: string;
  apiKey?: string;
  previousCheckpoint?: string;
  saveCheckpoint?: string;
}

export function auditCommand(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  addDataFlags(audit.command('verify').description('recompute every leaf and the tree, check every checkpoint; exit 1 at the first mismatch'))
    .option('--url <url>', 'verify a running server instead of a data directory')
    .option('--log-key <vkey>', 'the published verifier key to check checkpoints with')
    .option('--api-key <key>', 'an auditor API key, for --url (default WARDEN_API_KEY)')
    .option('--previous-checkpoint <file>', 'a checkpoint saved earlier (--save-checkpoint): the log must have grown from it')
    .option('--save-checkpoint <file>', 'write the verified checkpoint here, for the next run')
    .action(async (flags: VerifyFlags) => {
      const previous = flags.previousCheckpoint === undefined ? undefined : readFileSync(flags.previousCheckpoint, 'utf8');
      const progress = progressLine('verifying');
      let result: VerifyResult & { checkpointNote?: string };
      try {
        if (flags.url !== undefined) {
          if (flags.dataDir !== undefined) throw invalidArgs('pass `--data-dir` or `--url`, not both');
          result = await verifyRemoteLog({
            url: flags.url,
            apiKey: flags.apiKey ?? process.env.WARDEN_API_KEY,
            logKey: flags.logKey,
            previousCheckpoint: previous,
            onProgress: progress.update,
          });
        } else {
          const config = configFrom(flags);
          result = await verifyLocalLog(resolve(config.dataDir), {
            logKey: flags.logKey,
            masterKey: config.masterKey,
            previousCheckpoint: previous,
            onProgress: progress.update,
          });
        }
      } finally {
        progress.done();
      }
      if (!result.ok) {
        throw new WardenError(result.code, `audit log verification failed at index ${result.index}: ${result.problem}`, { index: result.index });
      }
      if (result.keySource !== 'provided') {
        const whose = result.keySource === 'server' ? 'the key the server itself serves' : 'the key in the data directory';
        process.stderr.write(`warning: checkpoints were checked with ${whose}; pass --log-key with the published key for an independent check\n`);
      }
      const note = result.checkpointNote ?? result.latest?.note;
      if (flags.saveCheckpoint !== undefined && note !== undefined) writeFileSync(flags.saveCheckpoint, note);
      const latest = result.latest ? `; latest checkpoint: size ${result.latest.size}, root ${result.latest.root}` : '; no checkpoint yet';
      const unsigned = result.unsigned > 0 ? ` (${result.unsigned} later entries verified, not yet signed)` : '';
      process.stdout.write(`ok: verified ${result.entries} entries and ${result.checkpoints} checkpoints${latest}${unsigned}\n`);
    });

  addDataFlags(audit.command('erase').description('remove raw sensitive values (digests stay; the log still verifies)'))
    .option('--before <date>', 'only of entries older than this date or ISO time')
    .option('--all', 'of every entry')
    .action(async (flags: GlobalFlags & { before?: string; all?: boolean }) => {
      if ((flags.before === undefined) === (flags.all !== true)) throw invalidArgs('pass `--before <date>` or `--all`');
      if (flags.before !== undefined) erasureCutoff(flags.before);
      const result = await withWarden(flags, (w) => w.audit.erase({ before: flags.before }, cliActor()));
      process.stdout.write(`erased ${result.erased} raw values; recorded as audit entry ${result.index}\n`);
    });

  addDataFlags(audit.command('export').description('stream entries to stdout, for a SIEM'))
    .requiredOption('--format <format>', 'jsonl or cef')
    .option('--start <n>', 'first index (default 0)')
    .option('--end <n>', 'index to stop before (default: the end)')
    .action(async (flags: GlobalFlags & { format: string; start?: string; end?: string }) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) throw invalidArgs(`\`--format\` must be one of ${EXPORT_FORMATS.join(', ')}`);
      const line = flags.format === 'cef' ? cefLine : jsonLine;
      await withReadOnly(flags, async (db) => {
        const size = storedLogSize(db);
        const start = count(flags.start, '--start') ?? 0;
        const end = Math.min(count(flags.end, '--end') ?? size, size);
        const read = rawEntryReader(db);
        for (let from = start; from < end; from += 1000) {
          const text = read(from, Math.min(end, from + 1000)).map((raw) => line(raw)).join('');
          if (!process.stdout.write(text)) await once(process.stdout, 'drain');
        }
      });
    });

  addDataFlags(audit.command('proof').description('print a self-contained inclusion proof of one entry (JSON), for verify-proof'))
    .requiredOption('--index <n>', 'the entry')
    .option('--tree-size <m>', 'a signed checkpoint size (default: the latest checkpoint)')
    .action(async (flags: GlobalFlags & { index: string; treeSize?: string }) => {
      const index = count(flags.index, '--index') as number;
      const bundle = await withReadOnly(flags, async (db) => {
        const checkpoints = new SqliteCheckpoints(db);
        const wanted = count(flags.treeSize, '--tree-size');
        const head = wanted === undefined ? checkpoints.latest() : checkpoints.get(wanted);
        if (head === undefined) throw new WardenError(CommonCodes.NOT_FOUND, wanted === undefined ? 'no checkpoint yet' : `no checkpoint of size \`${wanted}\``);
        if (index >= head.size) throw invalidArgs(`\`--index\` must be below the checkpoint size \`${head.size}\``);
        const [raw] = rawEntryReader(db)(index, index + 1);
        if (raw === undefined) throw new WardenError(CommonCodes.NOT_FOUND, `no entry \`${index}\``);
        const proof: ProofBundle = {
          index,
          treeSize: head.size,
          leafHash: raw.leafHash.toString('base64'),
          entry: JSON.parse(raw.text) as unknown,
          hashes: inclusionProof(index, head.size, sqliteHashReader(db)).map((h) => h.toString('base64')),
          checkpoint: head.note,
        };
        return proof;
      });
      process.stdout.write(`${JSON.stringify(bundle, null, 2)}\n`);
    });

  audit
    .command('verify-proof')
    .description('check a proof from `warden audit proof` offline, with the published log key')
    .argument('[file]', 'the proof (default: stdin)')
    .requiredOption('--log-key <vkey>', 'the published verifier key')
    .action(async (file: string | undefined, flags: { logKey: string }) => {
      const text = file === undefined ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      let bundle: unknown;
      try {
        bundle = JSON.parse(text);
      } catch {
        throw new WardenError('INVALID_PROOF', 'the proof is not JSON');
      }
      const check = verifyProofBundle(bundle, flags.logKey);
      if (!check.ok) throw new WardenError('INVALID_PROOF', `the proof does not verify: ${check.problem}`);
      process.stdout.write(`ok: entry ${check.index} is in the log \`${check.origin}\` of ${check.treeSize} entries\n`);
    });
}

async function withReadOnly<T>(flags: GlobalFlags, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openReadOnlyDatabase(join(resolve(configFrom(flags).dataDir), 'warden.db'));
  try {
    db.exec('BEGIN');
    return await fn(db);
  } finally {
    db.close();
  }
}

function count(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) throw invalidArgs(`\`${name}\` must be a whole number, got \`${value}\``);
  return Number(value);
}

function invalidArgs(message: string): WardenError {
  return new WardenError(CommonCodes.INVALID_REQUEST, message);
}

/** A progress line on stderr, only when it is a terminal, at most ten times a second. */
function progressLine(label: string): { update: (done: number, total: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      shown = true;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      process.stderr.write(`\r${label}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} entries (${pct}%)\x1b[K`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

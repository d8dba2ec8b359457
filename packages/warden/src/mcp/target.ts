/**
 * The target of a call: the resource it touches, taken from its arguments, so that the
 * policy (`context.target`), the behaviour baseline (targets seen) and the approver all
 * see what a call is about, not only which tool it is.
 *
 * The first argument, in this order of keys, that holds a string (or an array whose first
 * element is one): `path`, `uri`, `url`, `repo`, `repository`, `file`, `file_path`,
 * `filePath`, `filename`, `target`, `source`, `resource`, `paths`, `files`, `urls`. For a
 * move (`source`, `destination`) that is the source; the destination is still in the
 * arguments, which the detectors read and the approval shows. Keys are matched exactly:
 * guessing at `pathname` or `dest` would make the target depend on a tool's spelling.
 */

export const TARGET_KEYS: readonly string[] = Object.freeze([
  'path',
  'uri',
  'url',
  'repo',
  'repository',
  'file',
  'file_path',
  'filePath',
  'filename',
  'target',
  'source',
  'resource',
  'paths',
  'files',
  'urls',
]);

/** The decision API's limit on a target's length. */
export const MAX_TARGET_LENGTH = 2000;

/**
 * @example
 * targetOf({ path: '/repo/README.md', content: '…' }); // '/repo/README.md'
 * targetOf({ paths: ['/a', '/b'] }); // '/a'
 * targetOf({ message: 'hi' }); // undefined
 */
export function targetOf(args: Record<string, unknown> | undefined): string | undefined {
  if (args === undefined || args === null || typeof args !== 'object') return undefined;
  for (const key of TARGET_KEYS) {
    if (!Object.hasOwn(args, key)) continue;
    let value = args[key];
    if (Array.isArray(value)) value = value[0];
    if (typeof value === 'string' && value.length > 0) return value.slice(0, MAX_TARGET_LENGTH);
  }
  return undefined;
}

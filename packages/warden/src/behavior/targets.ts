/**
 * Targets: the short prefix a baseline counts (so `repo:acme/payments/src/a.ts` and
 * `repo:acme/payments/README.md` are one habit) and the sensitive-target patterns.
 */

/** Longest prefix kept: bounds baseline memory whatever an agent sends. */
const MAX_PREFIX = 200;
const SCHEME = /^[a-z][a-z0-9+.-]{0,20}:\/\//i;

/**
 * The first two path segments of a target, after any `scheme://` and before any query.
 *
 * @example
 * targetPrefix('repo:acme/payments/src/app.ts') // 'repo:acme/payments'
 * targetPrefix('https://api.example.com/v1/users?id=3') // 'api.example.com/v1'
 */
export function targetPrefix(target: string): string {
  let s = target.length > 4 * MAX_PREFIX ? target.slice(0, 4 * MAX_PREFIX) : target;
  const scheme = SCHEME.exec(s);
  if (scheme) s = s.slice(scheme[0].length);
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  let out = '';
  let segments = 0;
  let start = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || s.charCodeAt(i) === 47 /* / */) {
      if (i > start) {
        out = segments === 0 ? s.slice(start, i) : `${out}/${s.slice(start, i)}`;
        if (++segments === 2) break;
      }
      start = i + 1;
    }
  }
  out = out.trim();
  return out.length > MAX_PREFIX ? out.slice(0, MAX_PREFIX) : out;
}

/**
 * Targets that are sensitive whatever the configuration says: secrets and credentials
 * on disk, key material, the shadow password file.
 */
const BUILT_IN_SENSITIVE =
  /(?:^|[/:\\])(?:\.env(?:\.[\w-]+)?|\.ssh|id_(?:rsa|dsa|ecdsa|ed25519)|\.aws|\.kube|kubeconfig|\.npmrc|\.pypirc|\.netrc|\.git-credentials|credentials(?:\.json)?|secrets?(?:\.ya?ml|\.json)?|etc[/\\](?:shadow|sudoers)|[\w-]*\.pem|[\w-]*\.key|[\w-]*\.p12|[\w-]*\.pfx)(?:$|[/:\\])/i;

const compiled = new WeakMap<readonly string[], RegExp[]>();

/** Glob to regex: `**` any characters, `*` any but `/`, `?` one character; case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '.';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

function patternsFor(globs: readonly string[]): RegExp[] {
  let res = compiled.get(globs);
  if (!res) {
    res = globs.map(globToRegExp);
    compiled.set(globs, res);
  }
  return res;
}

/**
 * Which pattern marks `target` sensitive: a configured glob, `built-in` for a secrets
 * file, or `null`. Globs are compiled once per array (keep passing the same array).
 *
 * @example
 * sensitiveMatch('repo:acme/secret-keys/a.txt', ['repo:acme/secret-*\/**']) // 'repo:acme/secret-*\/**'
 * sensitiveMatch('repo:acme/app/.env', []) // 'built-in'
 */
export function sensitiveMatch(target: string, globs: readonly string[] | undefined): string | null {
  if (globs !== undefined && globs.length > 0) {
    const res = patternsFor(globs);
    for (let i = 0; i < res.length; i++) if ((res[i] as RegExp).test(target)) return globs[i] as string;
  }
  return BUILT_IN_SENSITIVE.test(target) ? 'built-in' : null;
}

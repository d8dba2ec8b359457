/**
 * The bytes of an audit leaf: RFC 8785 (JCS) canonical JSON, UTF-8.
 *
 * RFC 8785 for plain JSON is ECMAScript's own serialisation of strings and numbers with
 * object keys sorted by UTF-16 code units, which is what the one-pass writer below does
 * (the audit log's appender and verifier run it for every entry, so it avoids the
 * general-purpose `canonicalize` package's extra passes). A leaf must say exactly what
 * the entry held (a dropped `actor` is an audit failure, not a formatting detail), so
 * anything that is not plain JSON is refused rather than coerced the way
 * `JSON.stringify` would; the error then names the path.
 */

/**
 * RFC 8785 canonical JSON of `value`, as UTF-8 bytes.
 *
 * Accepts only plain JSON: `null`, booleans, finite numbers, well-formed strings, arrays
 * and plain objects of those. Throws `TypeError` (naming the path) for `undefined` (also
 * as a property value), `NaN`, `Infinity`, bigints, functions, symbols, class instances
 * such as `Date` or `Map`, sparse arrays, lone surrogates and cycles.
 *
 * @example
 * canonicalBytes({ b: 1, a: [true, null] }).toString(); // '{"a":[true,null],"b":1}'
 */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalText(value), 'utf8');
}

/**
 * `canonicalBytes` as a string (the leaf bytes are its UTF-8 encoding).
 *
 * @example
 * canonicalText({ b: 1, a: 'x' }); // '{"a":"x","b":1}'
 */
export function canonicalText(value: unknown): string {
  try {
    return fast(value);
  } catch (err) {
    if (err !== NOT_FAST) throw err;
  }
  try {
    return write(value, []);
  } catch (err) {
    if (err !== NOT_JSON) throw err;
    // Walk again, slowly, to say where the offending value is.
    assertJson(value, '$', new Set());
    throw new TypeError('value has no JSON form');
  }
}

/** Thrown inside `write`; turned into a TypeError naming the path. */
const NOT_JSON = Symbol('not json');
/** Thrown inside `sortedCopy`: the value needs the general writer (or is not JSON). */
const NOT_FAST = Symbol('not fast');
const INTEGER_KEY = /^(0|[1-9][0-9]*)$/;
const MAX_FAST_DEPTH = 64;

/**
 * The common case at native speed: the value with its keys in sorted order (copied only
 * where they are not), then one `JSON.stringify`. Anything it cannot do exactly like
 * `write` gives up (`NOT_FAST`): integer-like keys (engines put those first whatever the
 * insertion order), a `__proto__` key, any `\ud` in the output (a possible lone
 * surrogate), depth past 64 (perhaps a cycle), a `toJSON` or an Array subclass (which
 * `JSON.stringify` would obey and `write` does not), and every value that is not plain JSON.
 */
function fast(value: unknown): string {
  const text = JSON.stringify(sortedCopy(value, 0));
  if (text.includes('\\ud')) throw NOT_FAST;
  return text;
}

/**
 * `value` with every object's keys in sorted order: `value` itself where they already are
 * (objects built in key order, or parsed from canonical text, are not copied), a copy
 * otherwise. Throws `NOT_FAST` for whatever `fast` cannot write exactly.
 *
 * Where nothing is copied, `JSON.stringify` reads each property a second time. Data
 * (parsed JSON, objects the code builds) reads the same both times; a getter or Proxy that
 * answers differently is code, not data, and only code in this process can pass one.
 */
function sortedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw NOT_FAST;
      return value;
    case 'object':
      break;
    default:
      throw NOT_FAST;
  }
  if (value === null) return null;
  if (depth >= MAX_FAST_DEPTH) throw NOT_FAST;
  // `JSON.stringify` would obey a `toJSON` (own, inherited or not enumerable) that `write`
  // ignores: the general writer decides those.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_FAST;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_FAST;
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const sorted = sortedCopy(item, depth + 1);
      if (sorted !== item && out === undefined) out = value.slice(0, i);
      out?.push(sorted);
    }
    // A hole reads as undefined above, which throws: every array here is dense.
    return out ?? value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(value).length > 0) throw NOT_FAST;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    // Assigning `__proto__` would set the copy's prototype instead of adding the key;
    // integer-like keys come first in any object, whatever the order they were added in.
    if (key === '__proto__' || (key.charCodeAt(0) <= 0x39 && INTEGER_KEY.test(key))) throw NOT_FAST;
    if (i > 0 && (keys[i - 1] as string) > key) inOrder = false;
  }
  let out: Record<string, unknown> | undefined;
  if (!inOrder) {
    keys.sort();
    out = {};
  }
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = record[key];
    const sorted = sortedCopy(item, depth + 1);
    if (sorted !== item && out === undefined) {
      // The keys are in order but a value below needed a copy: copy this level too.
      out = {};
      for (let j = 0; j < i; j++) out[keys[j] as string] = record[keys[j] as string];
    }
    if (out !== undefined) out[key] = sorted;
  }
  return out ?? value;
}
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

function write(value: unknown, open: object[]): string {
  switch (typeof value) {
    case 'string':
      if (ANY_SURROGATE.test(value) && LONE_SURROGATE.test(value)) throw NOT_JSON;
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw NOT_JSON;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw NOT_JSON;
  }
  if (value === null) return 'null';
  if (open.includes(value)) throw NOT_JSON;
  open.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      // A hole reads as undefined: refused, as JSON.stringify would make it null.
      out += (i === 0 ? '' : ',') + write(value[i], open);
    }
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(value).length > 0) throw NOT_JSON;
    // Default sort order is by UTF-16 code units, as RFC 8785 §3.2.3 requires.
    const keys = Object.keys(value).sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], open)}`;
    }
    out += '}';
  }
  open.pop();
  return out;
}

// A lone surrogate has no UTF-8 form: two different strings would encode to the same bytes.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function assertJson(value: unknown, path: string, open: Set<object>): void {
  switch (typeof value) {
    case 'boolean':
      return;
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new TypeError(`lone surrogate in string at \`${path}\``);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`non-finite number \`${value}\` at \`${path}\``);
      return;
    case 'object':
      break;
    default:
      // undefined, bigint, function, symbol
      throw new TypeError(`\`${typeof value}\` is not a JSON value at \`${path}\``);
  }
  if (value === null) return;
  if (open.has(value)) throw new TypeError(`cycle at \`${path}\``);
  open.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertJson(value[i], `${path}[${i}]`, open);
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`only plain objects are JSON, found \`${value.constructor?.name ?? 'object'}\` at \`${path}\``);
    }
    if (Object.getOwnPropertySymbols(value).length > 0) throw new TypeError(`symbol key at \`${path}\``);
    for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`, open);
  }
  open.delete(value);
}

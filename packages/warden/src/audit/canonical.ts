/**
 * The bytes of an audit leaf: RFC 8785 (JCS) canonical JSON, UTF-8.
 *
 * `canonicalize` does the RFC 8785 work (key order, number and string forms). It is
 * lenient the way `JSON.stringify` is: it drops `undefined` properties, turns `undefined`
 * array items into `null`, calls `toJSON`, and serialises a `Map` as `{}`. A leaf must say
 * exactly what the entry held (a dropped `actor` is an audit failure, not a formatting
 * detail), so values are checked first and anything that is not plain JSON is refused.
 */
// The package has only a default export (lib/canonicalize.d.ts).
import canonicalize from 'canonicalize';

/**
 * RFC 8785 canonical JSON of `value`, as UTF-8 bytes.
 *
 * Accepts only plain JSON: `null`, booleans, finite numbers, well-formed strings, arrays
 * and plain objects of those. Throws `TypeError` (naming the path) for `undefined` (also
 * as a property value), `NaN`, `Infinity`, bigints, functions, symbols, class instances
 * such as `Date` or `Map`, lone surrogates and cycles.
 *
 * @example
 * canonicalBytes({ b: 1, a: [true, null] }).toString(); // '{"a":[true,null],"b":1}'
 */
export function canonicalBytes(value: unknown): Buffer {
  assertJson(value, '$', new Set());
  const text = canonicalize(value);
  // INVARIANT: assertJson admits only values canonicalize serialises to a string.
  if (text === undefined) throw new TypeError('value has no JSON form');
  return Buffer.from(text, 'utf8');
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
    value.forEach((item, i) => assertJson(item, `${path}[${i}]`, open));
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

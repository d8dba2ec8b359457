import { describe, it, expect } from 'vitest';
import { canonicalBytes } from '../../src/audit/canonical.js';

const text = (value: unknown) => canonicalBytes(value).toString('utf8');

describe('canonicalBytes (RFC 8785)', () => {
  it('the RFC 8785 §3.2.2 example', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const want = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(text(JSON.parse(input))).toBe(want);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3 example)', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }`) as Record<string, string>;
    // Read the order off the text: JSON.parse would move the key "1" first again.
    const order = [...text(input).matchAll(/:"([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it.each([
    [null, 'null'],
    [true, 'true'],
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [9007199254740991, '9007199254740991'],
    ['é\u2028', '"é\u2028"'],
    [[], '[]'],
    [{}, '{}'],
    [{ b: [1, { d: 1, c: 2 }], a: 'x' }, '{"a":"x","b":[1,{"c":2,"d":1}]}'],
    [Object.assign(Object.create(null) as object, { z: 1, y: 2 }), '{"y":2,"z":1}'],
  ])('%j is %s', (value, want) => {
    expect(text(value)).toBe(want);
  });

  it('returns UTF-8 bytes', () => {
    expect(canonicalBytes({ s: '€' })).toEqual(Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0xac, 0x22, 0x7d]));
  });

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  class Entry {
    a = 1;
  }

  it.each([
    ['undefined', undefined],
    ['an undefined property (JSON would drop it silently)', { actor: undefined, type: 'x' }],
    ['an undefined array item (JSON would make it null)', [1, undefined]],
    ['NaN', Number.NaN],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['-Infinity', [Number.NEGATIVE_INFINITY]],
    ['a function', { f: () => 1 }],
    ['a bigint', { n: 1n }],
    ['a symbol', Symbol('s')],
    ['a symbol key', { [Symbol('k')]: 1 }],
    ['a Date (toJSON would change it)', { at: new Date(0) }],
    ['a Map', new Map([['a', 1]])],
    ['a class instance', new Entry()],
    ['a Buffer', Buffer.from('x')],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', { s: '\udc00' }],
    ['a cycle', cyclic],
  ])('rejects %s with a TypeError', (_name, value) => {
    expect(() => canonicalBytes(value)).toThrow(TypeError);
  });

  it('names where the bad value is', () => {
    expect(() => canonicalBytes({ data: { list: [1, Number.NaN] } })).toThrow('`$.data.list[1]`');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(text({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('canonicalBytes: the fast path gives the general writer\'s bytes', () => {
  it('sorts integer-like keys by UTF-16 code units, not numerically', () => {
    expect(text({ a: 3, 9: 2, 10: 1 })).toBe('{"10":1,"9":2,"a":3}');
  });

  it('keeps a `__proto__` key as an ordinary key', () => {
    expect(text(JSON.parse('{"b":1,"__proto__":{"x":2}}'))).toBe('{"__proto__":{"x":2},"b":1}');
  });

  it('keeps a literal backslash followed by `ud` in a string', () => {
    expect(text({ s: '\\ud800 is not a surrogate here' })).toBe('{"s":"\\\\ud800 is not a surrogate here"}');
  });

  it('keeps a well-formed surrogate pair', () => {
    expect(text({ s: '😀' })).toBe('{"s":"😀"}');
  });

  it('accepts nesting deeper than the fast path goes', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { [`k${i % 3}`]: [deep] };
    expect(text(deep)).toBe(JSON.stringify(deep));
  });

  it('rejects a sparse array', () => {
    expect(() => canonicalBytes([1, , 2])).toThrow(TypeError);
  });

  it('rejects a lone surrogate in a deep object', () => {
    expect(() => canonicalBytes({ a: { b: ['\ud800'] } })).toThrow('`$.a.b[0]`');
  });

  it('writes an object already in key order as it is, and copies only where keys are out of order', () => {
    const inOrder = { a: [1, { b: true, c: null }], d: 'x' };
    expect(text(inOrder)).toBe('{"a":[1,{"b":true,"c":null}],"d":"x"}');
    expect(text({ a: [1, { c: null, b: true }], d: 'x' })).toBe('{"a":[1,{"b":true,"c":null}],"d":"x"}');
    expect(inOrder).toEqual({ a: [1, { b: true, c: null }], d: 'x' });
  });

  it('never obeys a toJSON, which the general writer does not know', () => {
    const ownOnArray = Object.assign([1, 2], { toJSON: () => ({ b: 1, a: 2 }) });
    expect(text({ x: ownOnArray })).toBe('{"x":[1,2]}');
    const hidden = { a: 1 };
    Object.defineProperty(hidden, 'toJSON', { value: () => 'forged', enumerable: false });
    expect(text(hidden)).toBe('{"a":1}');
    class Sub extends Array<number> {
      toJSON() {
        return 'sub';
      }
    }
    expect(text([Sub.from([1])])).toBe('[[1]]');
  });
});

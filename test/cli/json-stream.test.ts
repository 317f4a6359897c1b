import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonChunks, LazyList } from '../../src/cli/json-stream.js';

const join = (v: unknown, chunk?: number, indent = 2): string => [...jsonChunks(v, indent, chunk)].join('');
/** Indented (2) and compact (0): both must be byte for byte JSON.stringify. */
const INDENTS = [2, 0] as const;
const stringify = (v: unknown, indent: number): string => JSON.stringify(v, null, indent);

test('jsonChunks concatenates to JSON.stringify(value, null, 2) and JSON.stringify(value), whatever the chunk size', () => {
  const value = fc.jsonValue({ maxDepth: 6 });
  const withLong = fc.record({
    a: fc.array(fc.record({ n: fc.integer(), s: fc.string(), x: fc.option(fc.array(fc.integer(), { maxLength: 40 })) }), { maxLength: 80 }),
    b: value,
    c: fc.array(fc.record({ turns: fc.array(value, { minLength: 30, maxLength: 50 }), u: fc.constant(undefined) }), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.oneof(value, withLong), fc.integer({ min: 1, max: 5000 }), fc.constantFrom(...INDENTS), (v, chunk, indent) => {
      assert.equal(join(v, chunk, indent), stringify(v, indent));
    }),
    { numRuns: 300 },
  );
});

test('undefined, functions, nested empties and toJSON behave as in JSON.stringify', () => {
  const v = { a: undefined, b: [undefined, () => 1, null], c: {}, d: [], e: new Date(0), f: Array.from({ length: 40 }, (_, i) => ({ i, g: undefined, h: [] })) };
  for (const indent of INDENTS) assert.equal(join(v, 7, indent), stringify(v, indent));
});

test('a LazyList is written as the array of its elements, made one at a time', () => {
  const made: number[] = [];
  const list = new LazyList(3, (i) => {
    made.push(i);
    return { i, xs: Array.from({ length: 40 }, (_, k) => k) };
  });
  const plain = { a: 1, list: [0, 1, 2].map((i) => ({ i, xs: Array.from({ length: 40 }, (_, k) => k) })), z: [] };
  for (const indent of INDENTS) {
    made.length = 0;
    assert.equal(join({ a: 1, list, z: [] }, 10, indent), stringify(plain, indent));
    assert.deepEqual(made, [0, 1, 2]);
    assert.equal(join({ list: new LazyList(0, () => 1) }, undefined, indent), stringify({ list: [] }, indent));
    // A LazyList as the whole document is streamed too (compact used to fall back to JSON.stringify, which wrote it as {}).
    assert.equal(join(list, 10, indent), stringify(plain.list, indent));
  }
});

test('LazyList elements are batched like array elements: same text as JSON.stringify', () => {
  const chunks = jsonChunks;
  const Lazy = LazyList;
  const rows = Array.from({ length: 700 }, (_, i) => ({ i, kind: i % 3 ? 'turn' : 'state-update', cost: { totalUsd: i / 7 }, gap: i % 5 ? i : null, list: i % 50 ? [] : [1, 2] }));
  const nested = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, turns: Array.from({ length: i }, (_, k) => ({ k })) }));
  const doc = { a: 1, rows, nested, empty: [] as unknown[] };
  const lazyDoc = {
    a: 1,
    rows: new Lazy(rows.length, (i) => rows[i]),
    nested: new Lazy(nested.length, (i) => ({ id: nested[i]?.id, turns: new Lazy(nested[i]?.turns.length ?? 0, (k) => nested[i]?.turns[k]) })),
    empty: new Lazy(0, () => null),
  };
  for (const indent of INDENTS) {
    for (const size of [1, 100, 1 << 16]) assert.equal([...chunks(lazyDoc, indent, size)].join(''), stringify(doc, indent));
  }
});

test('compact output is streamed: many chunks, none much larger than the chunk size', () => {
  const rows = Array.from({ length: 5000 }, (_, i) => ({ i, s: `row ${i}`, xs: [i, i + 1] }));
  const doc = { a: 1, rows: new LazyList(rows.length, (i) => rows[i]), b: { nested: rows.slice(0, 100) } };
  const pieces = [...jsonChunks(doc, 0, 4096)];
  assert.ok(pieces.length > 20, `${pieces.length} chunks`);
  assert.ok(Math.max(...pieces.map((p) => p.length)) < 4096 + 64 * 1024);
  assert.equal(pieces.join(''), JSON.stringify({ ...doc, rows }));
  assert.ok(!pieces.join('').includes('\n'));
});

test('indent is taken as JSON.stringify takes it: negative is compact, more than 10 is 10', () => {
  const v = { a: [1, { b: Array.from({ length: 40 }, (_, i) => [i]) }], c: 'x' };
  for (const indent of [-3, 0, 1, 3, 10, 12]) assert.equal(join(v, 16, indent), JSON.stringify(v, null, indent));
});

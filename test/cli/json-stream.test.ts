import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonChunks, LazyList } from '../../src/cli/json-stream.js';

const join = (v: unknown, chunk?: number): string => [...jsonChunks(v, 2, chunk)].join('');

test('jsonChunks concatenates to JSON.stringify(value, null, 2), whatever the chunk size', () => {
  const value = fc.jsonValue({ maxDepth: 6 });
  const withLong = fc.record({
    a: fc.array(fc.record({ n: fc.integer(), s: fc.string(), x: fc.option(fc.array(fc.integer(), { maxLength: 40 })) }), { maxLength: 80 }),
    b: value,
    c: fc.array(fc.record({ turns: fc.array(value, { minLength: 30, maxLength: 50 }), u: fc.constant(undefined) }), { maxLength: 3 }),
  });
  fc.assert(
    fc.property(fc.oneof(value, withLong), fc.integer({ min: 1, max: 5000 }), (v, chunk) => {
      assert.equal(join(v, chunk), JSON.stringify(v, null, 2));
    }),
    { numRuns: 300 },
  );
});

test('undefined, functions, nested empties and toJSON behave as in JSON.stringify', () => {
  const v = { a: undefined, b: [undefined, () => 1, null], c: {}, d: [], e: new Date(0), f: Array.from({ length: 40 }, (_, i) => ({ i, g: undefined, h: [] })) };
  assert.equal(join(v, 7), JSON.stringify(v, null, 2));
});

test('a LazyList is written as the array of its elements, made one at a time', () => {
  const made: number[] = [];
  const list = new LazyList(3, (i) => {
    made.push(i);
    return { i, xs: Array.from({ length: 40 }, (_, k) => k) };
  });
  const want = JSON.stringify({ a: 1, list: [0, 1, 2].map((i) => ({ i, xs: Array.from({ length: 40 }, (_, k) => k) })), z: [] }, null, 2);
  assert.equal(join({ a: 1, list, z: [] }, 10), want);
  assert.deepEqual(made, [0, 1, 2]);
  assert.equal(join({ list: new LazyList(0, () => 1) }), JSON.stringify({ list: [] }, null, 2));
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
  for (const size of [1, 100, 1 << 16]) assert.equal([...chunks(lazyDoc, 2, size)].join(''), JSON.stringify(doc, null, 2));
});

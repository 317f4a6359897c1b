/**
 * PageSlabs (src/cli/page-arrays.ts): typed arrays cut from shared slabs are
 * new, zero, of the length asked and never overlap; large ones get memory of
 * their own; without shared memory, plain arrays. Packed turns made in it are
 * the same values as on the heap, and cross to a worker and back shared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { PageSlabs } from '../../src/cli/page-arrays.js';
import { packTurns, transferablesOf, unpackTurns, usePackedArrayPool, TurnColumns, PackedTurnReader } from '../../src/ingest/packed.js';
import { HEAP_ARRAYS } from '../../src/ingest/array-pool.js';
import { makeRawTurn } from '../../src/ingest/formats/parse-helpers.js';

test('arrays from slabs: zero, the length asked, 8-byte aligned, disjoint; large ones alone; plain without memory', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('float64', 'int32', 'uint32', 'uint8') as fc.Arbitrary<'float64' | 'int32' | 'uint32' | 'uint8'>, fc.nat(3000)), { maxLength: 40 }), (asks) => {
      const pool = new PageSlabs(64 * 1024, 16 * 1024);
      const made = asks.map(([kind, n]) => ({ n, a: pool[kind](n) }));
      made.forEach(({ n, a }) => {
        assert.equal(a.length, n);
        assert.ok(a.every((v) => v === 0));
        if (n > 0) {
          assert.ok(a.buffer instanceof SharedArrayBuffer);
          assert.equal(a.byteOffset % 8, 0);
          if (a.byteLength >= 16 * 1024) assert.equal(a.byteOffset, 0);
        }
      });
      // Fill each with its own mark; none may see another's.
      made.forEach(({ a }, i) => a.fill(i % 2 === 0 ? 1 : 2));
      made.forEach(({ a }, i) => assert.ok(a.every((v) => v === (i % 2 === 0 ? 1 : 2))));
      for (let i = 0; i < made.length; i++) {
        for (let j = i + 1; j < made.length; j++) {
          const x = made[i]!.a;
          const y = made[j]!.a;
          if (x.buffer !== y.buffer || x.byteLength === 0 || y.byteLength === 0) continue;
          assert.ok(x.byteOffset + x.byteLength <= y.byteOffset || y.byteOffset + y.byteLength <= x.byteOffset, 'overlap');
        }
      }
    }),
    { numRuns: 200 },
  );
  const none = new PageSlabs(64 * 1024, 16 * 1024, () => null);
  const a = none.float64(10);
  assert.ok(a.buffer instanceof ArrayBuffer);
  assert.equal(a.length, 10);
});

const ctx = { file: '/p/a.jsonl', relativePath: 'a.jsonl', getTokenizer: () => { throw new Error('none'); } };
const turns = Array.from({ length: 300 }, (_, i) =>
  makeRawTurn(ctx, {
    usage: { inputTokens: i, outputTokens: 2 * i, cacheReadTokens: 3, cacheWrite5mTokens: 4, cacheWrite1hTokens: i % 7, reasoningOutputTokens: i % 5 === 0 ? null : i, isCacheSplitKnown: true },
    model: i % 3 === 0 ? 'claude-sonnet-4-5' : 'claude-opus-4-1',
    timestampMs: i % 11 === 0 ? null : 1_764_547_200_000 + i * 1000,
    sessionId: 's',
    streamId: 'main',
    dedupeKey: `claude:req_${i}`,
    line: i + 1,
  }),
);

test('packed turns and turn columns made in slabs hold what heap arrays hold', () => {
  const before = usePackedArrayPool(new PageSlabs(4096, 1024));
  let inSlabs;
  let columns;
  try {
    inSlabs = packTurns(turns);
    columns = new TurnColumns(turns.length);
    const reader = new PackedTurnReader(inSlabs);
    for (let k = 0; k < reader.count; k++) columns.append(reader, k);
  } finally {
    usePackedArrayPool(before);
  }
  assert.ok(inSlabs.nums.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(transferablesOf({ file: 'a', relativePath: 'a', bytes: 0, linesRead: 0, fileDiagnostics: [], output: { format: 'claude-code', turns: inSlabs } as never }), []);
  usePackedArrayPool(HEAP_ARRAYS);
  const onHeap = packTurns(turns);
  assert.ok(onHeap.nums.buffer instanceof ArrayBuffer);
  assert.deepEqual(unpackTurns(inSlabs), unpackTurns(onHeap));
  assert.deepEqual(columns.allTurns().map((t) => [t.inputTokens, t.timestampMs, t.model, t.source.line]), turns.map((t) => [t.inputTokens, t.timestampMs, t.model, t.source.line]));
});

test('packed turns in slabs reach another thread shared, not copied', async () => {
  const before = usePackedArrayPool(new PageSlabs());
  let packed;
  try {
    packed = packTurns(turns);
  } finally {
    usePackedArrayPool(before);
  }
  const worker = new Worker('const { parentPort } = require("node:worker_threads"); parentPort.once("message", (t) => { t.nums[1] = 4242; parentPort.postMessage(t.nums.buffer instanceof SharedArrayBuffer); });', { eval: true });
  try {
    const shared = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(packed);
    });
    assert.equal(shared, true);
    assert.equal(packed.nums[1], 4242);
  } finally {
    await worker.terminate();
  }
});

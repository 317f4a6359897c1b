/**
 * src/cli/heap-tuning.ts: GarbageBound checks the heap every `checkBytes` of
 * input and collects only when it grew `slackBytes` past what the last
 * collection left (the ingest worker's bound on promoted garbage).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import { GarbageBound, collectGarbageNow } from '../../src/cli/heap-tuning.js';

test('GarbageBound checks every checkBytes of input and collects only past the slack, then from the new baseline', () => {
  let used = 100;
  const collections: number[] = [];
  const checks: number[] = [];
  const bound = new GarbageBound(
    10,
    50,
    () => {
      checks.push(used);
      return used;
    },
    () => {
      collections.push(used);
      used = 120; // what the collection left
    },
  );
  checks.length = 0; // the baseline read
  bound.parsed(4);
  bound.parsed(5);
  assert.deepEqual(checks, [], 'under checkBytes: no check');
  used = 150;
  bound.parsed(1); // 10 bytes: a check, 150 <= 100 + 50
  assert.deepEqual([checks, collections], [[150], []]);
  used = 151;
  bound.parsed(25); // a check (one per call, however far past checkBytes)
  assert.deepEqual(collections, [151]);
  assert.equal(used, 120);
  used = 170;
  bound.parsed(10); // 170 <= 120 + 50
  assert.deepEqual(collections, [151]);
  used = 171;
  bound.parsed(10);
  assert.deepEqual(collections, [151, 171]);
});

test('collectGarbageNow runs a full collection (garbage in the old generation goes)', () => {
  let keep: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
  collectGarbageNow(); // promote it
  const before = getHeapStatistics().used_heap_size;
  keep = null;
  collectGarbageNow();
  const after = getHeapStatistics().used_heap_size;
  assert.equal(keep, null);
  assert.ok(after < before - 5_000_000, `${before} -> ${after}`);
});

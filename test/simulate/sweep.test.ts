/**
 * Sweeps: shards in this thread, in several executors, or through the worker
 * message protocol give the same totals, bit for bit, in scenario order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StrategyId, Workload } from '../../src/model/simulation.js';
import { turn } from '../helpers/sim.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../../src/simulate/params.js';
import { syntheticWorkloads } from '../../src/simulate/scenario.js';
import { simulateTotals } from '../../src/simulate/simulate.js';
import {
  createSweepWorkerHandler,
  inThreadExecutor,
  packWorkloads,
  unpackWorkloads,
  portExecutor,
  runSweepShard,
  sweepParallel,
  type SweepReply,
  type SweepRequest,
  type SweepSpec,
} from '../../src/simulate/sweep.js';

function spec(): SweepSpec {
  const workloads = syntheticWorkloads({
    turns: 40,
    systemTokens: 5000,
    turnTokens: 1500,
    outputTokens: 400,
    gap: { kind: 'exp', meanMs: 240_000 },
    sessions: 3,
    model: 'claude-sonnet-4-5',
    seed: 7,
    sessionIntervalMs: 3_600_000,
  });
  const params = [null, 60_000, 400_000].map((gap) => ({ ...DEFAULT_SIMULATION_PARAMS, compactAtTokens: 40_000, gapOverrideMs: gap }));
  const scenarios = (['transcript', 'state', 'nocache'] as StrategyId[]).flatMap((strategy) =>
    params.flatMap((_, p) => workloads.map((_, w) => ({ workload: w, strategy, params: p }))),
  );
  return { priceTable: EMBEDDED_PRICE_TABLE, workloads, params, scenarios };
}

test('runSweepShard returns simulateTotals of each scenario, in order', () => {
  const s = spec();
  const resolver = createPriceResolver(s.priceTable);
  const all = runSweepShard(s, 0, s.scenarios.length);
  assert.equal(all.length, 27);
  s.scenarios.forEach((sc, i) => {
    assert.equal(all[i], simulateTotals(s.workloads[sc.workload]!, sc.strategy, { resolver, params: s.params[sc.params]! }).totalCostUsd);
  });
  assert.deepEqual(runSweepShard(s, 5, 9), all.slice(5, 9));
  assert.equal(runSweepShard(s, 30, 40).length, 0);
});

test('sweepParallel: any number of executors and any shard size give the sequential totals bit for bit', async () => {
  const s = spec();
  const expected = runSweepShard(s, 0, s.scenarios.length);
  for (const [executors, shard] of [
    [1, 250],
    [2, 1],
    [3, 4],
  ] as const) {
    const got = await sweepParallel(s.scenarios.length, Array.from({ length: executors }, () => inThreadExecutor(s)), shard);
    assert.deepEqual(got, expected, `${executors} executors, shards of ${shard}`);
  }
});

/** A fake worker: structured-clones messages both ways, like postMessage, and answers asynchronously. */
function fakeWorker(): { postMessage(m: SweepRequest): void; onReply(l: (r: SweepReply) => void): void } {
  const handle = createSweepWorkerHandler();
  let listener: ((r: SweepReply) => void) | null = null;
  return {
    postMessage: (m) => {
      const copy = structuredClone(m);
      setImmediate(() => {
        const reply = handle(copy);
        if (reply !== null) listener?.(structuredClone(reply));
      });
    },
    onReply: (l) => {
      listener = l;
    },
  };
}

test('the worker protocol (spec once, then shards) gives the same totals, mixed with this thread', async () => {
  const s = spec();
  const expected = runSweepShard(s, 0, s.scenarios.length);
  const got = await sweepParallel(s.scenarios.length, [inThreadExecutor(s), portExecutor(fakeWorker(), s), portExecutor(fakeWorker(), s)], 2);
  assert.deepEqual(got, expected);
});

test('a failing shard rejects the sweep with its message', async () => {
  const s = spec();
  s.scenarios.push({ workload: 99, strategy: 'transcript', params: 0 });
  await assert.rejects(sweepParallel(s.scenarios.length, [portExecutor(fakeWorker(), s)], 10), /sweep scenario 27: workload 99/);
  const handle = createSweepWorkerHandler();
  assert.deepEqual(handle({ kind: 'run', id: 3, from: 0, to: 1 }), { id: 3, totals: null, error: 'sweep worker: run before spec' });
  await assert.rejects(sweepParallel(1, []), /no executor/);
});

test('packed workloads (what a worker receives) unpack deepEqual to the originals', () => {
  const odd: Workload = {
    sessionId: 'odd',
    systemTokens: 123,
    streamSystemTokens: { agent: 7 },
    taskFingerprint: 'fp',
    turns: [
      turn({ timestampMs: 5, appendedTokens: 1, outputTokens: 2 }),
      turn({ timestampMs: 6, streamId: 'agent', model: 'm2', writeTtlObserved: '1h', compactedBefore: { preTokens: null, postTokens: 40 } }),
      turn({ writeTtlObserved: null, compactedBefore: { preTokens: 9, postTokens: null } }),
      turn({ writeTtlObserved: '5m' }),
    ],
  };
  const ws = [...spec().workloads, odd, { sessionId: 'empty', systemTokens: 0, turns: [], taskFingerprint: null }];
  const back = unpackWorkloads(structuredClone(packWorkloads(ws)));
  assert.deepEqual(back, ws);
  assert.equal('writeTtlObserved' in back[0]!.turns[0]!, false);
});

/**
 * The break-even sweeps give the same report whichever way their totals are
 * evaluated: in this thread (`buildAnalysis`), through an asynchronous
 * evaluator that answers out of order (`buildAnalysisAsync`), or on worker
 * threads (the CLI's pool, src/cli/sweep-workers.ts). Also: the gap classes
 * (gaps known to cost the same are simulated once) change no number, and the
 * columnar per-request rows give back the rows they were made from.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnalysis, buildAnalysisAsync, DEFAULT_STRATEGIES, gapClassOf, type SweepEvaluator, type SweepJob } from '../../src/pipeline.js';
import { DEFAULT_GAP_GRID_MS, sweepIdleGap, type TotalCost } from '../../src/analyze/break-even.js';
import { applyOverrides } from '../../src/analyze/params.js';
import { SimulatedTurnTable } from '../../src/analyze/turn-table.js';
import { ScenarioSum, summedTranscripts } from '../../src/analyze/summed.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../../src/simulate/params.js';
import { simulate, simulateTotals } from '../../src/simulate/simulate.js';
import { workloadFromSession } from '../../src/simulate/workload.js';
import { sweepPoolFactory } from '../../src/cli/sweep-workers.js';
import type { Workload } from '../../src/model/simulation.js';
import { ingestDir } from '../helpers/ingest.js';

const FIX = 'test/fixtures/analyze';
const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
const params = DEFAULT_SIMULATION_PARAMS;
const options = { strategies: DEFAULT_STRATEGIES, top: 5, generatedAtMs: 0 };

/** Workloads of the fixtures' priced requests (one fixture uses a model without a price). */
function pricedWorkloads(): Workload[] {
  return ingestDir(FIX)
    .sessions.map((s) => ({ ...s, turns: s.turns.filter((t) => resolver.resolve(t.model).kind === 'known') }))
    .filter((s) => s.turns.length > 0)
    .map((s) => workloadFromSession(s).workload);
}

/** Per-workload totals, each job's workloads computed in reverse and answered after a delay. */
function shuffledEvaluator(workloads: readonly Workload[]): SweepEvaluator {
  return {
    evaluate: async (jobs: readonly SweepJob[]) => {
      await new Promise((r) => setTimeout(r, 1));
      return jobs.map((job) => {
        const out = new Float64Array(workloads.length);
        for (let w = workloads.length - 1; w >= 0; w--) out[w] = simulateTotals(workloads[w] as Workload, job.strategy, { resolver, params: job.params }).totalCostUsd;
        return out;
      });
    },
  };
}

test('buildAnalysisAsync with an out-of-order evaluator = buildAnalysis (sequential sweeps)', async () => {
  const sync = buildAnalysis(ingestDir(FIX), resolver, params, options);
  let used = 0;
  const async = await buildAnalysisAsync(ingestDir(FIX), resolver, params, options, ({ workloads }) => {
    used++;
    return shuffledEvaluator(workloads);
  });
  assert.equal(used, 1);
  assert.ok(sync.breakEven.gap.points.length > 0);
  assert.deepEqual(async, sync);
});

test('buildAnalysisAsync on a worker-thread pool = buildAnalysis', async () => {
  const pool = sweepPoolFactory({ workers: 1, minTurns: 0 });
  try {
    const parallel = await buildAnalysisAsync(ingestDir(FIX), resolver, params, { ...options, consumeSessions: true }, pool.factory);
    assert.deepEqual(parallel, buildAnalysis(ingestDir(FIX), resolver, params, options));
  } finally {
    pool.close();
  }
});

test('consumeSessions empties the input sessions and changes nothing in the report', () => {
  const input = ingestDir(FIX);
  const original = input.sessions;
  assert.ok(original.length > 1);
  const consumed = buildAnalysis(input, resolver, params, { ...options, consumeSessions: true });
  assert.equal(input.sessions.length, 0);
  // Each session was let go once read: the list the caller handed in holds none of them.
  assert.ok(original.every((s) => s === undefined));
  assert.deepEqual(consumed, buildAnalysis(ingestDir(FIX), resolver, params, options));
});

test('gap classes: gaps with the same class cost the same, and the sweep with classes = without', () => {
  const workloads = pricedWorkloads();
  const gapClass = gapClassOf(workloads, resolver, params);
  assert.ok(gapClass, 'Anthropic fixtures: no storage billing, integer TTLs');
  const total: TotalCost = (ws, strategy, overrides) => {
    const env = { resolver, params: applyOverrides(params, overrides) };
    let sum = 0;
    for (const w of ws) sum += simulateTotals(w, strategy, env).totalCostUsd;
    return sum;
  };
  // Every gap of a fine grid against the first gap of its class, both strategies.
  const grid = [1000, 59_999, 60_000, 150_000, 299_999, 300_000, 300_001, 327_272, 327_273, 1_799_999, 1_800_000, 3_600_000, 3_600_001, 5_000_000, 86_400_000];
  const first = new Map<string, number>();
  for (const g of grid) {
    const cls = gapClass(g) as string;
    const f = first.get(cls);
    if (f === undefined) first.set(cls, g);
    else for (const s of ['transcript', 'state'] as const) assert.equal(total(workloads, s, { gapMs: g }), total(workloads, s, { gapMs: f }), `${s} at ${g} vs ${f}`);
  }
  assert.ok(first.size < grid.length);
  assert.deepEqual(sweepIdleGap(workloads, total, DEFAULT_GAP_GRID_MS, 1000, gapClass), sweepIdleGap(workloads, total));
  // Storage billing (Gemini explicit) depends on time continuously: no classes.
  const gemini = workloads.map((w) => ({ ...w, turns: w.turns.map((t) => ({ ...t, model: 'gemini-2.5-pro' })) }));
  assert.equal(gapClassOf(gemini, resolver, { ...params, geminiCache: 'explicit' }), undefined);
});

test('SimulatedTurnTable gives back every row (deepEqual), side requests and nulls included', () => {
  const workloads = pricedWorkloads();
  for (const [, results] of simulate(workloads, DEFAULT_STRATEGIES, { resolver, params })) {
    for (const r of results) {
      const table = SimulatedTurnTable.from(r.turns);
      assert.equal(table.length, r.turns.length);
      assert.deepEqual([...table], r.turns);
      r.turns.forEach((t, i) => {
        assert.equal(table.turnIndexAt(i), t.turnIndex);
        assert.equal(table.totalUsdAt(i), t.cost.totalUsd);
      });
    }
  }
  // Values beyond int32 fall back to doubles, exactly.
  const row = simulate(workloads, ['transcript'], { resolver, params }).get('transcript')?.[0]?.turns[0];
  assert.ok(row);
  const huge = SimulatedTurnTable.from([{ ...row, promptTokens: 2 ** 40, idleGapMs: null }]);
  assert.deepEqual(huge.at(0), { ...row, promptTokens: 2 ** 40, idleGapMs: null });
});

test('TTL variants on the pool worker (summed runs) = in this thread, with and without a --ttl and without transcript compared', async () => {
  const cases = [
    { params, options },
    { params: { ...params, ttlSeconds: 3600 }, options },
    { params, options: { ...options, strategies: ['state', 'nocache'] as const } },
  ];
  for (const c of cases) {
    const pool = sweepPoolFactory({ workers: 1, minTurns: 0 });
    try {
      const parallel = await buildAnalysisAsync(ingestDir(FIX), resolver, c.params, { ...c.options, consumeSessions: true }, pool.factory);
      const sync = buildAnalysis(ingestDir(FIX), resolver, c.params, c.options);
      assert.ok(sync.scenarios.some((s) => s.id === 'transcript@log'));
      assert.deepEqual(parallel, sync);
    } finally {
      pool.close();
    }
  }
});

test('summedTranscripts: running sums = the sums of simulate over all workloads at once, per job; transcript@log reuse is exact', () => {
  const workloads = pricedWorkloads();
  const jobs = [
    { kind: 'ttl-5m' as const, params: applyOverrides(params, { ttl: '5m' }) },
    { kind: 'ttl-1h' as const, params: applyOverrides(params, { ttl: '1h' }) },
  ];
  const summed = summedTranscripts(workloads, resolver, jobs);
  assert.equal(summed.length, 2);
  jobs.forEach((job, j) => {
    const all = simulate(workloads, ['transcript'], { resolver, params: job.params }).get('transcript') ?? [];
    const sum = new ScenarioSum();
    for (const r of all) sum.add(r);
    const id = `transcript@${job.kind.slice(4)}`;
    assert.deepEqual(summed[j]?.totals, sum.totals(id, 'transcript', job.kind));
    assert.equal(summed[j]?.perWorkload.length, workloads.length);
    // Each job's per-workload scenarios are its own runs, in workload order.
    assert.deepEqual(summed[j]?.perWorkload.map((s) => s.totalCostUsd), all.map((r) => r.totalCostUsd));
  });
  assert.notDeepEqual(summed[0]?.totals, summed[1]?.totals);
  // With ttlSeconds null, transcript@log (ttl: 'log') is the plain transcript run.
  const [log, plain] = summedTranscripts(workloads, resolver, [
    { kind: 'log-ttl', params: applyOverrides(params, { ttl: 'log' }) },
    { kind: 'log-ttl', params },
  ]);
  assert.equal(params.ttlSeconds, null);
  assert.deepEqual(log, plain);
});

test('sweep pool prestart: a prestarted worker is used, or terminated when the input is too small', async () => {
  const workloads = pricedWorkloads();
  const turns = workloads.reduce((a, w) => a + w.turns.length, 0);
  const small = sweepPoolFactory({ workers: 1, minTurns: turns + 1 });
  small.prestart();
  assert.equal(small.factory({ workloads, priceTable: EMBEDDED_PRICE_TABLE, turns, jobsHint: 1 }), null);
  small.close();
  const big = sweepPoolFactory({ workers: 1, minTurns: 0 });
  try {
    big.prestart();
    const ev = big.factory({ workloads, priceTable: EMBEDDED_PRICE_TABLE, turns, jobsHint: 1 });
    assert.ok(ev);
    const job = { strategy: 'state' as const, params };
    const [totals] = await ev.evaluate([job]);
    assert.deepEqual(
      [...(totals as Float64Array)],
      workloads.map((w) => simulateTotals(w, 'state', { resolver, params }).totalCostUsd),
    );
  } finally {
    big.close();
  }
});

test('keepRows: false changes nothing but the request lists (actual turns reduced as read, simulated costs in columns: the same numbers)', () => {
  const cases = [
    [params, options.top],
    [applyOverrides(params, { ttl: '1h' }), options.top],
    [{ ...params, stateUpdateEvery: 3 }, 100], // more top requests than the short selection keeps
  ] as const;
  for (const [p, top] of cases) {
    const withRows = buildAnalysis(ingestDir(FIX), resolver, p, { ...options, top });
    const without = buildAnalysis(ingestDir(FIX), resolver, p, { ...options, top, keepRows: false });
    let rowsSeen = 0;
    let actualSeen = 0;
    for (const s of withRows.sessions) {
      assert.equal(s.missedTurns, s.turns.filter((t) => t.missReason !== null).length);
      assert.equal(s.actual.tokens.turns, s.turns.length);
      actualSeen += s.turns.length;
      s.turns = [];
      for (const sc of s.scenarios) {
        if (sc.turns !== null) rowsSeen += sc.turns.length;
        sc.turns = null;
      }
    }
    assert.ok(rowsSeen > 0 && actualSeen > 0, 'the fixtures have requests');
    assert.ok(withRows.topTurns.length > 0 && withRows.misses.totalMisses > 0);
    assert.ok(without.sessions.every((s) => s.turns.length === 0 && s.scenarios.every((sc) => sc.turns === null)));
    assert.ok(without.breakEven.focus !== null && without.curves.series.length > 1);
    assert.deepEqual(without, withRows);
  }
});

test('keepRows: false with a request of an unknown model inside a session: per-turn costs stay on their turns', () => {
  const ingest = () => {
    const r = ingestDir(FIX);
    const s = [...r.sessions].sort((a, b) => b.turns.length - a.turns.length)[0];
    assert.ok(s && s.turns.length >= 3);
    const mid = Math.floor(s.turns.length / 2);
    s.turns = s.turns.map((t, i) => (i === mid ? { ...t, model: 'no-such-model-xyz' } : t));
    return r;
  };
  const withRows = buildAnalysis(ingest(), resolver, params, options);
  const without = buildAnalysis(ingest(), resolver, params, { ...options, keepRows: false });
  assert.ok(withRows.unknownModels.some((u) => u.model === 'no-such-model-xyz'));
  for (const s of withRows.sessions) {
    s.turns = [];
    for (const sc of s.scenarios) sc.turns = null;
  }
  assert.deepEqual(without, withRows);
});

test('a memo of workload runs: a second analysis takes the compared strategies and TTL variants from it, same report', async () => {
  const { runKey } = await import('../../src/analyze/summed.js');
  type Run = import('../../src/analyze/summed.js').WorkloadRun;
  const store = new Map<string, Run>();
  let hits = 0;
  let puts = 0;
  const memo = {
    get: (w: Workload, key: string) => {
      const r = store.get(`${w.sessionId}|${key}`);
      if (r) hits++;
      return r;
    },
    put: (w: Workload, key: string, run: Run) => {
      puts++;
      store.set(`${w.sessionId}|${key}`, run);
    },
    // Equal only for equal lists, in order.
    keyOfAll: (ws: readonly Workload[]) => JSON.stringify(ws),
  };
  const plain = buildAnalysis(ingestDir(FIX), resolver, params, { ...options, keepRows: false });
  const first = buildAnalysis(ingestDir(FIX), resolver, params, { ...options, keepRows: false, memo });
  assert.ok(puts > 0 && hits === 0);
  const second = buildAnalysis(ingestDir(FIX), resolver, params, { ...options, keepRows: false, memo });
  // transcript, state, nocache, the TTL variants, and replay (under a key of the whole list of workloads).
  assert.equal(hits, puts);
  assert.ok([...store.keys()].some((k) => k.includes(runKey('replay', params))));
  assert.deepEqual(first, plain);
  assert.deepEqual(second, plain);
  // It is really read: a doctored run changes the report.
  for (const strategy of ['state', 'replay'] as const) {
    const key = [...store.keys()].find((k) => k.includes(runKey(strategy, params)));
    assert.ok(key, strategy);
    const run = store.get(key) as Run;
    store.set(key, { ...run, totals: { ...run.totals, totalCostUsd: run.totals.totalCostUsd + 1 } });
    const doctored = buildAnalysis(ingestDir(FIX), resolver, params, { ...options, keepRows: false, memo });
    assert.notDeepEqual(doctored.scenarios, plain.scenarios, strategy);
    store.set(key, run);
  }
  // Replay's runs of one list of workloads are not served for another (a session left out changes what
  // the others replay): the same report as without the memo.
  const fewer = ingestDir(FIX);
  fewer.sessions = fewer.sessions.slice(1);
  const fewerPlain = buildAnalysis(structuredClone(fewer), resolver, params, { ...options, keepRows: false });
  const before = puts;
  assert.deepEqual(buildAnalysis(fewer, resolver, params, { ...options, keepRows: false, memo }), fewerPlain);
  assert.ok([...store.keys()].filter((k) => k.includes(runKey('replay', params))).length > 0 && puts > before);
});

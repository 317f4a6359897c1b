/**
 * Properties of the simulator over random workloads (fast-check):
 * - every row conserves tokens (read + writes + uncached = prompt) and is
 *   priced exactly as price/cost.ts priceRequest prices it;
 * - a cache never makes a request dearer than no cache except by the write
 *   premium (and Gemini explicit storage);
 * - transcript and nocache send the same prompts;
 * - simulate() and simulateTotals() agree bit for bit, and so do simulate()'s
 *   rows and simulateColumns()' per-request costs; runs are deterministic;
 * - cost is monotone in tokens, on the domain where that holds (see the last
 *   tests for the two documented exceptions: the minimum cacheable length and
 *   128-token increments, where more tokens can be cheaper).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ModelPrice } from '../../src/model/pricing.js';
import type { SimulatedTurn, StrategyId, Workload, WorkloadTurn } from '../../src/model/simulation.js';
import { priceRequest, ratesForRequest } from '../../src/price/cost.js';
import { DEFAULT_SIMULATION_PARAMS, type SimulationParams } from '../../src/simulate/params.js';
import { simulate, simulateColumns, simulateTotals } from '../../src/simulate/simulate.js';
import { COST_STRIDE } from '../../src/simulate/cache.js';
import { reserveRunColumns, workloadRuns } from '../../src/analyze/summed.js';
import type { SimulationEnv } from '../../src/simulate/strategy.js';
import { anthropicRow, deepseekRow, geminiRow, openaiRow, resolverOf, workloadAt } from '../helpers/sim.js';

const TIERED = anthropicRow({
  id: 'tiered',
  contextWindowTokens: 1_000_000,
  tiers: [{ aboveInputTokens: 60_000, inputUsdPerMTok: 6, outputUsdPerMTok: 22.5, cacheWrite5mUsdPerMTok: 7.5, cacheWrite1hUsdPerMTok: 12, cacheReadUsdPerMTok: 0.6 }],
});
const ROWS: ModelPrice[] = [anthropicRow(), anthropicRow({ id: 'test-claude-b', minCacheableTokens: 4096 }), TIERED, openaiRow(), deepseekRow(), geminiRow()];
const RESOLVER = resolverOf(...ROWS);
const PRICE = new Map(ROWS.map((r) => [r.id, r]));
const STRATEGIES: StrategyId[] = ['transcript', 'state', 'replay', 'nocache'];
const RUNS = { numRuns: 150 };

function env(params: Partial<SimulationParams>): SimulationEnv {
  return { resolver: RESOLVER, params: { ...DEFAULT_SIMULATION_PARAMS, ...params } };
}

const MIN = 60_000;
const turnArb = (models: readonly string[]) =>
  fc.record({
    gapMs: fc.oneof(fc.integer({ min: 0, max: 10 * MIN }), fc.constantFrom(300_000, 300_001, 3_600_000, 3_600_001)),
    model: fc.constantFrom(...models),
    streamId: fc.constantFrom('main', 'main', 'main', 'agent'),
    appendedTokens: fc.integer({ min: 0, max: 8000 }),
    outputTokens: fc.integer({ min: 0, max: 3000 }),
    postTokens: fc.option(fc.integer({ min: 0, max: 5000 })),
    compactedFlag: fc.integer({ min: 0, max: 19 }),
    ttl: fc.constantFrom<'5m' | '1h' | null | undefined>('5m', '1h', null, undefined),
  });

function workloadArb(models: readonly string[], opts: { maxTurns?: number; compactions?: boolean } = {}): fc.Arbitrary<Workload> {
  return fc
    .record({
      systemTokens: fc.integer({ min: 0, max: 6000 }),
      agentSystemTokens: fc.option(fc.integer({ min: 0, max: 6000 })),
      turns: fc.array(turnArb(models), { minLength: 1, maxLength: opts.maxTurns ?? 25 }),
    })
    .map(({ systemTokens, agentSystemTokens, turns }) => {
      let t = 0;
      const out: WorkloadTurn[] = turns.map((x, i) => {
        if (i > 0) t += x.gapMs;
        const turn: WorkloadTurn = {
          timestampMs: t,
          model: x.model,
          streamId: x.streamId,
          appendedTokens: x.appendedTokens,
          outputTokens: x.outputTokens,
          compactedBefore: opts.compactions && x.compactedFlag === 0 ? { preTokens: null, postTokens: x.postTokens } : null,
        };
        if (x.ttl !== undefined) turn.writeTtlObserved = x.ttl;
        return turn;
      });
      const w: Workload = { sessionId: 'w', systemTokens, turns: out, taskFingerprint: null };
      if (agentSystemTokens !== null) w.streamSystemTokens = { agent: agentSystemTokens };
      return w;
    });
}

const paramsArb: fc.Arbitrary<Partial<SimulationParams>> = fc.record({
  ttlSeconds: fc.constantFrom(null, null, 300, 600, 3600),
  anthropicWriteTtl: fc.constantFrom<'5m' | '1h'>('5m', '1h'),
  compaction: fc.boolean(),
  compactAtTokens: fc.constantFrom(null, 20_000, 50_000),
  summaryTokens: fc.integer({ min: 0, max: 8000 }),
  stateRatio: fc.double({ min: 0, max: 1, noNaN: true }),
  stateCapTokens: fc.integer({ min: 0, max: 30_000 }),
  stateUpdateEvery: fc.integer({ min: 1, max: 4 }),
  replayHitRate: fc.constantFrom(null, 0.5),
  geminiCache: fc.constantFrom<'implicit' | 'explicit'>('implicit', 'explicit'),
  gapOverrideMs: fc.constantFrom(null, null, 0, 299_999, 300_001),
});

const ALL_MODELS = ROWS.map((r) => r.id);

function rowsOf(w: Workload, e: SimulationEnv, id: StrategyId): SimulatedTurn[] {
  return simulate([w], [id], e).get(id)?.[0]?.turns ?? [];
}

test('tokens are conserved and every row is priced exactly as priceRequest prices it (storage apart)', () => {
  fc.assert(
    fc.property(workloadArb(ALL_MODELS, { compactions: true }), paramsArb, (w, p) => {
      const e = env(p);
      for (const id of STRATEGIES) {
        for (const r of rowsOf(w, e, id)) {
          assert.equal(r.cacheReadTokens + r.cacheWrite5mTokens + r.cacheWrite1hTokens + r.uncachedInputTokens, r.promptTokens, `${id} ${r.kind}`);
          for (const n of [r.cacheReadTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.uncachedInputTokens, r.outputTokens]) {
            assert.ok(Number.isInteger(n) && n >= 0, `${id}: ${n}`);
          }
          const price = PRICE.get(r.model) as ModelPrice;
          const expected = priceRequest(price, {
            inputTokens: r.uncachedInputTokens,
            cacheWrite5mTokens: r.cacheWrite5mTokens,
            cacheWrite1hTokens: r.cacheWrite1hTokens,
            cacheReadTokens: r.cacheReadTokens,
            outputTokens: r.outputTokens,
          });
          // Storage (Gemini explicit) is the meter's own addition; every other component is priceRequest's, bit for bit.
          const storageUsd = r.cost.storageUsd;
          assert.ok(storageUsd >= 0);
          if (storageUsd === 0) assert.deepEqual(r.cost, expected, `${id} ${r.kind}`);
          else {
            assert.deepEqual({ ...r.cost, storageUsd: 0, totalUsd: 0 }, { ...expected, totalUsd: 0 }, `${id} ${r.kind}`);
            assert.ok(Math.abs(r.cost.totalUsd - (expected.totalUsd + storageUsd)) < 1e-12);
          }
        }
      }
    }),
    RUNS,
  );
});

test('a cache never makes a request dearer than no cache except by the write premium (and storage)', () => {
  fc.assert(
    fc.property(workloadArb(ALL_MODELS, { compactions: true }), paramsArb, (w, p) => {
      const e = env(p);
      const cached = rowsOf(w, e, 'transcript');
      const base = rowsOf(w, e, 'nocache');
      assert.equal(cached.length, base.length);
      let premium = 0;
      cached.forEach((r, i) => {
        const b = base[i] as SimulatedTurn;
        // Same request, same tier.
        assert.equal(r.promptTokens, b.promptTokens);
        assert.equal(r.kind, b.kind);
        const rates = ratesForRequest(PRICE.get(r.model) as ModelPrice, { inputTokens: r.promptTokens, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0 });
        const rowPremium =
          (r.cacheWrite5mTokens * (rates.cacheWrite5mUsdPerMTok - rates.inputUsdPerMTok) + r.cacheWrite1hTokens * (rates.cacheWrite1hUsdPerMTok - rates.inputUsdPerMTok)) / 1e6 + r.cost.storageUsd;
        assert.ok(r.cost.totalUsd <= b.cost.totalUsd + rowPremium + 1e-12, `row ${i}: ${r.cost.totalUsd} > ${b.cost.totalUsd} + ${rowPremium}`);
        premium += rowPremium;
      });
      const tc = simulateTotals(w, 'transcript', e).totalCostUsd;
      const nc = simulateTotals(w, 'nocache', e).totalCostUsd;
      assert.ok(tc <= nc + premium + 1e-9, `${tc} > ${nc} + ${premium}`);
    }),
    RUNS,
  );
});

test('transcript and nocache send the same prompts, with compaction on or off', () => {
  fc.assert(
    fc.property(workloadArb(ALL_MODELS, { compactions: true }), paramsArb, (w, p) => {
      const e = env(p);
      const tr = simulateTotals(w, 'transcript', e);
      const nc = simulateTotals(w, 'nocache', e);
      assert.equal(tr.promptTokens, nc.promptTokens);
      assert.equal(tr.outputTokens, nc.outputTokens);
      assert.equal(tr.requests, nc.requests);
      assert.equal(nc.uncachedInputTokens, nc.promptTokens);
      // Without compaction (and none logged) the prompts are the closed form of the workload.
      if (!p.compaction && w.turns.every((t) => t.compactedBefore === null)) {
        const perStream = new Map<string, { prompt: number; output: number }>();
        let sum = 0;
        for (const t of w.turns) {
          const s = perStream.get(t.streamId);
          const system = w.streamSystemTokens?.[t.streamId] ?? w.systemTokens;
          const prompt = s === undefined ? system + t.appendedTokens : s.prompt + s.output + t.appendedTokens;
          perStream.set(t.streamId, { prompt, output: t.outputTokens });
          sum += prompt;
        }
        assert.equal(tr.promptTokens, sum);
      }
    }),
    RUNS,
  );
});

test('simulate() and simulateTotals() agree bit for bit; the rows sum to the total', () => {
  fc.assert(
    fc.property(workloadArb(ALL_MODELS, { compactions: true }), paramsArb, (w, p) => {
      const e = env(p);
      for (const id of STRATEGIES) {
        const r = simulate([w], [id], e).get(id)?.[0];
        assert.ok(r);
        const t = simulateTotals(w, id, e);
        assert.equal(r.totalCostUsd, t.totalCostUsd, id);
        assert.equal(r.totalPromptTokens, t.promptTokens, id);
        assert.equal(r.totalOutputTokens, t.outputTokens, id);
        assert.equal(r.turns.length, t.requests, id);
        assert.equal(r.turns.filter((x) => x.kind !== 'turn').length, t.sideRequests, id);
        assert.equal(r.turns.filter((x) => x.missReason !== null).length, t.misses, id);
        const sum = r.turns.reduce((a, x) => a + x.cost.totalUsd, 0);
        assert.ok(Math.abs(sum - t.totalCostUsd) <= 1e-9 * Math.max(1, t.totalCostUsd), `${id}: rows ${sum} vs ${t.totalCostUsd}`);
        const last = r.turns.at(-1);
        if (last) assert.ok(Math.abs(last.cumulativeCostUsd - t.totalCostUsd) <= 1e-9 * Math.max(1, t.totalCostUsd));
        const missSum = r.turns.reduce((a, x) => a + x.missCostUsd, 0);
        assert.ok(Math.abs(missSum - t.missCostUsd) <= 1e-9 * Math.max(1, t.missCostUsd));
      }
    }),
    RUNS,
  );
});

test('simulateColumns() holds each request\'s costs exactly as the rows of simulate() do (storage tail included)', () => {
  fc.assert(
    fc.property(fc.array(workloadArb(ALL_MODELS, { compactions: true }), { minLength: 1, maxLength: 3 }), paramsArb, (ws, p) => {
      const e = env(p);
      for (const id of STRATEGIES) {
        const rows = simulate(ws, [id], e).get(id) ?? [];
        const cols = simulateColumns(ws, id, e);
        assert.equal(cols.length, rows.length, id);
        rows.forEach((r, w) => {
          const c = cols[w];
          assert.ok(c);
          assert.equal(c.totals.totalCostUsd, r.totalCostUsd, id);
          assert.equal(c.totals.promptTokens, r.totalPromptTokens, id);
          assert.equal(c.totals.outputTokens, r.totalOutputTokens, id);
          assert.deepEqual(c.params, r.params, id);
          assert.equal(c.columns.length, r.turns.length, id);
          r.turns.forEach((t, k) => {
            const o = k * COST_STRIDE;
            const got = [...c.columns.costs.subarray(o, o + COST_STRIDE)];
            const want = [t.cost.inputUsd, t.cost.cacheWrite5mUsd, t.cost.cacheWrite1hUsd, t.cost.cacheReadUsd, t.cost.outputUsd, t.cost.storageUsd, t.cost.totalUsd, t.missCostUsd];
            assert.deepEqual(got, want, `${id} request ${k}`);
            assert.equal(c.columns.turnIndex[k], t.turnIndex, `${id} request ${k}`);
          });
        });
      }
    }),
    { numRuns: 100 },
  );
});

test('runs are deterministic: the same inputs give the same rows, whatever ran before', () => {
  fc.assert(
    fc.property(workloadArb(ALL_MODELS, { compactions: true }), workloadArb(ALL_MODELS), paramsArb, (w, other, p) => {
      const e = env(p);
      const first = simulate([w], STRATEGIES, e);
      simulate([other], STRATEGIES, e);
      const again = simulate([structuredClone(w)], STRATEGIES, env(p));
      assert.deepEqual(again, first);
    }),
    { numRuns: 60 },
  );
});

// ---------------------------------------------------------------- monotonicity

/** Domain where more tokens never cost less: no compaction, token-exact caches, every prefix above the minimum. */
const MONO_MODELS = ['test-claude', 'tiered', 'test-gemini'];

test('cost is monotone in tokens: more appended or output tokens are never cheaper, per strategy', () => {
  fc.assert(
    fc.property(
      workloadArb(MONO_MODELS, { maxTurns: 15 }).map((w) => ({ ...w, systemTokens: 2048 + w.systemTokens, streamSystemTokens: undefined })),
      paramsArb,
      fc.nat(),
      fc.integer({ min: 1, max: 5000 }),
      fc.boolean(),
      (w, p, pick, delta, output) => {
        const params = { ...p, compaction: false, stateSchemaTokens: null, replayHitRate: null };
        const e = env(params);
        const k = pick % w.turns.length;
        const more = structuredClone(w);
        const t = more.turns[k] as WorkloadTurn;
        if (output) t.outputTokens += delta;
        else t.appendedTokens += delta;
        for (const id of STRATEGIES) {
          const before = simulateTotals(w, id, e).totalCostUsd;
          const after = simulateTotals(more, id, e).totalCostUsd;
          assert.ok(after >= before - 1e-12, `${id}: +${delta} ${output ? 'output' : 'appended'} at turn ${k}: ${after} < ${before}`);
        }
      },
    ),
    RUNS,
  );
});

test('documented exception: crossing the minimum cacheable length makes a longer workload cheaper', () => {
  // Anthropic, min 1024. A: two turns of 1023 then 1023 + 2000 tokens; B: one more token in turn 0.
  const e = env({ compaction: false });
  const a = workloadAt([0, 1000], { systemTokens: 1023 });
  a.turns[1]!.appendedTokens = 2000;
  const b = structuredClone(a);
  b.turns[0]!.appendedTokens = 1;
  const ca = simulateTotals(a, 'transcript', e).totalCostUsd;
  const cb = simulateTotals(b, 'transcript', e).totalCostUsd;
  // A: 1023 uncached ($3) + 3023 written (3.75). B: 1024 written, then 1024 read (0.30) + 2000 written.
  assert.ok(Math.abs(ca - (1023 * 3 + 3023 * 3.75) / 1e6) < 1e-12);
  assert.ok(Math.abs(cb - (1024 * 3.75 + 1024 * 0.3 + 2000 * 3.75) / 1e6) < 1e-12);
  assert.ok(cb < ca);
});

test('documented exception: with 128-token increments a longer prompt can cache more and cost less overall', () => {
  const e = env({ compaction: false });
  const a = workloadAt([0, 1000], { systemTokens: 2000, model: 'test-gpt' });
  const b = workloadAt([0, 1000], { systemTokens: 2050, model: 'test-gpt' });
  // A: 2000 uncached, then 1920 read + 80 uncached. B: 2050 uncached, then 2048 read + 2 uncached.
  const ca = simulateTotals(a, 'transcript', e).totalCostUsd;
  const cb = simulateTotals(b, 'transcript', e).totalCostUsd;
  assert.ok(Math.abs(ca - (2000 * 1.25 + 1920 * 0.125 + 80 * 1.25) / 1e6) < 1e-12);
  assert.ok(Math.abs(cb - (2050 * 1.25 + 2048 * 0.125 + 2 * 1.25) / 1e6) < 1e-12);
  assert.ok(cb < ca);
});

test('runs simulated into one reused set of columns (workloadRuns) = each workload in columns of its own, bit for bit, params included', () => {
  const perTurnOf = (r: { columns: { length: number; turnIndex: Int32Array; costs: Float64Array } }, turns: number): Float64Array => {
    const per = new Float64Array(turns);
    for (let k = 0; k < r.columns.length; k++) {
      const i = r.columns.turnIndex[k] as number;
      if (i >= 0 && i < turns) per[i] = (per[i] as number) + (r.columns.costs[k * COST_STRIDE + 6] as number);
    }
    return per;
  };
  fc.assert(
    fc.property(fc.array(workloadArb(ALL_MODELS, { compactions: true, maxTurns: 40 }), { minLength: 1, maxLength: 5 }), paramsArb, fc.boolean(), (ws, p, reserve) => {
      const e = env(p);
      // A reservation smaller than the runs need, or none: the columns grow between runs and within one.
      if (reserve) reserveRunColumns(ws.slice(0, 1).map((w) => ({ ...w, turns: w.turns.slice(0, 2) })));
      for (const id of STRATEGIES) {
        const fresh = simulateColumns(ws, id, e);
        const reused = workloadRuns(ws, id, e);
        assert.equal(reused.length, ws.length);
        ws.forEach((w, i) => {
          const f = fresh[i] as (typeof fresh)[number];
          const r = reused[i] as (typeof reused)[number];
          assert.deepEqual(r.totals, f.totals, `${id} totals`);
          assert.deepEqual(r.params, f.params, `${id} params (replay's summary of the whole call included)`);
          assert.deepEqual([...r.perTurnUsd], [...perTurnOf(f, w.turns.length)], `${id} per-turn costs`);
        });
      }
    }),
    { numRuns: 100 },
  );
});

/**
 * Benchmark of the simulation fast path (issue #5): a break-even sweep over
 * 10,000 scenarios of 1,000-turn sessions must take under a second.
 *
 * Scenarios = 100 synthetic sessions (seeded exponential gaps) × 100 idle-gap
 * settings (the sweep re-times every workload through `gapOverrideMs`, as the
 * analyze break-even sweep does), each simulated with `simulateTotals` under
 * `transcript` (with compaction) and `state`.
 *
 * Two measurements of the same 2 × 10,000 scenarios:
 * - single thread: `runSweepShard` per strategy in this thread (per-strategy
 *   times and throughput);
 * - parallel: `sweepParallel` over this thread plus `--workers − 1` worker
 *   threads (this file is also the worker entry), timed from before the
 *   workers are started (spawn, module load, spec transfer included) to the
 *   last total. That wall time is the sweep's figure; `--check` exits 1 when
 *   it exceeds the budget.
 * The checksums (sum of the totals per strategy, in scenario order) must be
 * equal in both runs, bit for bit; the script exits 1 when they are not.
 *
 *   node dist/scripts/bench-simulate.js [--scenarios 10000] [--turns 1000] [--workers 2] [--check]
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { EMBEDDED_PRICE_TABLE } from '../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../src/simulate/params.js';
import { syntheticWorkloads } from '../src/simulate/scenario.js';
import {
  createSweepWorkerHandler,
  inThreadExecutor,
  portExecutor,
  runSweepShard,
  sweepParallel,
  type SweepRequest,
  type SweepScenario,
  type SweepSpec,
} from '../src/simulate/sweep.js';
import type { StrategyId } from '../src/model/simulation.js';

const BUDGET_MS = 1000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function buildSpec(scenarios: number, turns: number, strategies: readonly StrategyId[]): SweepSpec {
  const sessions = Math.min(100, scenarios);
  const variants = Math.ceil(scenarios / sessions);
  const workloads = syntheticWorkloads({
    turns,
    systemTokens: 20_000,
    turnTokens: 1_500,
    outputTokens: 500,
    gap: { kind: 'exp', meanMs: 120_000 },
    sessions,
    model: 'claude-sonnet-4-5',
    seed: 42,
    sessionIntervalMs: 3_600_000,
  });
  const gaps = Array.from({ length: variants }, (_, v) => Math.round((v / Math.max(1, variants - 1)) * 2 * 3_600_000));
  const params = gaps.map((gap) => ({ ...DEFAULT_SIMULATION_PARAMS, compactAtTokens: 167_000, gapOverrideMs: gap }));
  const list: SweepScenario[] = [];
  for (const strategy of strategies) {
    let runs = 0;
    for (let p = 0; p < params.length; p++) {
      for (let w = 0; w < workloads.length && runs < scenarios; w++, runs++) list.push({ workload: w, strategy, params: p });
    }
  }
  return { priceTable: EMBEDDED_PRICE_TABLE, workloads, params, scenarios: list };
}

function sum(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] as number;
  return s;
}

async function main(): Promise<void> {
  const scenarios = arg('--scenarios', 10_000);
  const turns = arg('--turns', 1000);
  const workers = Math.min(arg('--workers', Math.min(2, availableParallelism())), 64);
  const check = process.argv.includes('--check');
  const strategies: StrategyId[] = ['transcript', 'state'];
  const spec = buildSpec(scenarios, turns, strategies);
  const n = spec.scenarios.length;
  const per = n / strategies.length;

  // Warm-up so the JIT has compiled the loop before timing (the workers warm up inside the timed run).
  const warm = { ...spec, scenarios: strategies.map((strategy) => ({ workload: 0, strategy, params: 0 })) };
  runSweepShard(warm, 0, warm.scenarios.length);

  // 1. Single thread, per strategy.
  const single: Array<{ ms: number; total: number }> = [];
  const singleTotals = new Float64Array(n);
  strategies.forEach((_, k) => {
    const t0 = performance.now();
    const totals = runSweepShard(spec, k * per, (k + 1) * per);
    single.push({ ms: performance.now() - t0, total: sum(totals, 0, totals.length) });
    singleTotals.set(totals, k * per);
  });
  const singleMs = single.reduce((a, s) => a + s.ms, 0);

  // 2. Parallel: this thread + (workers − 1) worker threads, spawn included.
  const t0 = performance.now();
  const pool: Worker[] = [];
  for (let i = 1; i < workers; i++) pool.push(new Worker(new URL(import.meta.url)));
  const executors = [
    inThreadExecutor(spec),
    ...pool.map((w) =>
      portExecutor(
        {
          postMessage: (m) => w.postMessage(m),
          onReply: (l) => {
            w.on('message', l);
            w.on('error', (e) => {
              throw e;
            });
          },
        },
        spec,
      ),
    ),
  ];
  const parallelTotals = await sweepParallel(n, executors);
  const parallelMs = performance.now() - t0;
  await Promise.all(pool.map((w) => w.terminate()));

  const identical = parallelTotals.every((v, i) => Object.is(v, singleTotals[i]));
  const line = (name: string, ms: number, total: number) =>
    `${name.padEnd(11)} ${per} scenarios x ${turns} turns  ${ms.toFixed(0).padStart(6)} ms  (${((per * turns) / (ms / 1000) / 1e6).toFixed(1)}M turns/s, checksum $${total.toFixed(2)})`;
  const parallelLines = strategies.map((s, k) => `  ${s.padEnd(11)} checksum $${sum(parallelTotals, k * per, (k + 1) * per).toFixed(2)}`);
  process.stdout.write(
    [
      `bench-simulate: ${scenarios} scenarios of ${turns}-turn sessions (simulateTotals, Node ${process.version}, ${availableParallelism()} cores)`,
      'single thread:',
      ...strategies.map((s, k) => line(s, (single[k] as { ms: number }).ms, (single[k] as { total: number }).total)),
      `  sweep (transcript + state): ${singleMs.toFixed(0)} ms for ${((n * turns) / 1e6).toFixed(0)}M turns`,
      `parallel, ${workers} thread(s) (this one + ${workers - 1} worker(s), spawn and spec transfer included):`,
      ...parallelLines,
      `  totals bit-identical to the single-thread run: ${identical ? 'yes' : 'NO'}`,
      `break-even sweep (transcript + state): ${parallelMs.toFixed(0)} ms for ${((n * turns) / 1e6).toFixed(0)}M turns; budget ${BUDGET_MS} ms: ${parallelMs <= BUDGET_MS ? 'OK' : 'OVER'}`,
      '',
    ].join('\n'),
  );
  if (!identical || (check && parallelMs > BUDGET_MS)) process.exitCode = 1;
}

if (isMainThread) {
  await main();
} else {
  // Worker: answer sweep requests from the main thread.
  const handle = createSweepWorkerHandler();
  const port = parentPort;
  port?.on('message', (msg: SweepRequest) => {
    const reply = handle(msg);
    if (reply !== null) port.postMessage(reply, reply.totals !== null ? [reply.totals.buffer as ArrayBuffer] : []);
  });
}

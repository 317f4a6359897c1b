/**
 * Benchmark of the simulation fast path (issue #5): a break-even sweep over
 * 10,000 scenarios of 1,000-turn sessions must take under a second.
 *
 * Scenarios = 100 synthetic sessions (seeded exponential gaps) × 100 idle-gap
 * settings (the sweep re-times every workload through `gapOverrideMs`, as the
 * analyze break-even sweep does), each simulated with `simulateTotals` under
 * `transcript` (with compaction) and `state`. Prints the time per strategy and
 * for the whole sweep; exits 1 when the sweep exceeds the budget with
 * `--check`.
 *
 *   node dist/scripts/bench-simulate.js [--scenarios 10000] [--turns 1000] [--check]
 */
import { performance } from 'node:perf_hooks';
import { createPriceResolver } from '../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../src/simulate/params.js';
import { syntheticWorkloads } from '../src/simulate/scenario.js';
import { simulateTotals } from '../src/simulate/simulate.js';
import type { StrategyId } from '../src/model/simulation.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const scenarios = arg('--scenarios', 10_000);
const turns = arg('--turns', 1000);
const check = process.argv.includes('--check');
const BUDGET_MS = 1000;

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
const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
const gaps = Array.from({ length: variants }, (_, v) => Math.round((v / Math.max(1, variants - 1)) * 2 * 3_600_000));

function sweep(strategy: StrategyId): { ms: number; total: number; runs: number } {
  let total = 0;
  let runs = 0;
  const t0 = performance.now();
  for (const gap of gaps) {
    const env = { resolver, params: { ...DEFAULT_SIMULATION_PARAMS, compactAtTokens: 167_000, gapOverrideMs: gap } };
    for (const w of workloads) {
      if (runs >= scenarios) break;
      total += simulateTotals(w, strategy, env).totalCostUsd;
      runs++;
    }
  }
  return { ms: performance.now() - t0, total, runs };
}

// Warm-up so the JIT has compiled the loop before timing.
for (const id of ['transcript', 'state'] as const) simulateTotals(workloads[0]!, id, { resolver, params: DEFAULT_SIMULATION_PARAMS });

const transcript = sweep('transcript');
const state = sweep('state');
const sweepMs = transcript.ms + state.ms;
const requests = (transcript.runs + state.runs) * turns;
const line = (name: string, r: { ms: number; total: number; runs: number }) =>
  `${name.padEnd(11)} ${r.runs} scenarios x ${turns} turns  ${r.ms.toFixed(0).padStart(6)} ms  (${((r.runs * turns) / (r.ms / 1000) / 1e6).toFixed(1)}M turns/s, checksum $${r.total.toFixed(2)})`;
process.stdout.write(
  [
    `bench-simulate: ${scenarios} scenarios of ${turns}-turn sessions (simulateTotals, Node ${process.version})`,
    line('transcript', transcript),
    line('state', state),
    `break-even sweep (transcript + state): ${sweepMs.toFixed(0)} ms for ${(requests / 1e6).toFixed(0)}M turns; budget ${BUDGET_MS} ms: ${sweepMs <= BUDGET_MS ? 'OK' : 'OVER'}`,
    '',
  ].join('\n'),
);
if (check && sweepMs > BUDGET_MS) process.exitCode = 1;

/**
 * The source articles' figures, reproduced by the simulator (API) and by
 * `token-econ simulate` with the right flags (CLI):
 * 1. a 44-turn debugging session: 3,777-token transcript vs a 740-token state (−80.4%);
 * 2. 4,000 tokens per run at a flat $30/MTok, 100 runs/day: $12.00/day; replay at an 85% hit
 *    rate: $1.80/day; 50 agents with retries doubling consumption: $1,200/day;
 * 3. a transcript growing 17K, 22K … 62K over 10 turns under a 5-minute TTL: turn 1 all written,
 *    later turns read the previous prefix, a pause longer than the TTL re-writes everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulatedTurn } from '../../src/model/simulation.js';
import { projectFleet } from '../../src/simulate/fleet.js';
import { DEFAULT_SIMULATION_PARAMS, type SimulationParams } from '../../src/simulate/params.js';
import { buildSimulationReport } from '../../src/simulate/scenario-report.js';
import { syntheticWorkloads, type ScenarioSpec } from '../../src/simulate/scenario.js';
import { simulate } from '../../src/simulate/simulate.js';
import { runCliInProcess } from '../helpers/cli.js';
import { anthropicRow, flatRow, resolverOf } from '../helpers/sim.js';

const FLEET_ONE = { agents: 1, runsPerDay: 100, retryRate: 0, days: 30 };
const close = (actual: number, expected: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} is not ${expected}`);

function spec(over: Partial<ScenarioSpec>): ScenarioSpec {
  return {
    turns: 1,
    systemTokens: 0,
    turnTokens: 0,
    outputTokens: 0,
    gap: { kind: 'fixed', ms: 60_000 },
    sessions: 1,
    model: 'test-claude',
    seed: 1,
    sessionIntervalMs: 3_600_000,
    ...over,
  };
}

function params(over: Partial<SimulationParams> = {}): SimulationParams {
  return { ...DEFAULT_SIMULATION_PARAMS, ...over };
}

// ---------------------------------------------------------------- article 1

const ARTICLE1 = spec({ turns: 44, transcriptTokens: 3777 });

test('article 1 (API): 44 turns, 3,777-token transcript, 740-token state: 80.4% fewer tokens carried', () => {
  const [w] = syntheticWorkloads(ARTICLE1);
  assert.ok(w);
  assert.equal(w.turns.length, 44);
  assert.equal(w.turns.reduce((a, t) => a + t.appendedTokens + t.outputTokens, 0), 3777, 'the conversation adds up to 3,777 tokens');
  assert.ok(w.turns.every((t) => t.appendedTokens === 85 || t.appendedTokens === 86), 'spread evenly over the turns');

  const results = simulate([w], ['transcript', 'state'], { resolver: resolverOf(anthropicRow()), params: params() });
  const transcript = results.get('transcript')?.[0]?.turns ?? [];
  const lastTurn = transcript[transcript.length - 1] as SimulatedTurn;
  assert.equal(lastTurn.promptTokens + lastTurn.outputTokens, 3777, 'transcript: the history after turn 44');
  const state = results.get('state')?.[0]?.turns ?? [];
  const lastUpdate = state[state.length - 1] as SimulatedTurn;
  assert.equal(lastUpdate.kind, 'state-update');
  assert.equal(lastUpdate.outputTokens, 740, 'state: the state extracted after turn 44');

  const report = buildSimulationReport(ARTICLE1, resolverOf(anthropicRow()), params(), { strategies: ['transcript', 'state'], fleet: FLEET_ONE });
  const t = report.strategies.find((s) => s.id === 'transcript');
  const s = report.strategies.find((x) => x.id === 'state');
  assert.equal(t?.carriedContextTokens, 3777);
  assert.equal(s?.carriedContextTokens, 740);
  assert.equal(((1 - 740 / 3777) * 100).toFixed(1), '80.4');
});

test('article 1 (API): a different state ratio changes the state (the figure is not hard-wired)', () => {
  const report = buildSimulationReport(ARTICLE1, resolverOf(anthropicRow()), params({ stateRatio: 0.5 }), { strategies: ['transcript', 'state'], fleet: FLEET_ONE });
  assert.equal(report.strategies.find((x) => x.id === 'state')?.carriedContextTokens, Math.round(0.5 * 3777));
});

test('article 1 (CLI): simulate --turns 44 --transcript-tokens 3777 prints 3,777 vs 740 (-80.4%)', async () => {
  const args = ['simulate', '--turns', '44', '--transcript-tokens', '3777', '--system-tokens', '0', '--output-tokens', '0', '--compare', 'transcript,state'];
  const run = await runCliInProcess(args, { columns: 120 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /transcript 3,777 tokens, state 740 tokens \(-80\.4%\)/);
  const json = await runCliInProcess([...args, '--json']);
  const doc = JSON.parse(json.stdout);
  assert.deepEqual(
    doc.strategies.map((s: { id: string; carriedContextTokens: number }) => [s.id, s.carriedContextTokens]),
    [
      ['transcript', 3777],
      ['state', 740],
    ],
  );
});

// ---------------------------------------------------------------- article 2

/** 2,000 system + context, 1,000 reasoning, 1,000 output = 4,000 tokens per run. */
const ARTICLE2 = spec({ model: 'flat', systemTokens: 2000, outputTokens: 1000, reasoningTokens: 1000, sessions: 100 });

test('article 2 (API): 4,000 tokens/run at $30/MTok, 100 runs/day = 400K tokens = $12.00/day', () => {
  const report = buildSimulationReport(ARTICLE2, resolverOf(flatRow(30)), params({ replayHitRate: 0.85 }), {
    strategies: ['transcript', 'replay'],
    fleet: FLEET_ONE,
  });
  const t = report.strategies.find((s) => s.id === 'transcript');
  assert.ok(t);
  assert.equal(t.tokensPerRun, 4000);
  close(t.costPerRunUsd, 0.12, 'cost per run');
  const row = report.fleet.rows.find((r) => r.strategy === 'transcript');
  assert.equal(row?.tokensPerDay, 400_000);
  close(row?.costPerDayUsd ?? NaN, 12, 'transcript $/day');
  close(row?.costPerMonthUsd ?? NaN, 360, 'transcript $/month');
});

test('article 2 (API): replay at an 85% hit rate falls to 15%: $1.80/day', () => {
  const report = buildSimulationReport(ARTICLE2, resolverOf(flatRow(30)), params({ replayHitRate: 0.85 }), {
    strategies: ['transcript', 'replay'],
    fleet: FLEET_ONE,
  });
  const replay = report.strategies.find((s) => s.id === 'replay');
  assert.equal(replay?.replayedRuns, 85);
  close(replay?.costPerRunUsd ?? NaN, 0.018, 'replay per run');
  close((replay?.totalCostUsd ?? NaN) / (report.strategies[0]?.totalCostUsd ?? NaN), 0.15, 'replay / transcript');
  close(report.fleet.rows.find((r) => r.strategy === 'replay')?.costPerDayUsd ?? NaN, 1.8, 'replay $/day');
  assert.deepEqual(report.notes, [], 'the rate is reached exactly with 100 runs');
});

test('article 2 (API): 50 agents with retries doubling consumption scale linearly to $1,200/day', () => {
  const report = buildSimulationReport(ARTICLE2, resolverOf(flatRow(30)), params(), {
    strategies: ['transcript'],
    fleet: { agents: 50, runsPerDay: 100, retryRate: 1, days: 30 },
  });
  const row = report.fleet.rows[0];
  assert.equal(row?.billedRunsPerDay, 10_000);
  close(row?.costPerDayUsd ?? NaN, 1200, 'fleet $/day');
  close(projectFleet(0.12, 4000, { agents: 50, runsPerDay: 100, retryRate: 1, days: 30 }).costPerDayUsd, 1200, 'projectFleet');
  close(projectFleet(0.12, 4000, { agents: 25, runsPerDay: 100, retryRate: 1, days: 30 }).costPerDayUsd, 600, 'half the agents, half the cost');
});

test('article 2 (API): reasoning is billed as output but not carried into the next prompt', () => {
  const [w] = syntheticWorkloads(spec({ model: 'flat', turns: 3, systemTokens: 2000, turnTokens: 1500, outputTokens: 1000, reasoningTokens: 1000 }));
  const results = simulate([w!], ['nocache'], { resolver: resolverOf(flatRow(30)), params: params() });
  const rows = results.get('nocache')?.[0]?.turns ?? [];
  assert.deepEqual(
    rows.map((r) => [r.promptTokens, r.outputTokens]),
    [
      [3500, 2000],
      [6000, 2000],
      [8500, 2000],
    ],
    'each prompt grows by the visible output (1,000) + the new context (1,500), not by the reasoning',
  );
});

const ARTICLE2_FLAGS = [
  'simulate',
  '--turns', '1',
  '--system-tokens', '2000',
  '--turn-tokens', '0',
  '--reasoning-tokens', '1000',
  '--output-tokens', '1000',
  '--price', 'model=flat-30,input=30,output=30',
  '--runs-per-day', '100',
  '--retry-rate', '0',
  '--replay-hit-rate', '0.85',
  '--compare', 'transcript,replay',
];

test('article 2 (CLI): $12.00/day for one agent, $1.80/day with replay, $1,200/day for 50 agents with retries', async () => {
  const one = await runCliInProcess([...ARTICLE2_FLAGS, '--agents', '1'], { columns: 100 });
  assert.equal(one.exitCode, 0, one.stderr);
  assert.match(one.stdout, /100 runs × 1 turn on flat-30/);
  assert.match(one.stdout, /transcript +\$0\.1200\/run +400\.0K tokens\/day +\$12\.00\/day/);
  assert.match(one.stdout, /replay +\$0\.0180\/run +60\.0K tokens\/day +\$1\.80\/day/);
  assert.match(one.stdout, /replay +│[^\n]*-85\.0%/);
  const fleet = await runCliInProcess([...ARTICLE2_FLAGS, '--agents', '50', '--retry-rate', '1'], { columns: 100 });
  assert.equal(fleet.exitCode, 0, fleet.stderr);
  assert.match(fleet.stdout, /50 agents × 100 runs\/day × 2 \(retry rate 100%\) = 10,000 billed runs\/day/);
  assert.match(fleet.stdout, /transcript +\$0\.1200\/run +40\.00M tokens\/day +\$1,200\.00\/day +\$36,000\.00\/month/);
  const json = JSON.parse((await runCliInProcess([...ARTICLE2_FLAGS, '--agents', '50', '--retry-rate', '1', '--json'])).stdout);
  const day = json.fleet.rows.map((r: { strategy: string; costPerDayUsd: number }) => [r.strategy, Number(r.costPerDayUsd.toFixed(9))]);
  assert.deepEqual(day, [
    ['transcript', 1200],
    ['replay', 180],
  ]);
});

// ---------------------------------------------------------------- article 3

/** 12K system + 5K appended per turn: 17K, 22K … 62K at turn 10. */
const ARTICLE3 = spec({ turns: 10, systemTokens: 12_000, turnTokens: 5000 });
const PROMPTS = [17_000, 22_000, 27_000, 32_000, 37_000, 42_000, 47_000, 52_000, 57_000, 62_000];

function transcriptRows(s: ScenarioSpec): SimulatedTurn[] {
  const results = simulate(syntheticWorkloads(s), ['transcript'], { resolver: resolverOf(anthropicRow()), params: params({ ttlSeconds: 300 }) });
  return results.get('transcript')?.[0]?.turns ?? [];
}

test('article 3 (API): 17K … 62K under a 5-minute TTL: turn 1 all written, later turns read the previous prefix', () => {
  const rows = transcriptRows(ARTICLE3);
  assert.deepEqual(rows.map((r) => r.promptTokens), PROMPTS);
  assert.deepEqual(
    rows.map((r) => [r.cacheReadTokens, r.cacheWrite5mTokens, r.uncachedInputTokens]),
    PROMPTS.map((p, i) => (i === 0 ? [0, p, 0] : [PROMPTS[i - 1], 5000, 0])),
  );
  close(rows[0]?.cost.totalUsd ?? NaN, (17_000 * 3.75) / 1e6, 'turn 1: 17K written at $3.75/MTok');
  close(rows[1]?.cost.totalUsd ?? NaN, (17_000 * 0.3 + 5000 * 3.75) / 1e6, 'turn 2: 17K read + 5K written');
  assert.deepEqual(rows.map((r) => r.missReason), ['cold-start', ...Array(9).fill(null)]);
});

test('article 3 (API): a pause longer than the TTL turns the next turn into a full re-write', () => {
  const rows = transcriptRows({ ...ARTICLE3, pauses: [{ turn: 6, gapMs: 6 * 60_000 }] });
  assert.deepEqual(rows.map((r) => r.promptTokens), PROMPTS, 'the pause does not change the prompts');
  const t6 = rows[5] as SimulatedTurn;
  assert.equal(t6.idleGapMs, 360_000);
  assert.deepEqual([t6.cacheReadTokens, t6.cacheWrite5mTokens], [0, 42_000]);
  assert.equal(t6.missReason, 'ttl-expired');
  close(t6.missCostUsd, (37_000 * (3.75 - 0.3)) / 1e6, 'the re-written 37K prefix beyond reading it');
  assert.deepEqual([rows[6]?.cacheReadTokens, rows[6]?.cacheWrite5mTokens], [42_000, 5000], 'turn 7 reads again');
  // The boundary: a pause of exactly the TTL still hits; one millisecond more misses.
  assert.equal(transcriptRows({ ...ARTICLE3, pauses: [{ turn: 6, gapMs: 300_000 }] })[5]?.cacheReadTokens, 37_000);
  assert.equal(transcriptRows({ ...ARTICLE3, pauses: [{ turn: 6, gapMs: 300_001 }] })[5]?.cacheReadTokens, 0);
});

test('article 3 (CLI): the per-turn read/write split and the re-write after --pause 6=10m', async () => {
  const args = ['simulate', '--turns', '10', '--system-tokens', '12000', '--turn-tokens', '5000', '--output-tokens', '0', '--gap', '1m', '--ttl', '5m', '--pause', '6=10m', '--compare', 'transcript'];
  const json = JSON.parse((await runCliInProcess([...args, '--json'])).stdout);
  const turns = json.strategies[0].sessions[0].turns;
  assert.deepEqual(turns.map((t: { promptTokens: number }) => t.promptTokens), PROMPTS);
  assert.deepEqual(
    turns.map((t: { cacheReadTokens: number; cacheWrite5mTokens: number }) => [t.cacheReadTokens, t.cacheWrite5mTokens]),
    PROMPTS.map((p, i) => (i === 0 ? [0, p] : i === 5 ? [0, p] : [PROMPTS[i - 1], 5000])),
  );
  assert.equal(turns[5].missReason, 'ttl-expired');
  assert.equal(json.scenario.idleGaps.overTtl, 1);
  const text = await runCliInProcess(args, { columns: 120 });
  assert.equal(text.exitCode, 0, text.stderr);
  assert.match(text.stdout, /│ +6 │ +10m │ +42,000 │ +0 │ +42,000 │/);
  assert.match(text.stdout, /│ +7 │ +1m │ +47,000 │ +42,000 │ +5,000 │/);
  assert.match(text.stdout, /TTL expiry: 1 miss cost \$0\.13 beyond cache reads \(gaps 10m 00s\)/);
});

/**
 * The strategies' request accounting with hand-computed figures: transcript
 * (with compaction), state (state size, update requests), replay
 * (fingerprints, TTL, hit rate) and nocache. anthropicRow prices: in 3, out 15,
 * 5m write 3.75, read 0.30 per MTok; min 1024; TTL 5m.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulatedTurn, StrategyId, Workload } from '../../src/model/simulation.js';
import { simulate, simulateTotals } from '../../src/simulate/simulate.js';
import { replaysAtRate } from '../../src/simulate/strategies/replay.js';
import { stateTokensFor } from '../../src/simulate/strategies/state.js';
import { contextWindowOf } from '../../src/simulate/params.js';
import type { SimulationEnv } from '../../src/simulate/strategy.js';
import { anthropicRow, envOf, turn, workloadAt } from '../helpers/sim.js';

const M = 1_000_000;
const MIN = 60_000;

function near(actual: number, expected: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} expected ${expected}, got ${actual}`);
}

function resultOf(w: Workload, env: SimulationEnv, id: StrategyId) {
  const r = simulate([w], [id], env).get(id)?.[0];
  assert.ok(r);
  return r;
}

/** [kind, turnIndex, prompt, read, 5m write, uncached, output]. */
function shape(r: SimulatedTurn): [string, number, number, number, number, number, number] {
  return [r.kind, r.turnIndex, r.promptTokens, r.cacheReadTokens, r.cacheWrite5mTokens, r.uncachedInputTokens, r.outputTokens];
}

// ---------------------------------------------------------------- transcript + compaction

test('transcript compaction: past compactAtTokens a summary request is billed, then the turn restarts from system + summary', () => {
  const env = envOf([anthropicRow()], { compactAtTokens: 30_000, summaryTokens: 3000 });
  const w = workloadAt([0, 1, 2, 3, 4].map((m) => m * MIN), { systemTokens: 2000, appended: 10_000, output: 1000 });
  const r = resultOf(w, env, 'transcript');
  assert.deepEqual(r.turns.map(shape), [
    ['turn', 0, 12_000, 0, 12_000, 0, 1000],
    ['turn', 1, 23_000, 12_000, 11_000, 0, 1000],
    ['turn', 2, 34_000, 23_000, 11_000, 0, 1000],
    // Context 35,000 > 30,000: the compaction request re-sends the history (reads the warm
    // prefix, the last output is uncached, writes nothing) and outputs the 3,000-token summary.
    ['compaction', 3, 35_000, 34_000, 0, 1000, 3000],
    // The turn: system 2,000 (read) + summary 3,000 + appended 10,000 (written anew).
    ['turn', 3, 15_000, 2000, 13_000, 0, 1000],
    ['turn', 4, 26_000, 15_000, 11_000, 0, 1000],
  ]);
  const compaction = r.turns[3]!;
  near(compaction.cost.totalUsd, (34_000 * 0.3 + 1000 * 3 + 3000 * 15) / M); // 0.0582
  assert.equal(compaction.missReason, null);
  // The summary is old content a warm cache would have served had there been no compaction.
  assert.equal(r.turns[4]!.missReason, 'compaction');
  near(r.turns[4]!.missCostUsd, (3000 * (3.75 - 0.3)) / M);
  assert.equal(r.params['compactions'], 1);
  assert.equal(r.params['autoCompactions'], 1);
  assert.equal(r.params['compactAtTokens'], 30_000);
  // simulateTotals counts the side request.
  const t = simulateTotals(w, 'transcript', env);
  assert.equal(t.requests, 6);
  assert.equal(t.sideRequests, 1);
  near(t.totalCostUsd, r.totalCostUsd);
});

test('transcript: compaction off, or a context exactly at the threshold, compacts nothing', () => {
  const w = workloadAt([0, 1, 2, 3].map((m) => m * MIN), { systemTokens: 2000, appended: 10_000, output: 1000 });
  const off = resultOf(w, envOf([anthropicRow()], { compaction: false, compactAtTokens: 30_000 }), 'transcript');
  assert.deepEqual(off.turns.map((t) => t.promptTokens), [12_000, 23_000, 34_000, 45_000]);
  // History after turn 2 = 35,000: with the threshold at 35,000 it is not passed.
  const at = resultOf(w, envOf([anthropicRow()], { compactAtTokens: 35_000 }), 'transcript');
  assert.equal(at.turns.filter((t) => t.kind === 'compaction').length, 0);
  // Default threshold: the model window − 33,000 (200,000 → 167,000).
  const def = resultOf(workloadAt([0, 1, 2].map((m) => m * MIN), { systemTokens: 2000, appended: 80_000, output: 4000 }), envOf([anthropicRow()]), 'transcript');
  // Contexts: 86,000 then 170,000 > 167,000 → a compaction before turn 2.
  assert.deepEqual(def.turns.map((t) => t.kind), ['turn', 'turn', 'compaction', 'turn']);
  assert.equal(def.params['compactAtTokens'], 167_000);
});

test('transcript: a compaction with a cold cache pays the whole history as uncached input', () => {
  const env = envOf([anthropicRow()], { compactAtTokens: 20_000, summaryTokens: 3000 });
  const w = workloadAt([0, 1 * MIN, 30 * MIN], { systemTokens: 2000, appended: 10_000, output: 1000 });
  const c = resultOf(w, env, 'transcript').turns.find((t) => t.kind === 'compaction');
  assert.ok(c);
  assert.deepEqual(shape(c), ['compaction', 2, 24_000, 0, 0, 24_000, 3000]);
  assert.equal(c.missReason, 'ttl-expired');
  // The 23,000-token prefix would have been read: it costs input − read instead.
  near(c.missCostUsd, (23_000 * (3 - 0.3)) / M);
  assert.equal(c.idleGapMs, 29 * MIN);
  // The turn at the same instant re-writes the expired system prefix: its miss shows the real
  // 29-minute pause, not the 0 s since the compaction request.
  const after = resultOf(w, env, 'transcript').turns.at(-1)!;
  assert.equal(after.kind, 'turn');
  assert.equal(after.missReason, 'ttl-expired');
  assert.equal(after.idleGapMs, 29 * MIN);
});

test('a logged compaction is replayed with its logged summary size even with compaction off', () => {
  const w: Workload = {
    sessionId: 's',
    systemTokens: 2000,
    taskFingerprint: null,
    turns: [
      turn({ timestampMs: 0, appendedTokens: 5000, outputTokens: 500 }),
      turn({ timestampMs: 1000, appendedTokens: 100, compactedBefore: { preTokens: 7500, postTokens: 4000 } }),
    ],
  };
  const r = resultOf(w, envOf([anthropicRow()], { compaction: false }), 'transcript');
  assert.deepEqual(r.turns.map(shape), [
    ['turn', 0, 7000, 0, 7000, 0, 500],
    ['compaction', 1, 7500, 7000, 0, 500, 4000],
    ['turn', 1, 6100, 2000, 4100, 0, 0],
  ]);
  assert.equal(r.params['autoCompactions'], 0);
  assert.equal(r.params['compactions'], 1);
});

// ---------------------------------------------------------------- state

test('state: size = min(round(ratio × transcript), cap); turn = schema + state + latest turn; an update request per turn', () => {
  assert.equal(stateTokensFor(1500, 0.2, 20_000), 300);
  assert.equal(stateTokensFor(3777, 740 / 3777, 20_000), 740);
  assert.equal(stateTokensFor(1_000_000, 0.2, 20_000), 20_000);
  assert.equal(stateTokensFor(2, 0.25, 100), 1); // round(0.5) = 1

  const env = envOf([anthropicRow()], { stateRatio: 0.2 });
  const w = workloadAt([0, 1, 2].map((m) => m * MIN), { systemTokens: 2000, appended: 1000, output: 500 });
  const r = resultOf(w, env, 'state');
  assert.deepEqual(r.turns.map(shape), [
    // Turn 0: schema 2,000 (breakpoint, written) + appended 1,000 (uncached: the prompt end is replaced next turn).
    ['turn', 0, 3000, 0, 2000, 1000, 500],
    // Update 0, on its own cache: schema + old state (0) + raw turn (1,000 + 500) → state round(0.2 × 1,500) = 300.
    ['state-update', 0, 3500, 0, 2000, 1500, 300],
    ['turn', 1, 3300, 2000, 0, 1300, 500],
    // Update 1: schema + state 300 + raw 1,500 → state round(0.2 × 3,000) = 600.
    ['state-update', 1, 3800, 2000, 0, 1800, 600],
    ['turn', 2, 3600, 2000, 0, 1600, 500],
    ['state-update', 2, 4100, 2000, 0, 2100, 900],
  ]);
  assert.deepEqual(r.turns.map((t) => t.missReason), ['cold-start', 'cold-start', null, null, null, null]);
  near(r.turns[2]!.cost.totalUsd, (2000 * 0.3 + 1300 * 3 + 500 * 15) / M);
  near(r.turns[3]!.cost.totalUsd, (2000 * 0.3 + 1800 * 3 + 600 * 15) / M);
  assert.equal(r.params['stateUpdates'], 3);
  assert.equal(r.params['maxStateTokens'], 900);
  // The cap bounds the state.
  const capped = resultOf(w, envOf([anthropicRow()], { stateRatio: 0.2, stateCapTokens: 500 }), 'state');
  assert.deepEqual(capped.turns.filter((t) => t.kind === 'state-update').map((t) => t.outputTokens), [300, 500, 500]);
  assert.equal(capped.turns[4]!.promptTokens, 2000 + 500 + 1000);
});

test('state: updates every 2nd turn; in between the prompt grows like a transcript and its end is cached', () => {
  const env = envOf([anthropicRow()], { stateRatio: 0.2, stateUpdateEvery: 2 });
  const w = workloadAt([0, 1, 2, 3].map((m) => m * MIN), { systemTokens: 2000, appended: 1000, output: 500 });
  const r = resultOf(w, env, 'state');
  assert.deepEqual(r.turns.map(shape), [
    ['turn', 0, 3000, 0, 3000, 0, 500], // no update follows: breakpoint at the end
    // An update follows: the breakpoint sits on the 3,000 cached by turn 0 (read), nothing new is
    // written (the end of this prompt is about to be replaced by the new state).
    ['turn', 1, 4500, 3000, 0, 1500, 500],
    ['state-update', 1, 5000, 0, 2000, 3000, 600], // raw 2 × 1,500 → round(0.2 × 3,000)
    ['turn', 2, 3600, 2000, 1600, 0, 500],
    ['turn', 3, 5100, 3600, 0, 1500, 500], // reads what turn 2 cached; writes nothing before the update
    ['state-update', 3, 5600, 2000, 0, 3600, 1200],
  ]);
});

test('state: stateSchemaTokens replaces the system prefix; stateUpdateModel prices the updates on another model', () => {
  const cheap = anthropicRow({ id: 'cheap', inputUsdPerMTok: 1, outputUsdPerMTok: 5, cacheWrite5mUsdPerMTok: 1.25, cacheWrite1hUsdPerMTok: 2, cacheReadUsdPerMTok: 0.1 });
  const env = envOf([anthropicRow(), cheap], { stateRatio: 0.2, stateSchemaTokens: 1500, stateUpdateModel: 'cheap' });
  const r = resultOf(workloadAt([0], { systemTokens: 9999, appended: 1000, output: 500 }), env, 'state');
  assert.deepEqual(r.turns.map((t) => [t.kind, t.model, t.promptTokens]), [
    ['turn', 'test-claude', 2500],
    ['state-update', 'cheap', 3000],
  ]);
  near(r.turns[1]!.cost.totalUsd, (1500 * 1.25 + 1500 * 1 + 300 * 5) / M);
});

// ---------------------------------------------------------------- replay

test('replay: a repeated fingerprint replays at replayCostTokens; replayTtlMs forgets the path', () => {
  const env = envOf([anthropicRow()], { replayCostTokens: 100, replayTtlMs: 3_600_000 });
  const run = (id: string, fp: string, start: number) => workloadAt([start, start + 1000], { sessionId: id, fingerprint: fp, systemTokens: 2000, appended: 500, output: 100 });
  const ws = [run('a', 'A', 0), run('b', 'A', 3_600_000), run('c', 'A', 7_200_001), run('d', 'B', 7_300_000)];
  const rs = simulate(ws, ['replay'], env).get('replay')!;
  // a records; b is exactly 1 h later (replays); c is 1 h + 1 ms after a's recording (runs, re-records); d is new.
  assert.deepEqual(rs.map((r) => r.params['replayed']), [false, true, false, false]);
  const b = rs[1]!;
  assert.deepEqual(b.turns.map(shape), [['replay', 0, 100, 0, 0, 100, 0]]);
  near(b.totalCostUsd, (100 * 3) / M);
  // A run that does not replay costs exactly the transcript.
  const tr = simulate(ws, ['transcript'], env).get('transcript')!;
  near(rs[0]!.totalCostUsd, tr[0]!.totalCostUsd);
  near(rs[2]!.totalCostUsd, tr[2]!.totalCostUsd);
  assert.equal(rs[0]!.params['runs'], 4);
  assert.equal(rs[0]!.params['replays'], 1);
  assert.equal(rs[0]!.params['observedRepeatRate'], 0.25);
  // Without a TTL the path is never forgotten: c replays too.
  const forever = simulate(ws, ['replay'], envOf([anthropicRow()], { replayCostTokens: 100 })).get('replay')!;
  assert.deepEqual(forever.map((r) => r.params['replayed']), [false, true, true, false]);
  // simulateTotals starts with an empty memory: one run never replays its own task.
  near(simulateTotals(ws[1]!, 'replay', env).totalCostUsd, tr[1]!.totalCostUsd);
});

test('replay without fingerprints: replayHitRate spreads floor(n·r) replays evenly, the first run never', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((j) => replaysAtRate(j, 0.5)), [false, true, false, true, false, true, false, true]);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((j) => replaysAtRate(j, 1 / 3)), [false, false, true, false, false, true]);
  // At r = 1 every run but the first replays: the first has nothing to replay.
  assert.deepEqual([0, 1, 2, 3].map((j) => replaysAtRate(j, 1)), [false, true, true, true]);
  const ws = Array.from({ length: 100 }, (_, k) => workloadAt([k * 1000], { sessionId: `s${k}`, systemTokens: 2000, appended: 500, output: 100 }));
  const rs = simulate(ws, ['replay'], envOf([anthropicRow()], { replayHitRate: 0.85, replayCostTokens: 0 })).get('replay')!;
  const replayed = rs.map((r) => r.params['replayed'] === true);
  assert.equal(replayed.filter(Boolean).length, 85);
  assert.equal(replayed[0], false);
  // 100 runs at r = 0.85 cost exactly 15 full runs (replays cost 0 tokens).
  const full = simulateTotals(ws[0]!, 'transcript', envOf([anthropicRow()])).totalCostUsd;
  near(rs.reduce((a, r) => a + r.totalCostUsd, 0), 15 * full);
  // Null rate: no replay.
  const none = simulate(ws, ['replay'], envOf([anthropicRow()])).get('replay')!;
  assert.equal(none.filter((r) => r.params['replayed'] === true).length, 0);
});

// ---------------------------------------------------------------- nocache

test('nocache: the transcript requests (compactions included) with every prompt token at the input rate', () => {
  const env = envOf([anthropicRow()], { compactAtTokens: 30_000, summaryTokens: 3000 });
  const w = workloadAt([0, 1, 2, 3, 4].map((m) => m * MIN), { systemTokens: 2000, appended: 10_000, output: 1000 });
  const tr = resultOf(w, env, 'transcript');
  const nc = resultOf(w, env, 'nocache');
  assert.deepEqual(nc.turns.map((t) => [t.kind, t.promptTokens]), tr.turns.map((t) => [t.kind, t.promptTokens]));
  for (const t of nc.turns) {
    assert.equal(t.uncachedInputTokens, t.promptTokens);
    near(t.cost.totalUsd, (t.promptTokens * 3 + t.outputTokens * 15) / M);
  }
  // Σ prompts = 12,000 + 23,000 + 34,000 + 35,000 + 15,000 + 26,000 = 145,000; outputs 5 × 1,000 + 3,000.
  near(nc.totalCostUsd, (145_000 * 3 + 8000 * 15) / M);
  assert.equal(nc.params['cache'], false);
});

test('transcript: the default compaction threshold is the window − 33K; a `[1m]` model id runs with the 1M window', () => {
  const env = envOf([anthropicRow({ id: 'test-claude', aliases: [] })], {});
  // 200K window: compaction when the history passes 167,000 tokens.
  const w = workloadAt([0, 1, 2, 3].map((m) => m * MIN), { systemTokens: 2000, appended: 60_000, output: 1000 });
  const r = resultOf(w, env, 'transcript');
  assert.deepEqual(r.turns.map((t) => t.kind), ['turn', 'turn', 'turn', 'compaction', 'turn']);
  assert.equal(r.params['compactAtTokens'], 167_000);
  const w1m: Workload = { ...w, turns: w.turns.map((t) => ({ ...t, model: 'test-claude[1m]' })) };
  const r1m = resultOf(w1m, env, 'transcript');
  assert.ok(r1m.turns.every((t) => t.kind === 'turn'), 'no compaction under a 1M window');
  // One workload switching from the `[1m]` id to the plain one (the same price row): the window follows the id.
  const switched: Workload = { ...w, turns: w.turns.map((t, i) => ({ ...t, model: i < 3 ? 'test-claude[1m]' : 'test-claude' })) };
  assert.deepEqual(resultOf(switched, env, 'transcript').turns.map((t) => t.kind), ['turn', 'turn', 'turn', 'compaction', 'turn']);
  const back: Workload = { ...w, turns: w.turns.map((t, i) => ({ ...t, model: i < 3 ? 'test-claude' : 'test-claude[1m]' })) };
  assert.ok(resultOf(back, env, 'transcript').turns.every((t) => t.kind === 'turn'), 'the 1M window from the switch on');
  assert.equal(contextWindowOf('claude-sonnet-4-5[1m]', 200_000), 1_000_000);
  assert.equal(contextWindowOf('claude-sonnet-4-5', 200_000), 200_000);
});

/**
 * replay (execution-path caching): a run whose task was seen before replays
 * the remembered path at ≈zero tokens; every other run costs as `transcript`
 * (and is remembered).
 *
 * - With fingerprints (Workload.taskFingerprint): a run replays when the same
 *   fingerprint was recorded by an earlier run (in input order) no longer than
 *   `replayTtlMs` before this run's start; a run that does not replay records
 *   its path anew.
 * - Without (usage-only logs, synthetic scenarios): `replayHitRate` r decides
 *   deterministically: the j-th such run (0-based) replays iff
 *   j ≥ 1 and floor((j+1)·r) > floor(j·r). The first run never replays
 *   (nothing has been recorded yet); otherwise exactly floor(n·r) of n runs
 *   replay, spread evenly (at r = 1: n − 1). So 100 runs at r = 0.85 cost
 *   exactly 15 full runs. Null r: no replay.
 * - A replayed run is one `replay` request of `replayCostTokens` uncached
 *   input tokens on the run's first model (no output).
 * - `observedRepeatRate` in the params = replayed runs / runs.
 */
import type { Workload } from '../../model/simulation.js';
import { CacheRequest, KIND_REPLAY, MISS_NONE, type CacheMeter } from '../cache.js';
import { PriceLookup, strategyFromRunner, turnTime, type SimulationEnv, type StrategyParamValues } from '../strategy.js';
import { runTranscript } from './transcript.js';
import { columnsOf } from '../workload-columns.js';

interface ReplayMemory {
  /** Fingerprint → start time of the run that recorded it. */
  recorded: Map<string, number>;
  /** Runs without a fingerprint seen so far (the j of the hit-rate rule). */
  unfingerprinted: number;
  runs: number;
  replays: number;
  fingerprinted: number;
}

// Tolerance for floor((j+1)·r) when r is a decimal such as 0.85 (not exact in binary).
const EPS = 1e-9;

/** Whether the j-th run without a fingerprint replays at hit rate r. */
export function replaysAtRate(j: number, rate: number): boolean {
  return j > 0 && Math.floor((j + 1) * rate + EPS) > Math.floor(j * rate + EPS);
}

function runReplay(workload: Workload, env: SimulationEnv, meter: CacheMeter, memory: ReplayMemory): StrategyParamValues {
  const params = env.params;
  memory.runs++;
  const c = columnsOf(workload);
  let replay = false;
  if (c.count > 0) {
    const startMs = turnTime(params, 0, c.timestampMs[0] as number);
    const firstModel = c.modelOf(0);
    const fp = workload.taskFingerprint;
    if (fp !== null) {
      memory.fingerprinted++;
      const at = memory.recorded.get(fp);
      replay = at !== undefined && (params.replayTtlMs === null || startMs - at <= params.replayTtlMs);
      if (!replay) memory.recorded.set(fp, startMs);
    } else {
      const j = memory.unfingerprinted++;
      replay = params.replayHitRate !== null && replaysAtRate(j, params.replayHitRate);
    }
    if (replay) {
      memory.replays++;
      const req = new CacheRequest();
      req.kind = KIND_REPLAY;
      req.turnIndex = 0;
      req.timestampMs = startMs;
      req.model = firstModel;
      req.price = new PriceLookup(env.resolver).priceOf(firstModel);
      req.promptTokens = params.replayCostTokens;
      req.reusableTokens = 0;
      req.newTokens = params.replayCostTokens;
      req.cacheUpToTokens = 0;
      req.breakReason = MISS_NONE;
      req.outputTokens = 0;
      req.cacheDisabled = true;
      meter.request(meter.stream(c.streamOf(0)), req);
    }
  }
  const base = replay ? {} : runTranscript(workload, env, meter, false);
  return {
    ...base,
    replayed: replay,
    replayCostTokens: params.replayCostTokens,
    replayTtlMs: params.replayTtlMs,
    replayHitRate: params.replayHitRate,
    taskFingerprint: workload.taskFingerprint,
  };
}

export const replayStrategy = strategyFromRunner<ReplayMemory>({
  id: 'replay',
  description: 'execution-path caching: repeated tasks replay at ~0 tokens, others run as transcript',
  createMemory: () => ({ recorded: new Map(), unfingerprinted: 0, runs: 0, replays: 0, fingerprinted: 0 }),
  run: runReplay,
  summarize: (m) => ({
    runs: m.runs,
    replays: m.replays,
    fingerprintedRuns: m.fingerprinted,
    observedRepeatRate: m.runs > 0 ? m.replays / m.runs : 0,
  }),
});

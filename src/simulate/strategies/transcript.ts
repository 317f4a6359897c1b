/**
 * transcript: resend the whole history every turn (what Claude Code, Codex and
 * most agents do). The prefix a previous request cached is read while alive;
 * the previous output and the appended turn are written (Anthropic) or cached
 * for free (automatic kinds).
 *
 * Compaction: before a turn, when the context (previous prompt + previous
 * output) passes `compactAtTokens` (default: the model's window − 33K, Claude
 * Code's threshold [CC2][CC3]), or when the log shows a compaction there, a
 * separate `compaction` request is billed first: the same history (reads the
 * cached prefix if warm, else pays it as uncached input; it writes nothing),
 * output = the summary. The turn then sends system + summary + its new
 * content: the system prefix can still be read, the summary is written anew
 * (miss reason `compaction`) [CC1]. Compactions seen in a log are replayed
 * with the logged size even with `compaction: false` (they are part of the
 * workload); the flag only switches the threshold-triggered ones.
 */
import type { ModelPrice } from '../../model/pricing.js';
import type { Workload } from '../../model/simulation.js';
import { CacheRequest, KIND_COMPACTION, KIND_TURN, MISS_COMPACTION, MISS_NONE, type CacheMeter, type StreamCache } from '../cache.js';
import { COMPACT_BUFFER_TOKENS, contextWindowOf } from '../params.js';
import { PriceLookup, StreamStates, strategyFromRunner, systemTokensOf, turnTime, type SimulationEnv, type StrategyParamValues } from '../strategy.js';
import { columnsOf } from '../workload-columns.js';

class TranscriptStream {
  readonly cache: StreamCache;
  readonly systemTokens: number;
  started = false;
  prevPromptTokens = 0;
  prevOutputTokens = 0;
  constructor(cache: StreamCache, systemTokens: number) {
    this.cache = cache;
    this.systemTokens = systemTokens;
  }
}

/** Threshold of the model (tokens), or Infinity when auto-compaction is off or the window is unknown. */
function compactThreshold(env: SimulationEnv, contextWindowTokens: number): number {
  const p = env.params;
  if (!p.compaction) return Infinity;
  if (p.compactAtTokens !== null) return p.compactAtTokens;
  return contextWindowTokens > COMPACT_BUFFER_TOKENS ? contextWindowTokens - COMPACT_BUFFER_TOKENS : Infinity;
}

/**
 * Runs one workload as a transcript; `cacheDisabled` makes it the nocache
 * baseline (same requests, every prompt token at the full input price).
 */
export function runTranscript(workload: Workload, env: SimulationEnv, meter: CacheMeter, cacheDisabled: boolean): StrategyParamValues {
  const params = env.params;
  const prices = new PriceLookup(env.resolver);
  const streams = new StreamStates((id) => new TranscriptStream(meter.stream(id), systemTokensOf(workload, id)));
  const req = new CacheRequest();
  req.cacheDisabled = cacheDisabled;
  let compactions = 0;
  let autoCompactions = 0;
  let lastThreshold: number | null = null;
  let thresholdModel: string | null = null;
  let thresholdPrice: ModelPrice | null = null;
  let thresholdValue = Infinity;
  const c = columnsOf(workload);
  for (let i = 0; i < c.count; i++) {
    const model = c.modelOf(i);
    const st = streams.get(c.streamOf(i));
    const price = prices.priceOf(model);
    const t = turnTime(params, i, c.timestampMs[i] as number);
    req.turnIndex = i;
    req.timestampMs = t;
    req.model = model;
    req.price = price;
    req.ttlObserved = c.writeTtlObservedOf(i) ?? null;
    const appended = c.appendedTokens[i] as number;
    const outputTokens = c.outputTokens[i] as number;

    let prompt: number;
    if (!st.started) {
      prompt = st.systemTokens + appended;
      req.reusableTokens = st.systemTokens;
      req.newTokens = appended;
      req.breakReason = MISS_NONE;
    } else {
      const history = st.prevPromptTokens + st.prevOutputTokens;
      const logged = c.compactedBeforeOf(i);
      if (model !== thresholdModel || price !== thresholdPrice) {
        // The threshold depends on the model id (a "[1m]" suffix) and its price row only: computed when they change.
        thresholdValue = compactThreshold(env, contextWindowOf(model, price.contextWindowTokens));
        thresholdModel = model;
        thresholdPrice = price;
      }
      const threshold = thresholdValue;
      if (threshold !== Infinity) lastThreshold = threshold;
      if (logged !== null || history > threshold) {
        const summary = logged !== null ? (logged.postTokens ?? params.summaryTokens) : params.summaryTokens;
        req.kind = KIND_COMPACTION;
        req.promptTokens = history;
        req.reusableTokens = st.prevPromptTokens;
        req.newTokens = st.prevOutputTokens;
        req.cacheUpToTokens = st.prevPromptTokens;
        req.writes = false;
        req.breakReason = MISS_NONE;
        req.outputTokens = summary;
        meter.request(st.cache, req);
        compactions++;
        if (logged === null) autoCompactions++;
        prompt = st.systemTokens + summary + appended;
        req.reusableTokens = st.systemTokens;
        req.newTokens = appended;
        req.breakReason = MISS_COMPACTION;
      } else {
        prompt = history + appended;
        req.reusableTokens = st.prevPromptTokens;
        req.newTokens = st.prevOutputTokens + appended;
        req.breakReason = MISS_NONE;
      }
    }
    req.kind = KIND_TURN;
    req.promptTokens = prompt;
    req.cacheUpToTokens = prompt;
    req.writes = true;
    req.outputTokens = outputTokens;
    meter.request(st.cache, req);
    st.started = true;
    st.prevPromptTokens = prompt;
    st.prevOutputTokens = outputTokens;
  }
  return {
    ttlSeconds: params.ttlSeconds,
    anthropicWriteTtl: params.anthropicWriteTtl,
    compaction: params.compaction,
    compactAtTokens: params.compactAtTokens ?? lastThreshold,
    summaryTokens: params.summaryTokens,
    compactions,
    autoCompactions,
    cache: !cacheDisabled,
  };
}

export const transcriptStrategy = strategyFromRunner<null>({
  id: 'transcript',
  description: 'resend the whole history every turn; cache hits on the live prefix; auto-compaction at the threshold',
  createMemory: () => null,
  run: (workload, env, meter) => runTranscript(workload, env, meter, false),
  // A compaction request now and then (logged or past the threshold): room for one per 8 turns.
  requestCapacity: (turns) => turns + Math.ceil(turns / 8) + 8,
});

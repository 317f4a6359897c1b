/**
 * state: instead of the history, each request sends a fixed schema prefix
 * (cached), a structured state that summarises the history, and the latest
 * turn. The model (documented in docs/simulation.md):
 *
 * - State size after an update = min(round(stateRatio × H), stateCapTokens),
 *   where H is the transcript it replaces (every appended turn and output of
 *   the stream so far, system prefix excluded). Default ratio 740/3777 (the
 *   source article's 44-turn session).
 * - Request: schema + state + the raw turns since the last update (appended +
 *   outputs) + the appended turn. With `stateUpdateEvery` = 1 that is schema +
 *   state + latest turn.
 * - Cache: a breakpoint after the schema, and at the end of the prompt only
 *   when the next request will reuse it (no update in between); before an
 *   update the breakpoint sits at the end of the prefix already cached (read,
 *   nothing new written): a prefix that is about to be replaced is not worth
 *   a write. After an update only the
 *   schema can be read; the new state is new content, not a miss.
 * - Update: after every `stateUpdateEvery`-th turn of a stream, a
 *   `state-update` request on `stateUpdateModel` (default: the turn's model),
 *   on its own cache: schema (cached) + previous state + the raw turns since
 *   the last update → output = the new state.
 * - The schema is `stateSchemaTokens`, or the workload's system prefix.
 * - No compaction: the state is bounded by its cap.
 */
import type { Workload } from '../../model/simulation.js';
import { CacheRequest, KIND_STATE_UPDATE, KIND_TURN, MISS_NONE, type CacheMeter, type StreamCache } from '../cache.js';
import { PriceLookup, StreamStates, strategyFromRunner, systemTokensOf, turnTime, type SimulationEnv, type StrategyParamValues } from '../strategy.js';
import { columnsOf } from '../workload-columns.js';

class StateStream {
  readonly cache: StreamCache;
  readonly updateCache: StreamCache;
  readonly schemaTokens: number;
  started = false;
  /** An update ran after the previous turn: the next prompt is schema + new state. */
  justUpdated = false;
  prevPromptTokens = 0;
  prevOutputTokens = 0;
  /** Transcript tokens folded into the state so far. */
  foldedTokens = 0;
  /** Raw transcript tokens since the last update (appended + outputs). */
  rawTokens = 0;
  stateTokens = 0;
  turnsSinceUpdate = 0;
  constructor(cache: StreamCache, updateCache: StreamCache, schemaTokens: number) {
    this.cache = cache;
    this.updateCache = updateCache;
    this.schemaTokens = schemaTokens;
  }
}

/** State size (tokens) replacing a transcript of `transcriptTokens`. */
export function stateTokensFor(transcriptTokens: number, stateRatio: number, stateCapTokens: number): number {
  const s = Math.round(stateRatio * transcriptTokens);
  return s < stateCapTokens ? s : stateCapTokens;
}

export function runState(workload: Workload, env: SimulationEnv, meter: CacheMeter): StrategyParamValues {
  const params = env.params;
  const prices = new PriceLookup(env.resolver);
  const updatePrices = new PriceLookup(env.resolver);
  const streams = new StreamStates(
    (id) => new StateStream(meter.stream(id), meter.stream(`${id}#state-update`), params.stateSchemaTokens ?? systemTokensOf(workload, id)),
  );
  const req = new CacheRequest();
  const every = params.stateUpdateEvery;
  let updates = 0;
  let maxStateTokens = 0;
  const c = columnsOf(workload);
  for (let i = 0; i < c.count; i++) {
    const model = c.modelOf(i);
    const st = streams.get(c.streamOf(i));
    const price = prices.priceOf(model);
    const t = turnTime(params, i, c.timestampMs[i] as number);
    const appended = c.appendedTokens[i] as number;
    const outputTokens = c.outputTokens[i] as number;
    const ttlObserved = c.writeTtlObservedOf(i) ?? null;
    const schema = st.schemaTokens;

    let prompt: number;
    if (!st.started || st.justUpdated) {
      prompt = schema + st.stateTokens + appended;
      req.reusableTokens = schema;
      req.newTokens = st.stateTokens + appended;
    } else {
      prompt = st.prevPromptTokens + st.prevOutputTokens + appended;
      req.reusableTokens = st.prevPromptTokens;
      req.newTokens = st.prevOutputTokens + appended;
    }
    const willUpdate = st.turnsSinceUpdate + 1 >= every;
    req.kind = KIND_TURN;
    req.turnIndex = i;
    req.timestampMs = t;
    req.model = model;
    req.price = price;
    req.ttlObserved = ttlObserved;
    req.promptTokens = prompt;
    // Before an update the breakpoint goes on the prefix that is already
    // cached (read it, write nothing new): the end of this prompt is about to
    // be replaced by the new state and is not worth a write.
    req.cacheUpToTokens = willUpdate ? req.reusableTokens : prompt;
    req.writes = true;
    req.breakReason = MISS_NONE;
    req.outputTokens = outputTokens;
    req.cacheDisabled = false;
    meter.request(st.cache, req);
    st.started = true;
    st.prevPromptTokens = prompt;
    st.prevOutputTokens = outputTokens;
    st.rawTokens += appended + outputTokens;
    st.turnsSinceUpdate++;

    if (willUpdate) {
      const updateModel = params.stateUpdateModel ?? model;
      const folded = st.foldedTokens + st.rawTokens;
      const newState = stateTokensFor(folded, params.stateRatio, params.stateCapTokens);
      req.kind = KIND_STATE_UPDATE;
      req.model = updateModel;
      req.price = updatePrices.priceOf(updateModel);
      req.ttlObserved = params.stateUpdateModel === null ? ttlObserved : null;
      req.promptTokens = schema + st.stateTokens + st.rawTokens;
      req.reusableTokens = schema;
      req.newTokens = st.stateTokens + st.rawTokens;
      req.cacheUpToTokens = schema;
      req.writes = true;
      req.breakReason = MISS_NONE;
      req.outputTokens = newState;
      meter.request(st.updateCache, req);
      updates++;
      st.foldedTokens = folded;
      st.rawTokens = 0;
      st.stateTokens = newState;
      if (newState > maxStateTokens) maxStateTokens = newState;
      st.turnsSinceUpdate = 0;
      st.justUpdated = true;
    } else {
      st.justUpdated = false;
    }
  }
  return {
    stateRatio: params.stateRatio,
    stateCapTokens: params.stateCapTokens,
    stateSchemaTokens: params.stateSchemaTokens,
    stateUpdateModel: params.stateUpdateModel,
    stateUpdateEvery: params.stateUpdateEvery,
    ttlSeconds: params.ttlSeconds,
    anthropicWriteTtl: params.anthropicWriteTtl,
    stateUpdates: updates,
    maxStateTokens,
  };
}

export const stateStrategy = strategyFromRunner<null>({
  id: 'state',
  description: 'cached schema + a structured state (stateRatio of the transcript, capped) + the latest turn; plus state-update calls',
  createMemory: () => null,
  run: (workload, env, meter) => runState(workload, env, meter),
  // One update after every `stateUpdateEvery`-th turn of each stream: at most turns / every of them.
  requestCapacity: (turns, env) => turns + Math.floor(turns / env.params.stateUpdateEvery) + 8,
});

/**
 * Actual cost of logged requests and why each cache miss happened.
 *
 * A request is a miss when it wrote (or sent uncached) a large part of a
 * prefix that an earlier request of the same stream and model had cached.
 * The cache is tracked per (stream, model): each stream (main thread,
 * subagent) keeps its own cache, and so does each model.
 *
 * After a request the cached prefix is what it read plus what it wrote
 * (explicit breakpoints, Anthropic), or its whole prompt (automatic prefix
 * caching: OpenAI, Gemini implicit, DeepSeek, where nothing is "written").
 * The next request of the entry should read min(cached, prompt) tokens;
 * what it read less than that, and paid as writes or uncached input, is the
 * missed prefix. Its cost is the price paid beyond reading the same tokens:
 * (write rate − read rate) or (input rate − read rate) at the request's tier.
 */
import type { CostBreakdown, ModelPrice } from '../model/pricing.js';
import type { ActualTotals, ActualTurn, CacheTtl } from '../model/report.js';
import type { MissReason } from '../model/simulation.js';
import type { CompactionEvent, Session, Turn } from '../model/usage.js';
import { CostSum, priceRequest, ratesForRequest } from '../price/cost.js';
import type { PriceResolver } from '../price/resolve.js';

export interface MissAttributionOptions {
  /** A miss must leave at least this many prefix tokens unread. */
  missMinTokens: number;
  /** …and at least this share of the prefix the request should have read (0..1). */
  missMinRatio: number;
  /** A prompt below this share of the entry's previous prompt counts as a compaction (0..1). */
  compactionDropRatio: number;
}

export const DEFAULT_MISS_OPTIONS: MissAttributionOptions = Object.freeze({
  missMinTokens: 1024,
  missMinRatio: 0.5,
  compactionDropRatio: 0.5,
});

const MS_5M = 5 * 60_000;
const MS_1H = 60 * 60_000;

interface EntryState {
  /** Prefix tokens cached after the entry's last request. */
  cachedTokens: number;
  lastPromptTokens: number;
  lastTimestampMs: number | null;
  /** TTL of the entry, ms; null while unknown. */
  ttlMs: number | null;
  ttl: CacheTtl | null;
}

interface StreamState {
  lastTimestampMs: number | null;
  /** Index in session.turns of the stream's previous request. */
  lastTurnIndex: number;
}

/** Orders a compaction event relative to a turn: by time when both have one, else by file line. */
function isBefore(a: { timestampMs: number | null; source: { file: string; line: number } }, b: typeof a): boolean | null {
  if (a.timestampMs !== null && b.timestampMs !== null) {
    if (a.timestampMs !== b.timestampMs) return a.timestampMs < b.timestampMs;
    if (a.source.file === b.source.file) return a.source.line < b.source.line;
    return null;
  }
  if (a.source.file === b.source.file) return a.source.line < b.source.line;
  return null;
}

function compactionBetween(events: readonly CompactionEvent[], prev: Turn | null, turn: Turn): boolean {
  for (const e of events) {
    if (e.streamId !== turn.streamId) continue;
    const beforeTurn = isBefore(e, turn);
    if (beforeTurn !== true) continue;
    if (prev === null) return true;
    const afterPrev = isBefore(prev, e);
    if (afterPrev === true) return true;
  }
  return false;
}

function ttlClass(ms: number | null): CacheTtl | null {
  return ms === MS_5M ? '5m' : ms === MS_1H ? '1h' : null;
}

/** True when the request pays cache writes (explicit breakpoints) rather than getting automatic prefix hits. */
function usesWrites(price: ModelPrice | null, turn: Turn, streamHasWrites: boolean): boolean {
  if (price) return price.cacheKind === 'explicit-breakpoints';
  return streamHasWrites || turn.cacheWrite5mTokens + turn.cacheWrite1hTokens > 0;
}

function missCost(price: ModelPrice | null, turn: Turn, m1h: number, m5m: number, mInput: number): number {
  if (!price) return 0;
  const r = ratesForRequest(price, turn);
  return (
    (m1h * (r.cacheWrite1hUsdPerMTok - r.cacheReadUsdPerMTok) +
      m5m * (r.cacheWrite5mUsdPerMTok - r.cacheReadUsdPerMTok) +
      mInput * (r.inputUsdPerMTok - r.cacheReadUsdPerMTok)) /
    1_000_000
  );
}

/**
 * Prices every turn of a session and attributes its cache misses. Turns of
 * unknown models get `cost: null` (excluded from totals) but are still
 * tracked for miss causes (with a miss cost of 0).
 */
export function analyzeSessionTurns(
  session: Session,
  resolver: PriceResolver,
  options: MissAttributionOptions = DEFAULT_MISS_OPTIONS,
): ActualTurn[] {
  const out: ActualTurn[] = [];
  forEachActualTurn(session, resolver, options, (t) => out.push(t));
  return out;
}

/**
 * analyzeSessionTurns turn by turn: each ActualTurn is handed to `visit`, in
 * order, as soon as it is made. A caller that folds them and keeps none holds
 * one at a time instead of a session's worth (~300 bytes a request with its
 * cost: 45 MB for the 150,000 requests of one 1 GB log file).
 */
export function forEachActualTurn(
  session: Session,
  resolver: PriceResolver,
  options: MissAttributionOptions,
  visit: (turn: ActualTurn) => void,
): void {
  const compactions = session.events.filter((e): e is CompactionEvent => e.kind === 'compaction');
  /** Cache entries by stream, then by model key (no key string built per turn). */
  const entries = new Map<string, Map<string, EntryState>>();
  const streams = new Map<string, StreamState>();
  const streamWrites = new Set<string>();
  // Read once: a session's turns may be an accessor (src/normalize/sessions.ts).
  const turns = session.turns;
  for (const t of turns) if (t.cacheWrite5mTokens + t.cacheWrite1hTokens > 0) streamWrites.add(t.streamId);
  let cumulative = 0;

  turns.forEach((turn, index) => {
    const resolution = resolver.resolve(turn.model);
    const price = resolution.kind === 'known' ? resolution.price : null;
    const cost: CostBreakdown | null = price ? priceRequest(price, turn) : null;
    if (cost) cumulative += cost.totalUsd;

    // The cache belongs to the stream and the model actually used (a price row id when known).
    const modelKey = price ? price.id : turn.model;
    let streamEntries = entries.get(turn.streamId);
    if (streamEntries === undefined) entries.set(turn.streamId, (streamEntries = new Map<string, EntryState>()));
    const stream = streams.get(turn.streamId) ?? null;
    const entry = streamEntries.get(modelKey) ?? null;
    const prevTurn = stream ? (turns[stream.lastTurnIndex] ?? null) : null;
    const idleGapMs =
      stream && stream.lastTimestampMs !== null && turn.timestampMs !== null
        ? Math.max(0, turn.timestampMs - stream.lastTimestampMs)
        : null;
    const writes = usesWrites(price, turn, streamWrites.has(turn.streamId));
    const cacheable = price === null || (price.cacheKind !== 'none' && turn.promptTokens >= price.minCacheableTokens);

    let missReason: MissReason | null = null;
    let m1h = 0;
    let m5m = 0;
    let mInput = 0;
    if (cacheable) {
      let missed = 0;
      let expected = 0;
      if (entry === null || entry.cachedTokens === 0) {
        // Nothing of this entry was cached: the whole cacheable prefix is paid.
        missed = writes ? turn.cacheWrite5mTokens + turn.cacheWrite1hTokens : turn.inputTokens;
        expected = missed;
      } else {
        expected = Math.min(entry.cachedTokens, turn.promptTokens);
        missed = Math.max(0, expected - turn.cacheReadTokens);
      }
      // Missed tokens are paid right after the read part: 1h writes, then 5m writes, then uncached input.
      const paid = turn.cacheWrite1hTokens + turn.cacheWrite5mTokens + turn.inputTokens;
      missed = Math.min(missed, paid);
      if (missed >= options.missMinTokens && missed >= options.missMinRatio * expected && missed > 0) {
        m1h = Math.min(missed, turn.cacheWrite1hTokens);
        m5m = Math.min(missed - m1h, turn.cacheWrite5mTokens);
        mInput = missed - m1h - m5m;
        if (stream === null) missReason = 'cold-start';
        else if (entry === null) missReason = 'model-switch';
        else if (entry.cachedTokens === 0) missReason = 'cold-start';
        else if (
          compactionBetween(compactions, prevTurn, turn) ||
          turn.promptTokens < options.compactionDropRatio * entry.lastPromptTokens
        ) {
          missReason = 'compaction';
        } else if (
          entry.ttlMs !== null &&
          entry.lastTimestampMs !== null &&
          turn.timestampMs !== null &&
          turn.timestampMs - entry.lastTimestampMs > entry.ttlMs
        ) {
          missReason = 'ttl-expired';
        } else {
          missReason = 'prefix-change';
        }
      }
    }
    const missedTokens = m1h + m5m + mInput;
    const missCostUsd = missReason ? missCost(price, turn, m1h, m5m, mInput) : 0;

    // Update the entry: what is cached now, and with which TTL.
    let ttlMs = entry?.ttlMs ?? null;
    if (turn.cacheWrite1hTokens > 0) ttlMs = MS_1H;
    else if (turn.cacheWrite5mTokens > 0) ttlMs = MS_5M;
    else if (ttlMs === null && price && price.defaultTtlSeconds > 0) ttlMs = price.defaultTtlSeconds * 1000;
    const cachedAfter = !cacheable
      ? (entry?.cachedTokens ?? 0)
      : writes
        ? turn.cacheReadTokens + turn.cacheWrite5mTokens + turn.cacheWrite1hTokens
        : turn.promptTokens;
    const entryTtl = entry?.ttl ?? null;
    // Updated in place (everything above read the previous values already).
    if (entry === null) {
      streamEntries.set(modelKey, { cachedTokens: cachedAfter, lastPromptTokens: turn.promptTokens, lastTimestampMs: turn.timestampMs, ttlMs, ttl: ttlClass(ttlMs) });
    } else {
      entry.cachedTokens = cachedAfter;
      entry.lastPromptTokens = turn.promptTokens;
      entry.lastTimestampMs = turn.timestampMs ?? entry.lastTimestampMs;
      entry.ttlMs = ttlMs;
      entry.ttl = ttlClass(ttlMs);
    }
    if (stream === null) streams.set(turn.streamId, { lastTimestampMs: turn.timestampMs, lastTurnIndex: index });
    else {
      stream.lastTimestampMs = turn.timestampMs ?? stream.lastTimestampMs;
      stream.lastTurnIndex = index;
    }

    visit({
      index,
      timestampMs: turn.timestampMs,
      streamId: turn.streamId,
      model: turn.model,
      priceId: price ? price.id : null,
      inputTokens: turn.inputTokens,
      cacheWrite5mTokens: turn.cacheWrite5mTokens,
      cacheWrite1hTokens: turn.cacheWrite1hTokens,
      cacheReadTokens: turn.cacheReadTokens,
      outputTokens: turn.outputTokens,
      promptTokens: turn.promptTokens,
      cost,
      cumulativeCostUsd: cumulative,
      idleGapMs,
      missReason,
      missedTokens: missReason ? missedTokens : 0,
      missCostUsd,
      // The TTL of the entry this request could read: before this request's own writes.
      cacheTtl: entry ? entryTtl : null,
      reportedCostUsd: turn.reportedCostUsd,
      isEstimated: turn.isEstimated,
      source: turn.source,
    });
  });
}

/** Token totals at zero. */
function zeroTokens(reasoningOutputTokens = 0): ActualTotals['tokens'] {
  return {
    inputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 0,
    reasoningOutputTokens,
    promptTokens: 0,
    turns: 0,
  };
}

/** ActualTotals from its sums (the hit ratio and unpriced count derived). */
function totalsOf(tokens: ActualTotals['tokens'], cost: CostSum, pricedTurns: number, missCostUsd: number): ActualTotals {
  return {
    tokens,
    cost: cost.breakdown(),
    cacheHitRatio: tokens.promptTokens > 0 ? tokens.cacheReadTokens / tokens.promptTokens : 0,
    pricedTurns,
    unpricedTurns: tokens.turns - pricedTurns,
    missCostUsd,
  };
}

/** Totals of analysed turns. */
export function actualTotalsOf(turns: readonly ActualTurn[], reasoningOutputTokens = 0): ActualTotals {
  const sum = new ActualTotalsSum();
  for (const t of turns) sum.add(t);
  return sum.totals(reasoningOutputTokens);
}

/** actualTotalsOf one turn at a time (the same sums, in the order the turns are added). */
export class ActualTotalsSum {
  private readonly cost = new CostSum();
  private readonly tokens = zeroTokens();
  private pricedTurns = 0;
  private missCostUsd = 0;

  add(t: ActualTurn): void {
    const tokens = this.tokens;
    tokens.inputTokens += t.inputTokens;
    tokens.cacheWrite5mTokens += t.cacheWrite5mTokens;
    tokens.cacheWrite1hTokens += t.cacheWrite1hTokens;
    tokens.cacheReadTokens += t.cacheReadTokens;
    tokens.outputTokens += t.outputTokens;
    tokens.promptTokens += t.promptTokens;
    tokens.turns++;
    const c = t.cost;
    if (c) {
      this.cost.add(c);
      this.pricedTurns++;
    }
    this.missCostUsd += t.missCostUsd;
  }

  totals(reasoningOutputTokens = 0): ActualTotals {
    return totalsOf({ ...this.tokens, reasoningOutputTokens }, this.cost, this.pricedTurns, this.missCostUsd);
  }
}

/** Sums totals (e.g. over sessions). */
export function mergeActualTotals(list: readonly ActualTotals[]): ActualTotals {
  const cost = new CostSum();
  const tokens = zeroTokens();
  let pricedTurns = 0;
  let missCostUsd = 0;
  for (const a of list) {
    for (const k of Object.keys(tokens) as Array<keyof typeof tokens>) tokens[k] += a.tokens[k];
    cost.add(a.cost);
    pricedTurns += a.pricedTurns;
    missCostUsd += a.missCostUsd;
  }
  return totalsOf(tokens, cost, pricedTurns, missCostUsd);
}

/** The TTL a session's writes used: 1h when most written tokens were 1h writes; null without writes. */
export function logTtlOf(turns: readonly Turn[]): CacheTtl | null {
  let w5 = 0;
  let w1h = 0;
  for (const t of turns) {
    w5 += t.cacheWrite5mTokens;
    w1h += t.cacheWrite1hTokens;
  }
  if (w5 + w1h === 0) return null;
  return w1h > w5 ? '1h' : '5m';
}

/**
 * The prefix-cache model: one pure, deterministic meter that every strategy
 * drives request by request. The same loop serves the per-turn rows and the
 * totals-only fast path (rows are an optional sink), so they cannot drift.
 *
 * Caches are kept per (stream, model): each stream (main thread, subagent,
 * state updater) has its own context, and a model switch is a separate cache.
 * An entry is the longest cached prefix of its stream on that model, with an
 * expiry; shorter prefixes (the system prompt breakpoint) are readable
 * whenever the longer one is, because every request re-reads them too. A
 * request whose prefix is shorter than the live entry, read whole from it,
 * refreshes only its own prefix: the longer one stays cached with its own
 * expiry (`longTokens`), as the provider keeps both (without it, a prompt that
 * shrinks and grows back would re-write what is still cached, and a longer
 * workload could cost less).
 *
 * Rules by `ModelPrice.cacheKind`:
 * - `explicit-breakpoints` (Anthropic [A1][A5]): the request reads the longest
 *   live prefix it shares with the entry and writes the rest up to its last
 *   breakpoint (`cacheUpToTokens`) at the 5-minute (1.25x) or 1-hour (2x)
 *   price; tokens after the breakpoint are uncached input. Lifetime is
 *   measured from the START of the request that wrote or read the entry, and
 *   every hit refreshes it. Boundary: an entry is readable by a request that
 *   starts at or before its expiry, i.e. a gap of exactly the TTL still hits
 *   and one millisecond more misses.
 * - `automatic-prefix` (OpenAI, xAI, Moonshot, Z.ai, Mistral [O1][O2]): no
 *   write fee; after a request the whole prompt is cached (rounded down to
 *   `cacheIncrementTokens`, 128 for OpenAI); hits grow in those increments and
 *   need a prompt of at least `minCacheableTokens` (1024). Lifetime =
 *   `defaultTtlSeconds` of the row (in-memory 300 s, or 24 h retention).
 * - `implicit+explicit-storage` (Gemini [G1][G4]): `implicit` behaves like
 *   automatic prefix caching; `explicit` (params.geminiCache) writes at the
 *   row's write price (= input) up to the breakpoint and bills storage
 *   (`storageCostUsd`) pro rata for as long as an entry lives: each request
 *   pays for the holding time since the entry's previous use, and the last
 *   use of an entry pays for its tail until expiry (nothing deletes it).
 * - `disk` (DeepSeek [D1]): automatic, no write fee, 64-token units, long
 *   best-effort retention (`defaultTtlSeconds`).
 * - `none` (or the nocache strategy): every prompt token is uncached input.
 *
 * Below the minimum cacheable length nothing is read or written (Anthropic:
 * the prefix up to the breakpoint; automatic kinds: the prompt).
 *
 * Miss accounting. A strategy tells the meter which part of the prompt is new
 * content (`newTokens`: the previous output and the appended turn); the rest
 * is old content a continuously warm cache would have served, up to the
 * cacheable length and rounded to the increment (the "ideal read"). When the
 * request reads less, the difference is the missed prefix; its reason is the
 * first that applies of: below-minimum (the cacheable length, or the old
 * prefix itself, is shorter than the minimum), cold-start / model-switch (no entry
 * for this model), model-switch (the stream used another model since),
 * ttl-expired, then the strategy's own reason (compaction) or prefix-change.
 * `missCostUsd` = missed tokens × (the rate they were billed at − the read
 * rate), at the request's tier.
 */
import type { CostBreakdown, ModelPrice, PriceRates, PriceTier } from '../model/pricing.js';
import type { MissReason, SimulatedTurn, SimulationTotals } from '../model/simulation.js';
import { storageCostUsd } from '../price/cost.js';
import type { SimulationParams } from './params.js';

export const MISS_NONE = 0;
export const MISS_COLD_START = 1;
export const MISS_TTL_EXPIRED = 2;
export const MISS_COMPACTION = 3;
export const MISS_MODEL_SWITCH = 4;
export const MISS_PREFIX_CHANGE = 5;
export const MISS_BELOW_MINIMUM = 6;

/** Miss reason codes (fast path) to the model's names. */
export const MISS_REASON_NAMES: ReadonlyArray<MissReason | null> = [
  null,
  'cold-start',
  'ttl-expired',
  'compaction',
  'model-switch',
  'prefix-change',
  'below-minimum',
];

export const KIND_TURN = 0;
export const KIND_COMPACTION = 1;
export const KIND_STATE_UPDATE = 2;
export const KIND_REPLAY = 3;
const KIND_NAMES: ReadonlyArray<SimulatedTurn['kind']> = ['turn', 'compaction', 'state-update', 'replay'];

export const TTL_5M_MS = 300_000;
export const TTL_1H_MS = 3_600_000;
const PER_MTOK = 1_000_000;

/** One cache entry: the longest cached prefix of a stream on one model. */
export class CacheEntry {
  readonly price: ModelPrice;
  /** Cached prefix length, tokens (0 = nothing cached). */
  cachedTokens = 0;
  /** A request starting at or before this instant can read the entry. */
  expiresAtMs = -Infinity;
  /** TTL the entry was last written with, ms (reads refresh by it). */
  ttlMs = 0;
  /**
   * A longer prefix still cached when a shorter request refreshed only its own
   * prefix (read whole from the longer one): the provider keeps both, each
   * with its own lifetime. Its length (0 = none) and expiry.
   */
  longTokens = 0;
  longExpiresAtMs = -Infinity;
  /** True once anything was cached (a later miss is not a cold start). */
  everHeld = false;
  /** The last request on this entry was below the minimum cacheable length. */
  belowMinimum = false;
  /** Storage (Gemini explicit): held since, and the row index that last used the entry. */
  heldSinceMs = 0;
  lastRowIndex = -1;
  /** The price row's cache rules, resolved once (the hot loop reads plain fields). */
  readonly anthropic: boolean;
  readonly explicit: boolean;
  readonly storage: boolean;
  readonly incrementTokens: number;
  readonly minCacheableTokens: number;
  readonly defaultTtlMs: number;
  constructor(price: ModelPrice, params: SimulationParams) {
    this.price = price;
    this.anthropic = price.cacheKind === 'explicit-breakpoints';
    this.explicit = this.anthropic || (price.cacheKind === 'implicit+explicit-storage' && params.geminiCache === 'explicit');
    this.storage = this.explicit && price.storageUsdPerMTokHour !== null && price.storageUsdPerMTokHour > 0;
    this.incrementTokens = price.cacheIncrementTokens > 1 ? price.cacheIncrementTokens : 1;
    this.minCacheableTokens = price.minCacheableTokens;
    this.defaultTtlMs = (params.ttlSeconds ?? price.defaultTtlSeconds) * 1000;
  }
}

/** One stream's caches (one entry per model) and its clock. */
export class StreamCache {
  readonly id: string;
  readonly entries: CacheEntry[] = [];
  /** Entry of the stream's previous request (model-switch detection). */
  lastEntry: CacheEntry | null = null;
  lastTimestampMs = 0;
  hasRequest = false;
  /**
   * Idle gap before the stream's latest request time (null before the second
   * distinct time): requests at the same instant (a compaction and its turn)
   * share the gap that preceded them, so a TTL expiry shows its real pause.
   */
  gapBeforeMs: number | null = null;
  private readonly params: SimulationParams;
  constructor(id: string, params: SimulationParams) {
    this.id = id;
    this.params = params;
  }

  entryFor(price: ModelPrice): CacheEntry {
    const last = this.lastEntry;
    if (last !== null && last.price === price) return last;
    for (const e of this.entries) if (e.price === price) return e;
    const e = new CacheEntry(price, this.params);
    this.entries.push(e);
    return e;
  }
}

/**
 * One request as a strategy describes it. Strategies reuse one instance
 * (allocation-free loop); every field is set before each `meter.request`.
 */
export class CacheRequest {
  kind = KIND_TURN;
  /** 0-based workload turn the request belongs to. */
  turnIndex = 0;
  timestampMs = 0;
  /** Model as named in the workload (rows), and its price row. */
  model = '';
  price: ModelPrice | null = null;
  /** TTL class the log used for this turn (Anthropic "log default"). */
  ttlObserved: '5m' | '1h' | null = null;
  promptTokens = 0;
  /** Prefix shared with the content this stream's cache may hold (readable when warm). */
  reusableTokens = 0;
  /** New content in this prompt (previous output + appended turn); the rest is old content. */
  newTokens = 0;
  /** Position of the last cache breakpoint (explicit kinds); the prompt for a whole-prompt breakpoint. */
  cacheUpToTokens = 0;
  /** Explicit kinds: write the unread prefix up to the breakpoint (false: read only, e.g. a compaction call). */
  writes = true;
  /** Why `reusableTokens` is shorter than the stream's previous prompt (MISS_COMPACTION, MISS_PREFIX_CHANGE) or MISS_NONE. */
  breakReason = MISS_NONE;
  outputTokens = 0;
  /** The nocache baseline: bill every prompt token as uncached input. */
  cacheDisabled = false;
}

/**
 * Per-request costs in columns: the row sink of an analysis that keeps no
 * per-request rows. It holds exactly the numbers the rows' consumers add up
 * (each request's turn and cost components, the storage tail of `finish`
 * included), so sums and per-turn curves over it are the same floating-point
 * operations in the same order as over `SimulatedTurn` rows, bit for bit,
 * without two objects per request.
 */
export class CostColumns {
  length = 0;
  turnIndex: Int32Array;
  /** Per request, COST_STRIDE values: input, 5m write, 1h write, read, output, storage, total, miss cost (USD). */
  costs: Float64Array;

  constructor(capacity = 64) {
    const n = Math.max(1, capacity);
    this.turnIndex = new Int32Array(n);
    this.costs = new Float64Array(n * COST_STRIDE);
  }

  push(turnIndex: number, inputUsd: number, w5Usd: number, w1Usd: number, readUsd: number, outputUsd: number, storageUsd: number, totalUsd: number, missCostUsd: number): void {
    const k = this.length;
    if (k === this.turnIndex.length) this.grow();
    this.turnIndex[k] = turnIndex;
    const c = this.costs;
    const o = k * COST_STRIDE;
    c[o] = inputUsd;
    c[o + 1] = w5Usd;
    c[o + 2] = w1Usd;
    c[o + 3] = readUsd;
    c[o + 4] = outputUsd;
    c[o + 5] = storageUsd;
    c[o + 6] = totalUsd;
    c[o + 7] = missCostUsd;
    this.length = k + 1;
  }

  totalUsdAt(k: number): number {
    return this.costs[k * COST_STRIDE + 6] as number;
  }

  /** Requests it holds before growing. */
  get capacity(): number {
    return this.turnIndex.length;
  }

  private grow(): void {
    const t = new Int32Array(this.turnIndex.length * 2);
    t.set(this.turnIndex);
    this.turnIndex = t;
    const c = new Float64Array(this.costs.length * 2);
    c.set(this.costs);
    this.costs = c;
  }
}

/** Values per request in `CostColumns.costs`. */
export const COST_STRIDE = 8;

/**
 * One CostColumns reused run after run, for callers that read a run's
 * columns before the next run starts (src/analyze/summed.ts workloadRun).
 * Columns made and dropped per run freed blocks of up to 3 MB on 6 GB of
 * logs, and once glibc has freed a block of N bytes it keeps every later
 * block of up to N bytes in its arenas instead of returning it to the system
 * (RSS); one set sized for the longest run (`reserve`) is never freed.
 */
export class ColumnScratch {
  private held: CostColumns | null = null;

  /** Makes room for runs of `capacity` requests (growing now, not between runs). */
  reserve(capacity: number): void {
    if (this.held === null || this.held.capacity < capacity) this.held = new CostColumns(capacity);
  }

  /** Empty columns with room for `capacity` requests: the same ones as last time when they are large enough. */
  take(capacity: number): CostColumns {
    const held = this.held;
    if (held === null || held.capacity < capacity) this.reserve(Math.max(capacity, held === null ? 0 : 2 * held.capacity));
    const c = this.held as CostColumns;
    c.length = 0;
    return c;
  }
}

export type { SimulationTotals } from '../model/simulation.js';

/**
 * The meter: prices requests under the cache rules and accumulates totals;
 * pushes one `SimulatedTurn` per request when a row sink is given.
 */
export class CacheMeter {
  private readonly params: SimulationParams;
  private readonly rows: SimulatedTurn[] | null;
  private readonly columns: CostColumns | null;
  private readonly streams = new Map<string, StreamCache>();
  private lastStream: StreamCache | null = null;
  private hasStorage = false;
  /** `ttlSeconds` in ms, 0 when unset (Anthropic then follows the log or anthropicWriteTtl). */
  private readonly ttlOverrideMs: number;
  private readonly anthropicWriteTtl: '5m' | '1h';

  inputUsd = 0;
  cacheWrite5mUsd = 0;
  cacheWrite1hUsd = 0;
  cacheReadUsd = 0;
  outputUsd = 0;
  storageUsd = 0;
  totalUsd = 0;
  promptTokens = 0;
  uncachedInputTokens = 0;
  cacheWrite5mTokens = 0;
  cacheWrite1hTokens = 0;
  cacheReadTokens = 0;
  outputTokens = 0;
  requests = 0;
  sideRequests = 0;
  misses = 0;
  missedTokens = 0;
  missCostUsd = 0;

  /** One sink at most: `rows` (per-request objects) or `columns` (costs only); neither for totals only. */
  constructor(params: SimulationParams, rows: SimulatedTurn[] | null, columns: CostColumns | null = null) {
    if (rows !== null && columns !== null) throw new Error('CacheMeter: rows or columns, not both');
    this.params = params;
    this.rows = rows;
    this.columns = columns;
    this.ttlOverrideMs = params.ttlSeconds !== null ? params.ttlSeconds * 1000 : 0;
    this.anthropicWriteTtl = params.anthropicWriteTtl;
  }

  /** The cache of a stream, created on first use. */
  stream(id: string): StreamCache {
    const last = this.lastStream;
    if (last !== null && last.id === id) return last;
    let s = this.streams.get(id);
    if (s === undefined) {
      s = new StreamCache(id, this.params);
      this.streams.set(id, s);
    }
    this.lastStream = s;
    return s;
  }

  /** Meters one request on `stream`. */
  request(stream: StreamCache, req: CacheRequest): void {
    const price = req.price;
    if (price === null) throw new Error('CacheMeter.request: price missing');
    const t = req.timestampMs;
    const prompt = req.promptTokens;

    let read = 0;
    let w5 = 0;
    let w1 = 0;
    let uncached = prompt;
    let reason = MISS_NONE;
    let missed = 0;
    let missedAtWriteRate = false;
    let storageUsd = 0;
    let entry: CacheEntry | null = null;

    if (!req.cacheDisabled && price.cacheKind !== 'none') {
      entry = stream.entryFor(price);
      const explicit = entry.explicit;
      const inc = entry.incrementTokens;
      const min = entry.minCacheableTokens;
      const cacheable = explicit && req.cacheUpToTokens < prompt ? req.cacheUpToTokens : prompt;
      let ideal = prompt - req.newTokens;
      if (ideal > cacheable) ideal = cacheable;
      if (ideal < 0) ideal = 0;
      if (inc > 1) ideal -= ideal % inc;

      // TTL and write class of this request.
      let ttlMs = entry.defaultTtlMs;
      let oneHour = false;
      if (entry.anthropic) {
        if (this.ttlOverrideMs > 0) {
          ttlMs = this.ttlOverrideMs;
          oneHour = ttlMs > TTL_5M_MS;
        } else {
          oneHour = (req.ttlObserved ?? this.anthropicWriteTtl) === '1h';
          ttlMs = oneHour ? TTL_1H_MS : TTL_5M_MS;
        }
      }

      if (entry.storage) {
        this.hasStorage = true;
        if (entry.cachedTokens > 0) {
          const until = t < entry.expiresAtMs ? t : entry.expiresAtMs;
          storageUsd = storageCostUsd(price, entry.cachedTokens, until - entry.heldSinceMs);
        }
      }

      if (cacheable < min) {
        if (ideal > 0) {
          reason = MISS_BELOW_MINIMUM;
          missed = ideal;
        }
        if (!entry.everHeld) entry.belowMinimum = true;
      } else {
        // The longest live prefix: the entry, or the longer one a shorter request left alive.
        let live = entry.cachedTokens > 0 && t <= entry.expiresAtMs ? entry.cachedTokens : 0;
        let liveFromLong = false;
        if (entry.longTokens > live && t <= entry.longExpiresAtMs) {
          live = entry.longTokens;
          liveFromLong = true;
        }
        if (live > 0) {
          read = live;
          if (req.reusableTokens < read) read = req.reusableTokens;
          if (cacheable < read) read = cacheable;
          if (inc > 1) read -= read % inc;
          if (read < min) read = 0;
        }
        let newCached: number;
        if (explicit) {
          if (req.writes) {
            if (oneHour) w1 = cacheable - read;
            else w5 = cacheable - read;
            missedAtWriteRate = true;
            newCached = cacheable;
          } else {
            newCached = read;
          }
          uncached = prompt - read - w5 - w1;
        } else {
          uncached = prompt - read;
          newCached = inc > 1 ? prompt - (prompt % inc) : prompt;
        }
        if (read < ideal) {
          missed = ideal - read;
          // An old prefix shorter than the minimum is never readable, warm or cold.
          reason = ideal < min ? MISS_BELOW_MINIMUM : this.missReason(stream, entry, req, t);
        }
        if (newCached >= min && newCached > 0) {
          if (!entry.storage && read >= newCached && live > newCached) {
            // A shorter prefix read whole from a longer live one: the longer stays cached, unrefreshed.
            if (!liveFromLong) {
              entry.longTokens = entry.cachedTokens;
              entry.longExpiresAtMs = entry.expiresAtMs;
            }
          } else {
            entry.longTokens = 0;
            entry.longExpiresAtMs = -Infinity;
          }
          entry.cachedTokens = newCached;
          entry.expiresAtMs = t + ttlMs;
          entry.ttlMs = ttlMs;
          entry.everHeld = true;
          entry.belowMinimum = false;
        } else if (read > 0) {
          entry.expiresAtMs = t + entry.ttlMs;
        }
      }
      if (entry.storage) entry.heldSinceMs = t;
    }

    // Rates of the tier chosen from the request's total input (= the prompt:
    // uncached + writes + reads), the rule of price/cost.ts ratesForRequest;
    // inlined so the loop allocates and calls nothing. test/simulate checks
    // every row against priceRequest.
    let r: PriceRates = price;
    const tiers = price.tiers;
    for (let i = 0; i < tiers.length; i++) {
      const tier = tiers[i] as PriceTier;
      if (prompt > tier.aboveInputTokens) r = tier;
    }
    const output = req.outputTokens;
    const inputUsd = (uncached * r.inputUsdPerMTok) / PER_MTOK;
    const cacheWrite5mUsd = (w5 * r.cacheWrite5mUsdPerMTok) / PER_MTOK;
    const cacheWrite1hUsd = (w1 * r.cacheWrite1hUsdPerMTok) / PER_MTOK;
    const cacheReadUsd = (read * r.cacheReadUsdPerMTok) / PER_MTOK;
    const outputUsd = (output * r.outputUsdPerMTok) / PER_MTOK;
    const totalUsd = inputUsd + cacheWrite5mUsd + cacheWrite1hUsd + cacheReadUsd + outputUsd + storageUsd;
    let missCostUsd = 0;
    if (missed > 0) {
      const billed = missedAtWriteRate ? (w1 > 0 ? r.cacheWrite1hUsdPerMTok : r.cacheWrite5mUsdPerMTok) : r.inputUsdPerMTok;
      missCostUsd = (missed * (billed - r.cacheReadUsdPerMTok)) / PER_MTOK;
      this.misses++;
      this.missedTokens += missed;
      this.missCostUsd += missCostUsd;
    }

    this.inputUsd += inputUsd;
    this.cacheWrite5mUsd += cacheWrite5mUsd;
    this.cacheWrite1hUsd += cacheWrite1hUsd;
    this.cacheReadUsd += cacheReadUsd;
    this.outputUsd += outputUsd;
    this.storageUsd += storageUsd;
    this.totalUsd += totalUsd;
    this.promptTokens += prompt;
    this.uncachedInputTokens += uncached;
    this.cacheWrite5mTokens += w5;
    this.cacheWrite1hTokens += w1;
    this.cacheReadTokens += read;
    this.outputTokens += output;
    this.requests++;
    if (req.kind !== KIND_TURN) this.sideRequests++;

    if (this.rows !== null) {
      this.pushRow(stream, entry, req, uncached, w5, w1, read, reason, missCostUsd, storageUsd, {
        inputUsd,
        cacheWrite5mUsd,
        cacheWrite1hUsd,
        cacheReadUsd,
        outputUsd,
        storageUsd,
        totalUsd,
      });
    } else if (this.columns !== null) {
      if (entry !== null) entry.lastRowIndex = this.columns.length;
      this.columns.push(req.turnIndex, inputUsd, cacheWrite5mUsd, cacheWrite1hUsd, cacheReadUsd, outputUsd, storageUsd, totalUsd, missCostUsd);
    }
    if (stream.hasRequest && t !== stream.lastTimestampMs) stream.gapBeforeMs = t - stream.lastTimestampMs;
    stream.hasRequest = true;
    stream.lastTimestampMs = t;
    if (entry !== null) stream.lastEntry = entry;
  }

  /** Why the request read less than its ideal prefix (see the module comment). */
  private missReason(stream: StreamCache, entry: CacheEntry, req: CacheRequest, t: number): number {
    if (!entry.everHeld) {
      if (stream.lastEntry !== null && stream.lastEntry !== entry) return MISS_MODEL_SWITCH;
      return entry.belowMinimum ? MISS_BELOW_MINIMUM : MISS_COLD_START;
    }
    if (stream.lastEntry !== entry) return MISS_MODEL_SWITCH;
    if (t > entry.expiresAtMs) return MISS_TTL_EXPIRED;
    return req.breakReason !== MISS_NONE ? req.breakReason : MISS_PREFIX_CHANGE;
  }

  private pushRow(
    stream: StreamCache,
    entry: CacheEntry | null,
    req: CacheRequest,
    uncached: number,
    w5: number,
    w1: number,
    read: number,
    reason: number,
    missCostUsd: number,
    _storageUsd: number,
    cost: CostBreakdown,
  ): void {
    const rows = this.rows as SimulatedTurn[];
    if (entry !== null) entry.lastRowIndex = rows.length;
    rows.push({
      turnIndex: req.turnIndex,
      kind: KIND_NAMES[req.kind] ?? 'turn',
      timestampMs: req.timestampMs,
      model: req.model,
      promptTokens: req.promptTokens,
      uncachedInputTokens: uncached,
      cacheWrite5mTokens: w5,
      cacheWrite1hTokens: w1,
      cacheReadTokens: read,
      outputTokens: req.outputTokens,
      cost,
      cumulativeCostUsd: this.totalUsd,
      missReason: MISS_REASON_NAMES[reason] ?? null,
      missCostUsd,
      idleGapMs: !stream.hasRequest ? null : req.timestampMs !== stream.lastTimestampMs ? req.timestampMs - stream.lastTimestampMs : stream.gapBeforeMs,
    });
  }

  /**
   * Ends the workload: explicit (storage-billed) entries still alive are held
   * until they expire, billed to the request that used them last.
   */
  finish(): SimulationTotals {
    if (this.hasStorage) {
      const rows = this.rows;
      let firstTouched = rows === null ? -1 : rows.length;
      for (const s of this.streams.values()) {
        for (const e of s.entries) {
          if (e.cachedTokens <= 0 || e.expiresAtMs === -Infinity) continue;
          const usd = storageCostUsd(e.price, e.cachedTokens, e.expiresAtMs - e.heldSinceMs);
          if (usd <= 0) continue;
          this.storageUsd += usd;
          this.totalUsd += usd;
          e.cachedTokens = 0;
          const columns = this.columns;
          if (columns !== null && e.lastRowIndex >= 0 && e.lastRowIndex < columns.length) {
            // As the row's cost below: storage and total of that request grow by the tail.
            const o = e.lastRowIndex * COST_STRIDE;
            columns.costs[o + 5] = (columns.costs[o + 5] as number) + usd;
            columns.costs[o + 6] = (columns.costs[o + 6] as number) + usd;
          }
          const row = rows !== null && e.lastRowIndex >= 0 ? rows[e.lastRowIndex] : undefined;
          if (row) {
            row.cost = { ...row.cost, storageUsd: row.cost.storageUsd + usd, totalUsd: row.cost.totalUsd + usd };
            if (e.lastRowIndex < firstTouched) firstTouched = e.lastRowIndex;
          }
        }
      }
      if (rows !== null && firstTouched < rows.length) {
        let cumulative = firstTouched > 0 ? (rows[firstTouched - 1]?.cumulativeCostUsd ?? 0) : 0;
        for (let i = firstTouched; i < rows.length; i++) {
          const row = rows[i] as SimulatedTurn;
          cumulative += row.cost.totalUsd;
          row.cumulativeCostUsd = cumulative;
        }
      }
    }
    return {
      totalCostUsd: this.totalUsd,
      cost: {
        inputUsd: this.inputUsd,
        cacheWrite5mUsd: this.cacheWrite5mUsd,
        cacheWrite1hUsd: this.cacheWrite1hUsd,
        cacheReadUsd: this.cacheReadUsd,
        outputUsd: this.outputUsd,
        storageUsd: this.storageUsd,
        totalUsd: this.totalUsd,
      },
      promptTokens: this.promptTokens,
      uncachedInputTokens: this.uncachedInputTokens,
      cacheWrite5mTokens: this.cacheWrite5mTokens,
      cacheWrite1hTokens: this.cacheWrite1hTokens,
      cacheReadTokens: this.cacheReadTokens,
      outputTokens: this.outputTokens,
      requests: this.requests,
      sideRequests: this.sideRequests,
      misses: this.misses,
      missedTokens: this.missedTokens,
      missCostUsd: this.missCostUsd,
    };
  }
}

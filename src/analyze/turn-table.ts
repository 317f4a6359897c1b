/**
 * Simulated per-request rows in columns: what the analysis keeps of every
 * compared strategy's requests until they are written. A row object with its
 * cost object takes ~350 bytes of heap (every non-integer number boxed); here
 * a row is 11 doubles, 8 int32s and 2 bytes (~122 bytes), and rows are made
 * back into objects (`at`) only while they are rendered. Every value is
 * stored exactly (doubles as doubles; the int32 columns fall back to doubles
 * when a value does not fit), so `at(i)` is deepEqual to the row it came from.
 */
import type { MissReason, SimulatedTurn } from '../model/simulation.js';
import type { SimulatedTurnList } from '../model/report.js';

const KINDS: ReadonlyArray<SimulatedTurn['kind']> = ['turn', 'compaction', 'state-update', 'replay'];
const REASONS: ReadonlyArray<MissReason | null> = [null, 'cold-start', 'ttl-expired', 'compaction', 'model-switch', 'prefix-change', 'below-minimum'];

/** Doubles per row: timestampMs, 7 cost components, cumulativeCostUsd, missCostUsd, idleGapMs (NaN = null). */
const D = 11;
/** Integers per row: turnIndex, promptTokens, uncachedInputTokens, cacheWrite5mTokens, cacheWrite1hTokens, cacheReadTokens, outputTokens, model. */
const I = 8;

function fitsInt32(v: number): boolean {
  return (v | 0) === v && !Object.is(v, -0);
}

export class SimulatedTurnTable implements SimulatedTurnList {
  readonly length: number;
  private readonly doubles: Float64Array;
  private readonly ints: Int32Array | Float64Array;
  private readonly codes: Uint8Array;
  private readonly models: string[];

  private constructor(length: number, doubles: Float64Array, ints: Int32Array | Float64Array, codes: Uint8Array, models: string[]) {
    this.length = length;
    this.doubles = doubles;
    this.ints = ints;
    this.codes = codes;
    this.models = models;
  }

  static from(rows: readonly SimulatedTurn[]): SimulatedTurnTable {
    const n = rows.length;
    const doubles = new Float64Array(n * D);
    const models: string[] = [];
    const modelIndex = new Map<string, number>();
    let int32 = true;
    const intValues = new Float64Array(n * I);
    const codes = new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) {
      const t = rows[i] as SimulatedTurn;
      const c = t.cost;
      const d = i * D;
      doubles[d] = t.timestampMs;
      doubles[d + 1] = c.inputUsd;
      doubles[d + 2] = c.cacheWrite5mUsd;
      doubles[d + 3] = c.cacheWrite1hUsd;
      doubles[d + 4] = c.cacheReadUsd;
      doubles[d + 5] = c.outputUsd;
      doubles[d + 6] = c.storageUsd;
      doubles[d + 7] = c.totalUsd;
      doubles[d + 8] = t.cumulativeCostUsd;
      doubles[d + 9] = t.missCostUsd;
      doubles[d + 10] = t.idleGapMs === null ? NaN : t.idleGapMs;
      let m = modelIndex.get(t.model);
      if (m === undefined) {
        m = models.length;
        models.push(t.model);
        modelIndex.set(t.model, m);
      }
      const k = i * I;
      intValues[k] = t.turnIndex;
      intValues[k + 1] = t.promptTokens;
      intValues[k + 2] = t.uncachedInputTokens;
      intValues[k + 3] = t.cacheWrite5mTokens;
      intValues[k + 4] = t.cacheWrite1hTokens;
      intValues[k + 5] = t.cacheReadTokens;
      intValues[k + 6] = t.outputTokens;
      intValues[k + 7] = m;
      if (int32) for (let j = 0; j < I; j++) if (!fitsInt32(intValues[k + j] as number)) int32 = false;
      const kind = KINDS.indexOf(t.kind);
      const reason = REASONS.indexOf(t.missReason);
      if (kind < 0 || reason < 0) throw new Error(`SimulatedTurnTable: unknown kind ${t.kind} or miss reason ${String(t.missReason)}`);
      codes[i * 2] = kind;
      codes[i * 2 + 1] = reason;
    }
    return new SimulatedTurnTable(n, doubles, int32 ? Int32Array.from(intValues) : intValues, codes, models);
  }

  /** Row `i` as the object it was made from. */
  at(i: number): SimulatedTurn {
    const d = i * D;
    const k = i * I;
    const x = this.doubles;
    const n = this.ints;
    const gap = x[d + 10] as number;
    return {
      turnIndex: n[k] as number,
      kind: KINDS[this.codes[i * 2] as number] as SimulatedTurn['kind'],
      timestampMs: x[d] as number,
      model: this.models[n[k + 7] as number] as string,
      promptTokens: n[k + 1] as number,
      uncachedInputTokens: n[k + 2] as number,
      cacheWrite5mTokens: n[k + 3] as number,
      cacheWrite1hTokens: n[k + 4] as number,
      cacheReadTokens: n[k + 5] as number,
      outputTokens: n[k + 6] as number,
      cost: {
        inputUsd: x[d + 1] as number,
        cacheWrite5mUsd: x[d + 2] as number,
        cacheWrite1hUsd: x[d + 3] as number,
        cacheReadUsd: x[d + 4] as number,
        outputUsd: x[d + 5] as number,
        storageUsd: x[d + 6] as number,
        totalUsd: x[d + 7] as number,
      },
      cumulativeCostUsd: x[d + 8] as number,
      missReason: REASONS[this.codes[i * 2 + 1] as number] ?? null,
      missCostUsd: x[d + 9] as number,
      idleGapMs: Number.isNaN(gap) ? null : gap,
    };
  }

  /** `turnIndex` of row `i` (no object made). */
  turnIndexAt(i: number): number {
    return this.ints[i * I] as number;
  }

  /** `cost.totalUsd` of row `i` (no object made). */
  totalUsdAt(i: number): number {
    return this.doubles[i * D + 7] as number;
  }

  *[Symbol.iterator](): Iterator<SimulatedTurn> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

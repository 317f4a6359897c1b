/**
 * A workload's turns in typed-array columns: what the strategies read on
 * every simulation pass (44 passes over every request in an analysis), in
 * ~37 bytes a turn instead of a `WorkloadTurn` object and its boxed
 * timestamp (~100 bytes; 25 MB for the 225,000 requests of 6 GB of logs).
 *
 * `Workload.turns` stays the interface (tests and synthetic scenarios build
 * plain arrays). `columnsOf` gives the columns of any workload: the ones a
 * workload was built over (`workloadOverColumns`, the analysis's own), else
 * made from its `turns` array and kept while that array is the workload's.
 * A workload built over columns makes its `turns` objects on each read and
 * keeps none.
 */
import type { Workload, WorkloadTurn } from '../model/simulation.js';

/** `writeTtlObserved` codes: absent (undefined), null, '5m', '1h'. */
const TTL_ABSENT = 0;
const TTL_NULL = 1;
const TTL_5M = 2;
const TTL_1H = 3;
const TTL_VALUES: ReadonlyArray<WorkloadTurn['writeTtlObserved']> = [undefined, null, '5m', '1h'];

/** A WorkloadColumns' arrays and tables, as `packWorkloads` (./sweep.ts) sends them to a worker. */
export interface WorkloadColumnArrays {
  timestampMs: Float64Array;
  appendedTokens: Float64Array;
  outputTokens: Float64Array;
  model: Int32Array;
  stream: Int32Array;
  ttl: Uint8Array;
  compacted: Int32Array;
  compactions: ReadonlyArray<NonNullable<WorkloadTurn['compactedBefore']>>;
  strings: readonly string[];
}

export class WorkloadColumns implements WorkloadColumnArrays {
  readonly count: number;
  readonly timestampMs: Float64Array;
  readonly appendedTokens: Float64Array;
  readonly outputTokens: Float64Array;
  /** Index into `strings` of each turn's model and stream id. */
  readonly model: Int32Array;
  readonly stream: Int32Array;
  /** writeTtlObserved, coded (see TTL_VALUES). */
  readonly ttl: Uint8Array;
  /** Index into `compactions` of each turn's compactedBefore, -1 for null. */
  readonly compacted: Int32Array;
  readonly compactions: ReadonlyArray<NonNullable<WorkloadTurn['compactedBefore']>>;
  /** The models and stream ids, each once. */
  readonly strings: readonly string[];

  /**
   * Columns of `turns`, or over `arrays` as they are (their `timestampMs`
   * length is the turn count; the arrays are used, not copied).
   */
  constructor(source: readonly WorkloadTurn[] | WorkloadColumnArrays) {
    if (!Array.isArray(source)) {
      const a = source as WorkloadColumnArrays;
      this.count = a.timestampMs.length;
      this.timestampMs = a.timestampMs;
      this.appendedTokens = a.appendedTokens;
      this.outputTokens = a.outputTokens;
      this.model = a.model;
      this.stream = a.stream;
      this.ttl = a.ttl;
      this.compacted = a.compacted;
      this.compactions = a.compactions;
      this.strings = a.strings;
      return;
    }
    const turns = source as readonly WorkloadTurn[];
    const n = turns.length;
    this.count = n;
    this.timestampMs = new Float64Array(n);
    this.appendedTokens = new Float64Array(n);
    this.outputTokens = new Float64Array(n);
    this.model = new Int32Array(n);
    this.stream = new Int32Array(n);
    this.ttl = new Uint8Array(n);
    this.compacted = new Int32Array(n);
    const compactions: Array<NonNullable<WorkloadTurn['compactedBefore']>> = [];
    const strings: string[] = [];
    const index = new Map<string, number>();
    const idOf = (s: string): number => {
      let i = index.get(s);
      if (i === undefined) {
        i = strings.length;
        strings.push(s);
        index.set(s, i);
      }
      return i;
    };
    for (let i = 0; i < n; i++) {
      const t = turns[i] as WorkloadTurn;
      this.timestampMs[i] = t.timestampMs;
      this.appendedTokens[i] = t.appendedTokens;
      this.outputTokens[i] = t.outputTokens;
      this.model[i] = idOf(t.model);
      this.stream[i] = idOf(t.streamId);
      const w = t.writeTtlObserved;
      this.ttl[i] = w === undefined ? TTL_ABSENT : w === null ? TTL_NULL : w === '5m' ? TTL_5M : TTL_1H;
      if (t.compactedBefore === null) this.compacted[i] = -1;
      else {
        this.compacted[i] = compactions.length;
        compactions.push({ preTokens: t.compactedBefore.preTokens, postTokens: t.compactedBefore.postTokens });
      }
    }
    this.compactions = compactions;
    this.strings = strings;
  }

  /** The models the turns use, each once, in order of first use. */
  models(): string[] {
    const seen = new Set<number>();
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) {
      const m = this.model[i] as number;
      if (!seen.has(m)) {
        seen.add(m);
        out.push(this.strings[m] as string);
      }
    }
    return out;
  }

  modelOf(i: number): string {
    return this.strings[this.model[i] as number] as string;
  }

  streamOf(i: number): string {
    return this.strings[this.stream[i] as number] as string;
  }

  writeTtlObservedOf(i: number): WorkloadTurn['writeTtlObserved'] {
    return TTL_VALUES[this.ttl[i] as number];
  }

  compactedBeforeOf(i: number): WorkloadTurn['compactedBefore'] {
    const c = this.compacted[i] as number;
    return c < 0 ? null : (this.compactions[c] as NonNullable<WorkloadTurn['compactedBefore']>);
  }

  /** Turn `i` as the object it was made from (same keys, in the order workload.ts writes them). */
  turn(i: number): WorkloadTurn {
    const c = this.compacted[i] as number;
    const turn: WorkloadTurn = {
      timestampMs: this.timestampMs[i] as number,
      model: this.modelOf(i),
      streamId: this.streamOf(i),
      appendedTokens: this.appendedTokens[i] as number,
      outputTokens: this.outputTokens[i] as number,
      compactedBefore: c < 0 ? null : { ...(this.compactions[c] as NonNullable<WorkloadTurn['compactedBefore']>) },
    };
    const ttl = this.ttl[i] as number;
    if (ttl !== TTL_ABSENT) turn.writeTtlObserved = TTL_VALUES[ttl] ?? null;
    return turn;
  }
}

/** Columns of workloads built over them. */
const own = new WeakMap<Workload, WorkloadColumns>();
/** Columns made from a workload's `turns` array, with the array they were made from. */
const made = new WeakMap<Workload, { turns: readonly WorkloadTurn[]; length: number; columns: WorkloadColumns }>();

/**
 * The columns of `w`. For a workload built over columns, those; else made
 * from `w.turns` and reused while `w.turns` is the same array of the same
 * length (the simulator never changes a workload; a caller that edits turns
 * in place must give a new array).
 */
export function columnsOf(w: Workload): WorkloadColumns {
  const mine = own.get(w);
  if (mine !== undefined) return mine;
  const turns = w.turns;
  const m = made.get(w);
  if (m !== undefined && m.turns === turns && m.length === turns.length) return m.columns;
  const columns = new WorkloadColumns(turns);
  made.set(w, { turns, length: turns.length, columns });
  return columns;
}

/** Number of turns of `w` (without making its turn objects). */
export function turnCountOf(w: Workload): number {
  return columnsOf(w).count;
}

/**
 * A workload over `columns`: `turns` is an own enumerable accessor that makes
 * the objects on each read and keeps none (the simulator reads the columns).
 */
export function workloadOverColumns(meta: Omit<Workload, 'turns'>, columns: WorkloadColumns): Workload {
  const withTurns: Workload = { sessionId: meta.sessionId, systemTokens: meta.systemTokens, turns: [], taskFingerprint: meta.taskFingerprint };
  if (meta.streamSystemTokens !== undefined) withTurns.streamSystemTokens = meta.streamSystemTokens;
  Object.defineProperty(withTurns, 'turns', {
    enumerable: true,
    configurable: true,
    get: (): WorkloadTurn[] => Array.from({ length: columns.count }, (_, i) => columns.turn(i)),
  });
  own.set(withTurns, columns);
  return withTurns;
}

/**
 * Peak memory of the main thread on large inputs.
 *
 * V8 lets the old generation grow to several times the live data between two
 * full collections (its growing factor adapts up to 4× when the collector is
 * fast). On 1 GB of logs the sessions and then the report are 55-80 MB live,
 * but the heap reached 140-170 MB between full GCs: with the node binary
 * (~44 MB), the young generation (32 MB) and the report's typed arrays
 * (~27 MB), a peak RSS of 225-265 MB. A fixed growing factor of 1.15 from the
 * end of parsing on (sessions, analysis, output) keeps the heap nearer its
 * live data: 215-235 MB, for no measurable CPU time. Set from the start it
 * would also tighten the parse, which makes far more garbage than it keeps
 * (+0.35 CPU s for the same peak), so loadSessions calls this after parsing.
 *
 * `--heap-growing-percent` is read by V8 each time it recomputes the heap
 * limit after a full GC, so setting it from inside works (the heap size flags,
 * e.g. `--max-old-space-size`, are read only at start-up and would not). It
 * changes when memory is collected, never what the program computes.
 * `TOKEN_ECON_HEAP_GROWING_PERCENT` overrides the value (0: V8's adaptive factor).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { integerFromEnv, type CliContext } from './context.js';

export const HEAP_GROWING_ENV = 'TOKEN_ECON_HEAP_GROWING_PERCENT';
const DEFAULT_PERCENT = 15;
let applied = false;

/** The growing factor asked for (`TOKEN_ECON_HEAP_GROWING_PERCENT`, 0-1000; default 15): anything else is a usage error. */
export function heapGrowingPercent(env: CliContext['env']): number {
  return integerFromEnv(env, HEAP_GROWING_ENV, 0, 1000, () => DEFAULT_PERCENT, `e.g. ${HEAP_GROWING_ENV}=${DEFAULT_PERCENT} (0: V8's adaptive factor)`);
}

/** Bounds heap growth for the rest of the process to `percent` (`heapGrowingPercent`; once: the flag is process-wide). */
export function limitHeapGrowth(percent: number): void {
  if (applied) return;
  applied = true;
  // 0 restores V8's adaptive factor.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * One full GC of this thread's heap now (V8's `gc`, made available once).
 * It changes when memory is collected, never what the program computes.
 */
export function collectGarbageNow(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') (gc as () => void)();
  } catch {
    // Without it only the peak is higher.
  }
}

/**
 * Keeps a parsing thread's heap near its live data. An ingest worker keeps
 * almost nothing across files (each file's result is posted away), but what
 * survives two scavenges while a file is parsed is promoted, and V8 let
 * that garbage pile up in the old generation between its rare full GCs:
 * 26 -> 56 MB of a worker's heap (22 MB live) over 3 GB of logs, the peak
 * RSS of a 6 GB first run. After every `checkBytes` of input this checks
 * the heap and collects when it grew `slackBytes` past what the last
 * collection left.
 */
export class GarbageBound {
  private sinceCheck = 0;
  private baseline: number;
  constructor(
    private readonly checkBytes = 64 * 1024 * 1024,
    private readonly slackBytes = 24 * 1024 * 1024,
    /** Tests: the heap's used bytes and the collection. */
    private readonly usedBytes: () => number = () => getHeapStatistics().used_heap_size,
    private readonly collect: () => void = collectGarbageNow,
  ) {
    this.baseline = usedBytes();
  }

  /** After `bytes` more of input were parsed. */
  parsed(bytes: number): void {
    this.sinceCheck += bytes;
    if (this.sinceCheck < this.checkBytes) return;
    this.sinceCheck = 0;
    if (this.usedBytes() <= this.baseline + this.slackBytes) return;
    this.collect();
    this.baseline = this.usedBytes();
  }
}

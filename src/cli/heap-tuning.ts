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
import { setFlagsFromString } from 'node:v8';
import type { CliContext } from './context.js';

export const HEAP_GROWING_ENV = 'TOKEN_ECON_HEAP_GROWING_PERCENT';
const DEFAULT_PERCENT = 15;
let applied = false;

/** Bounds heap growth for the rest of the process (once; the flag is process-wide). */
export function limitHeapGrowth(env: CliContext['env']): void {
  if (applied) return;
  applied = true;
  const raw = env[HEAP_GROWING_ENV];
  const n = raw === undefined || raw.trim() === '' ? DEFAULT_PERCENT : Number(raw.trim());
  if (!Number.isInteger(n) || n < 0 || n > 1000) return;
  // 0 restores V8's adaptive factor.
  setFlagsFromString(`--heap-growing-percent=${n}`);
}

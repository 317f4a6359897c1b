/**
 * `TOKEN_ECON_TIMING=1`: phase marks on stderr (time since the process
 * started, so start-up is included), the process's CPU time so far (all
 * threads: above the wall time when threads work at once) and its memory
 * (RSS, this thread's V8 heap used/total, ArrayBuffers), for profiling large
 * runs; the output is unchanged. See docs/DEVELOPMENT.md.
 */
import { performance } from 'node:perf_hooks';
import type { CliContext } from './context.js';

export const TIMING_ENV = 'TOKEN_ECON_TIMING';

export type PhaseMark = (label: string) => void;

export function phaseTimer(ctx: CliContext): PhaseMark {
  const raw = ctx.env[TIMING_ENV];
  if (raw === undefined || raw === '' || raw === '0') return () => {};
  return (label) => {
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const mem = process.memoryUsage();
    const mib = (n: number): string => (n / 1048576).toFixed(0).padStart(4);
    ctx.writeStderr(
      `token-econ timing: ${performance.now().toFixed(0).padStart(6)} ms  cpu ${cpuMs.toFixed(0).padStart(6)} ms  ` +
        `rss ${mib(mem.rss)} MiB  heap ${mib(mem.heapUsed)}/${mib(mem.heapTotal)} MiB  buffers ${mib(mem.arrayBuffers)} MiB  ${label}\n`,
    );
  };
}

/**
 * Measurement helpers for `npm run bench`: run a command as a child process,
 * time it (hrtime around spawn), read its peak RSS (GNU time's %M, else
 * /proc/<pid>/status VmHWM polling), capture its stdout to a file.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, statSync, createReadStream } from 'node:fs';
import { join } from 'node:path';

export interface RunResult {
  wallMs: number;
  /** Peak resident set size of the child, in KiB (null when it could not be measured). */
  peakRssKiB: number | null;
  userCpuS: number | null;
  sysCpuS: number | null;
  exitCode: number;
  stdoutFile: string;
  stderr: string;
}

export const GNU_TIME = '/usr/bin/time';

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export interface RunOptions {
  env?: Record<string, string>;
  stdoutFile: string;
  cwd?: string;
}

/** Runs `cmd args` once; stdout goes to `stdoutFile` (no pipe back-pressure in the measurement). */
export async function measure(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const useTime = hasGnuTime();
  const timeFile = `${opts.stdoutFile}.time`;
  const argv = useTime ? ['-f', '%e %U %S %M', '-o', timeFile, cmd, ...args] : args;
  const exe = useTime ? GNU_TIME : cmd;
  const outFd = openSync(opts.stdoutFile, 'w');
  let stderr = '';
  let polledHwm: number | null = null;
  const start = process.hrtime.bigint();
  const child = spawn(exe, argv, {
    stdio: ['ignore', outFd, 'pipe'],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += d.toString('utf8');
  });
  // Without GNU time, poll VmHWM (the kernel's peak RSS) of the direct child.
  let poll: NodeJS.Timeout | null = null;
  if (!useTime && child.pid) {
    const pid = child.pid;
    poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) polledHwm = Math.max(polledHwm ?? 0, Number(m[1]));
      } catch {
        /* process gone */
      }
    }, 10);
  }
  const exitCode: number = await new Promise((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (poll) clearInterval(poll);
  closeSync(outFd);
  let peakRssKiB: number | null = polledHwm;
  let userCpuS: number | null = null;
  let sysCpuS: number | null = null;
  if (useTime && existsSync(timeFile)) {
    // GNU time prefixes "Command exited with non-zero status N" lines; the figures are on the last line.
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const parts = (lines[lines.length - 1] ?? '').trim().split(/\s+/);
    if (parts.length === 4) {
      userCpuS = Number(parts[1]);
      sysCpuS = Number(parts[2]);
      peakRssKiB = Number(parts[3]);
    }
  }
  return { wallMs, peakRssKiB, userCpuS, sysCpuS, exitCode, stdoutFile: opts.stdoutFile, stderr };
}

export function listJsonlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listJsonlFiles(path, out);
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(path);
  }
  return out;
}

export function dataBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  const files = listJsonlFiles(dir);
  for (const f of files) bytes += statSync(f).size;
  return { bytes, files: files.length };
}

/** Reads every file once so all tools start from the same (warm) page cache. */
export async function warmPageCache(dir: string): Promise<void> {
  for (const f of listJsonlFiles(dir)) {
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(f, { highWaterMark: 1024 * 1024 });
      s.on('data', () => undefined);
      s.on('end', resolve);
      s.on('error', reject);
    });
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

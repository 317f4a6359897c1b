import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';

export interface CliRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CliRunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  columns?: number;
  cwd?: string;
  /** Fixed clock for deterministic output; default 2026-01-01T00:00:00Z. */
  nowMs?: number;
  /** spawnCli: the script node runs (default CLI_ENTRY, the module build's entry). */
  script?: string;
}

/** Runs the CLI in-process with a fake context (fast; used by most CLI tests). */
export async function runCliInProcess(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    argv: args,
    env: { NO_COLOR: '1', TZ: 'UTC', ...options.env },
    cwd: options.cwd ?? process.cwd(),
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    writeStdout: async (text) => {
      stdout += text;
    },
    writeStderr: (text) => {
      stderr += text;
    },
    isStdoutTTY: false,
    isStderrTTY: false,
    columns: options.columns ?? 120,
    now: () => options.nowMs ?? Date.UTC(2026, 0, 1),
    exitCode: 0,
  };
  const exitCode = await runCli(ctx);
  return { stdout, stderr, exitCode };
}

/** Path of the compiled CLI entry, next to this compiled helper. */
export const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/entry.js', import.meta.url));

/** Spawns the real CLI as a child process (end-to-end tests). */
export function spawnCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.script ?? CLI_ENTRY, ...args], {
      cwd: options.cwd ?? process.cwd(),
      // No parse cache unless a test asks for one (TOKEN_ECON_CACHE_DIR): a run must not depend on what an earlier one left in ~/.cache.
      env: { PATH: process.env['PATH'], HOME: process.env['HOME'], NO_COLOR: '1', TZ: 'UTC', COLUMNS: String(options.columns ?? 120), TOKEN_ECON_CACHE_DIR: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, exitCode: code ?? -1 }));
    child.stdin.end(options.stdin ?? '');
  });
}

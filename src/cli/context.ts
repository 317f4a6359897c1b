import { InputError } from '../errors.js';

/**
 * Everything a command may touch of the outside world, passed in so commands
 * can be run in-process by tests. Only src/cli/ sees this.
 */
export interface CliContext {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  writeStdout: (text: string) => Promise<void>;
  writeStderr: (text: string) => void;
  isStdoutTTY: boolean;
  isStderrTTY: boolean;
  /** Terminal width in columns (COLUMNS env wins, then the TTY, then 100). */
  columns: number;
  /** Wall clock, epoch ms; injected so golden tests are deterministic. */
  now: () => number;
  /** Set by a command to request a non-zero exit without throwing. */
  exitCode: number;
}

/**
 * A thread count from the environment variable `name`: `fallback()` when it
 * is unset or empty, else a whole number from `min` to 64; anything else is a
 * usage error naming the variable, with `hint`.
 */
export function threadCountFromEnv(env: CliContext['env'], name: string, min: number, fallback: () => number, hint: string): number {
  return integerFromEnv(env, name, min, 64, fallback, hint);
}

/** A whole number from `min` to `max` in the environment variable `name` (unset or blank: `fallback()`); anything else is a usage error. */
export function integerFromEnv(env: CliContext['env'], name: string, min: number, max: number, fallback: () => number, hint: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback();
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`, hint);
  return n;
}

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

import { Command, CommanderError } from 'commander';
import { ConditionError, EXIT_CONDITION_FAILED, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, InputError } from '../errors.js';
import type { CliContext } from './context.js';
import { COMMANDS } from './commands/index.js';
import { TOOL_VERSION } from '../version.js';

function writeToStream(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (text.length === 0) {
      resolve();
      return;
    }
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

export function createProcessContext(argv: readonly string[]): CliContext {
  const envColumns = Number(process.env['COLUMNS']);
  const columns =
    Number.isFinite(envColumns) && envColumns > 0
      ? Math.floor(envColumns)
      : process.stdout.isTTY && process.stdout.columns
        ? process.stdout.columns
        : 100;
  return {
    argv,
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
    writeStdout: (text) => writeToStream(process.stdout, text),
    writeStderr: (text) => {
      process.stderr.write(text);
    },
    isStdoutTTY: process.stdout.isTTY === true,
    isStderrTTY: process.stderr.isTTY === true,
    columns,
    now: () => Date.now(),
    exitCode: EXIT_OK,
  };
}

export function buildProgram(ctx: CliContext): Command {
  const program = new Command();
  program
    .name('token-econ')
    .description(
      'What LLM coding-agent sessions really cost, and what they would cost under another context strategy.',
    )
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.writeStdout(s),
      writeErr: (s) => ctx.writeStderr(s),
      outputError: (s, write) => write(s),
    });
  for (const command of COMMANDS) {
    const sub = command.register(program, ctx);
    sub.exitOverride();
    sub.showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

/** The one top-level catch: maps errors to exit codes. Returns the exit code. */
export async function runCli(ctx: CliContext): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...ctx.argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit through here with code 0; commander already printed.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    if (err instanceof InputError) {
      ctx.writeStderr(`token-econ: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
      return EXIT_USAGE;
    }
    if (err instanceof ConditionError) {
      ctx.writeStderr(`token-econ: ${err.message}\n`);
      return EXIT_CONDITION_FAILED;
    }
    if (isBrokenPipe(err)) return ctx.exitCode;
    const message = err instanceof Error ? err.message : String(err);
    ctx.writeStderr(
      `token-econ: internal error: ${message}\n` +
        'This is a bug in token-econ; please report it with the command you ran' +
        (ctx.env['TOKEN_ECON_DEBUG'] ? '.\n' : ' (set TOKEN_ECON_DEBUG=1 for a stack trace).\n'),
    );
    if (ctx.env['TOKEN_ECON_DEBUG'] && err instanceof Error && err.stack) ctx.writeStderr(`${err.stack}\n`);
    return EXIT_INTERNAL;
  }
}

function isBrokenPipe(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EPIPE';
}

export async function main(argv: readonly string[]): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  return runCli(createProcessContext(argv));
}

/**
 * Exit codes (issue #6): 0 ok, 1 a requested condition failed, 2 usage/input
 * error, 3 internal error with a short message asking to report it. Every
 * user error is one line (plus an optional `hint:` line) and never a stack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { runCliInProcess, spawnCli, type CliRun } from '../helpers/cli.js';

const SAMPLE = 'test/fixtures/claude-code/real-v1.0.98';
const SAMPLE_FILE = `${SAMPLE}/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl`;

/** Lines of stderr that are not the message itself: commander's usage pointer. */
const USAGE_POINTER = /^\((run with --help for usage|Did you mean .*\?)\)$/;

function assertUserError(run: CliRun, what: string, mention?: RegExp): void {
  assert.equal(run.exitCode, 2, `${what}: exit ${run.exitCode}\nstderr: ${run.stderr}`);
  const lines = run.stderr.split('\n').filter((l) => l.trim().length > 0 && !USAGE_POINTER.test(l.trim()));
  assert.ok(lines.length >= 1, `${what}: no message on stderr`);
  assert.ok(lines.length <= 2, `${what}: message is ${lines.length} lines:\n${run.stderr}`);
  if (lines.length === 2) assert.match(lines[1] as string, /^hint: /, `${what}: second line is not a hint`);
  assert.ok(!/^\s+at /m.test(run.stderr), `${what}: stack trace on stderr:\n${run.stderr}`);
  assert.ok(!/internal error/i.test(run.stderr), `${what}: reported as an internal error`);
  if (mention) assert.match(lines[0] as string, mention, `${what}: message does not say what is wrong`);
}

test('exit 0 on success', async () => {
  const run = await runCliInProcess(['sessions', SAMPLE]);
  assert.equal(run.exitCode, 0, run.stderr);
  assert.ok(run.stdout.length > 0);
  assert.equal((await runCliInProcess(['--version'])).exitCode, 0);
  assert.equal((await runCliInProcess(['--help'])).exitCode, 0);
});

test('exit 2 for usage errors: unknown flag, unknown command, bad flag values', async () => {
  assertUserError(await runCliInProcess(['sessions', '--no-such-flag', SAMPLE]), 'unknown flag', /no-such-flag/);
  assertUserError(await runCliInProcess(['frobnicate']), 'unknown command', /frobnicate/);
  assertUserError(await runCliInProcess(['sessions', '--since', 'notadate', SAMPLE]), '--since notadate', /since|notadate/);
  assertUserError(await runCliInProcess(['sessions', '--until', '2026-02-30', SAMPLE]), '--until 2026-02-30', /until|2026-02-30/);
  assertUserError(await runCliInProcess(['sessions', '--format', 'nope', SAMPLE]), '--format nope', /format|nope/);
  assertUserError(await runCliInProcess(['sessions', '--since', '2026-02-01', '--until', '2026-01-01', SAMPLE]), 'since after until', /since/);
  for (const command of ['analyze', 'simulate']) {
    assertUserError(await runCliInProcess([command, '--ttl', 'banana', SAMPLE]), `${command} --ttl banana`, /ttl|banana/);
  }
});

test('exit 2 for input errors: missing path, directory without logs, broken symlink, unreadable stdin', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-exit-'));
  try {
    assertUserError(await runCliInProcess(['sessions', join(dir, 'does-not-exist.jsonl')]), 'missing path', /does-not-exist/);
    mkdirSync(join(dir, 'empty-dir'));
    assertUserError(await runCliInProcess(['sessions', join(dir, 'empty-dir')]), 'directory without logs', /empty-dir/);
    symlinkSync(join(dir, 'nowhere.jsonl'), join(dir, 'broken.jsonl'));
    assertUserError(await runCliInProcess(['sessions', join(dir, 'broken.jsonl')]), 'broken symlink', /broken/);
    // A directory given as a price file (tests run as root, so chmod 000 would not stop a read).
    assertUserError(await runCliInProcess(['pricing', '--pricing', join(dir, 'empty-dir')]), 'directory as a price file');
    assertUserError(await runCliInProcess(['sessions', 'no/such/*.jsonl']), 'glob without matches', /no\/such/);
    assertUserError(await runCliInProcess(['sessions'], { env: { HOME: dir } }), 'no logs in the default locations');
    writeFileSync(join(dir, 'ok.jsonl'), '');
    assertUserError(await runCliInProcess(['report'], { stdin: '' }), 'report with empty stdin');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exit 1 when a requested condition fails (--fail-above budget), 0 when it holds', async () => {
  const over = await runCliInProcess(['analyze', '--fail-above', '0.0001', SAMPLE]);
  assert.equal(over.exitCode, 1, over.stderr);
  assert.ok(over.stdout.length > 0, 'the analysis is still printed');
  assert.match(over.stderr, /0\.0001|budget|above/i);
  assert.ok(!/^\s+at /m.test(over.stderr));
  const under = await runCliInProcess(['analyze', '--fail-above', '1000000', SAMPLE]);
  assert.equal(under.exitCode, 0, under.stderr);
  assertUserError(await runCliInProcess(['analyze', '--fail-above', 'lots', SAMPLE]), '--fail-above lots', /fail-above|lots/);
});

function failingContext(argv: string[], env: Record<string, string> = {}): { ctx: CliContext; stderr: () => string } {
  let stderr = '';
  const ctx: CliContext = {
    argv,
    env: { NO_COLOR: '1', ...env },
    cwd: process.cwd(),
    stdin: Readable.from([]),
    // An unexpected failure inside a command: not an InputError, not a ConditionError.
    writeStdout: async () => {
      throw new TypeError('simulated failure while writing output');
    },
    writeStderr: (s) => {
      stderr += s;
    },
    isStdoutTTY: false,
    isStderrTTY: false,
    columns: 100,
    now: () => 0,
    exitCode: 0,
  };
  return { ctx, stderr: () => stderr };
}

test('exit 3 for an internal error: short message asking to report it, stack only with TOKEN_ECON_DEBUG', async () => {
  const a = failingContext(['sessions', SAMPLE]);
  assert.equal(await runCli(a.ctx), 3);
  const lines = a.stderr().trim().split('\n');
  assert.ok(lines.length <= 2, a.stderr());
  assert.match(a.stderr(), /internal error: simulated failure/);
  assert.match(a.stderr(), /report/);
  assert.ok(!/^\s+at /m.test(a.stderr()), 'no stack trace by default');

  const b = failingContext(['sessions', SAMPLE], { TOKEN_ECON_DEBUG: '1' });
  assert.equal(await runCli(b.ctx), 3);
  assert.match(b.stderr(), /^\s+at /m, 'stack trace with TOKEN_ECON_DEBUG=1');
});

test('a closed stdout (EPIPE) is not an internal error', async () => {
  const { ctx, stderr } = failingContext(['sessions', SAMPLE]);
  ctx.writeStdout = async () => {
    throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
  };
  assert.equal(await runCli(ctx), 0, stderr());
});

test('the real process exits with the same codes', async () => {
  assert.equal((await spawnCli(['sessions', SAMPLE_FILE])).exitCode, 0);
  const bad = await spawnCli(['sessions', '--since', 'notadate', SAMPLE_FILE]);
  assertUserError(bad, 'spawned --since notadate');
  assertUserError(await spawnCli(['nope']), 'spawned unknown command');
});

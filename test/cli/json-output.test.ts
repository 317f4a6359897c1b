import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { jsonIndent } from '../../src/cli/json-output.js';
import { runCli } from '../../src/cli/main.js';
import type { CliContext } from '../../src/cli/context.js';
import { runCliInProcess } from '../helpers/cli.js';

const NOW = Date.UTC(2026, 0, 1);
const SHORT = 'samples/claude-code';

test('jsonIndent: --pretty / --no-pretty win; else indented only on a TTY and never into a file', () => {
  const tty = { isStdoutTTY: true };
  const pipe = { isStdoutTTY: false };
  assert.equal(jsonIndent(pipe, {}), 0);
  assert.equal(jsonIndent(tty, {}), 2);
  assert.equal(jsonIndent(tty, {}, true), 0);
  assert.equal(jsonIndent(pipe, { pretty: true }), 2);
  assert.equal(jsonIndent(pipe, { pretty: true }, true), 2);
  assert.equal(jsonIndent(tty, { pretty: false }), 0);
});

/** Runs the CLI in-process as on a terminal. */
async function onTty(args: string[]): Promise<string> {
  let stdout = '';
  const ctx: CliContext = {
    argv: args,
    env: { NO_COLOR: '1', TZ: 'UTC' },
    cwd: process.cwd(),
    stdin: Readable.from([]),
    writeStdout: async (t) => {
      stdout += t;
    },
    writeStderr: () => {},
    isStdoutTTY: true,
    isStderrTTY: false,
    columns: 120,
    now: () => NOW,
    exitCode: 0,
  };
  assert.equal(await runCli(ctx), 0);
  return stdout;
}

test('every --json command: compact into a pipe, indented on a terminal or with --pretty, the same value', async () => {
  const commands = [
    ['analyze', '--json', SHORT],
    ['sessions', '--json', SHORT],
    ['simulate', '--turns', '5', '--json'],
    ['pricing', '--provider', 'deepseek', '--json'],
  ];
  for (const args of commands) {
    const compact = (await runCliInProcess(args, { nowMs: NOW })).stdout;
    const pretty = (await runCliInProcess([...args, '--pretty'], { nowMs: NOW })).stdout;
    assert.equal(compact.indexOf('\n'), compact.length - 1, `${args[0]}: one line + final newline`);
    assert.equal(compact, `${JSON.stringify(JSON.parse(pretty))}\n`, `${args[0]}: same value and key order`);
    assert.equal(pretty, `${JSON.stringify(JSON.parse(compact), null, 2)}\n`, `${args[0]}: 2-space indentation`);
    assert.equal(await onTty(args), pretty, `${args[0]}: indented on a terminal`);
    assert.equal(await onTty([...args, '--no-pretty']), compact, `${args[0]}: --no-pretty on a terminal`);
  }
});

test('analyze --json --out: compact in the file unless --pretty; report reads both forms', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-json-out-'));
  try {
    const compactFile = join(dir, 'compact.json');
    const prettyFile = join(dir, 'pretty.json');
    assert.equal((await runCliInProcess(['analyze', '--json', SHORT, '--out', compactFile], { nowMs: NOW })).exitCode, 0);
    assert.equal((await runCliInProcess(['analyze', '--json', '--pretty', SHORT, '--out', prettyFile], { nowMs: NOW })).exitCode, 0);
    const compact = readFileSync(compactFile, 'utf8');
    assert.equal(compact.indexOf('\n'), compact.length - 1);
    assert.equal(readFileSync(prettyFile, 'utf8'), `${JSON.stringify(JSON.parse(compact), null, 2)}\n`);
    const fromCompact = await runCliInProcess(['report', compactFile], { nowMs: NOW });
    const fromPretty = await runCliInProcess(['report', prettyFile], { nowMs: NOW });
    assert.equal(fromCompact.exitCode, 0, fromCompact.stderr);
    assert.ok(fromCompact.stdout.length > 100);
    assert.equal(fromCompact.stdout, fromPretty.stdout);
    const piped = await runCliInProcess(['report'], { nowMs: NOW, stdin: compact });
    assert.equal(piped.stdout, fromCompact.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

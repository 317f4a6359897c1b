import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess, spawnCli } from '../helpers/cli.js';

test('an unknown flag is a one-line error with exit code 2', async () => {
  const run = await runCliInProcess(['--no-such-flag']);
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /unknown option '--no-such-flag'/);
  assert.doesNotMatch(run.stderr, /at .*\.js:\d+/);
});

test('an unknown command exits 2', async () => {
  const run = await runCliInProcess(['frobnicate']);
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /unknown command 'frobnicate'/);
});

test('--version prints the version and exits 0 (spawned)', async () => {
  const run = await spawnCli(['--version']);
  assert.equal(run.exitCode, 0);
  assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
});

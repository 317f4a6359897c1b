import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCliInProcess } from '../helpers/cli.js';

/** The README's pasted example must stay what the command really prints. */
test('README example output of `sessions samples/` is current', async () => {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('```\nSession ');
  assert.ok(start >= 0, 'README has the sessions example block');
  const end = readme.indexOf('\n```', start + 4);
  const pasted = readme.slice(start + 4, end + 1);
  const run = await runCliInProcess(['sessions', 'samples/'], { columns: 120 });
  assert.equal(run.exitCode, 0);
  assert.equal(pasted, run.stdout);
});

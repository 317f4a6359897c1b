import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { runCliInProcess } from '../helpers/cli.js';

/**
 * Every README example pasted after a marker
 *
 *   <!-- example: COLUMNS=100 token-econ analyze samples/claude-code -->
 *   ```
 *   …output…
 *   ```
 *
 * must stay exactly what the command prints (NO_COLOR, TZ=UTC, that width).
 * A block may show only the first N lines: `<!-- example head=40: … -->`.
 * `UPDATE_GOLDEN=1` rewrites the blocks in README.md.
 */
interface Example {
  args: string[];
  columns: number;
  head: number | null;
  pasted: string;
  marker: string;
  /** Offsets of the pasted output in the README. */
  start: number;
  end: number;
}

function examplesOf(readme: string): Example[] {
  const out: Example[] = [];
  const re = /<!-- example(?: head=(\d+))?: COLUMNS=(\d+) token-econ ([^>]*?) -->\n(?:[^\n`][^\n]*\n|\n)*?```[a-z]*\n([\s\S]*?)```/g;
  for (const m of readme.matchAll(re)) {
    out.push({
      head: m[1] === undefined ? null : Number(m[1]),
      columns: Number(m[2]),
      args: (m[3] ?? '').trim().split(/\s+/),
      pasted: m[4] ?? '',
      marker: m[0].split('\n')[0] ?? '',
      end: (m.index ?? 0) + m[0].length - 3,
      start: (m.index ?? 0) + m[0].length - 3 - (m[4] ?? '').length,
    });
  }
  return out;
}

const readme = readFileSync('README.md', 'utf8');
const examples = examplesOf(readme);

test('README has marked examples for sessions, analyze and simulate', () => {
  const commands = new Set(examples.map((e) => e.args[0]));
  for (const c of ['sessions', 'analyze', 'simulate']) assert.ok(commands.has(c), `README example for ${c}`);
  assert.equal(examples.length, (readme.match(/<!-- example/g) ?? []).length, 'every marker is followed by a code block');
});

async function outputOf(ex: Example): Promise<string> {
  const run = await runCliInProcess(ex.args, { columns: ex.columns });
  assert.equal(run.exitCode, 0, run.stderr);
  return ex.head === null ? run.stdout : run.stdout.split('\n').slice(0, ex.head).join('\n') + '\n';
}

if (process.env['UPDATE_GOLDEN'] === '1') {
  test('README examples rewritten (UPDATE_GOLDEN=1)', async () => {
    let text = readme;
    for (const ex of [...examples].reverse()) text = text.slice(0, ex.start) + (await outputOf(ex)) + text.slice(ex.end);
    writeFileSync('README.md', text);
  });
} else {
  for (const ex of examples) {
    test(`README example is current: ${ex.marker}`, async () => {
      assert.equal(ex.pasted, await outputOf(ex));
    });
  }
}

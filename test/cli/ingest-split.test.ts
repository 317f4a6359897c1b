/**
 * One big Claude Code file parsed in byte ranges on two (or three) threads
 * (src/ingest/split.ts via src/cli/ingest-workers.ts) gives byte for byte the
 * `sessions --json` and `analyze --json` of one thread, wherever the cuts
 * fall: forced with TOKEN_ECON_SPLIT_AT onto every line of a block full of
 * cross-cut state (streamed duplicates, sidechains, boundary + summary,
 * damaged lines, a BOM that is not at the file start, CRLF, blank lines),
 * onto random lines of generated data, and at the even default cuts; the
 * file ends with an unterminated line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClaudeDataset } from '../../scripts/bench/generate-claude.js';
import { planFileSplit, resolveInputs } from '../../src/cli/io.js';
import { splitSettings } from '../../src/cli/ingest-workers.js';
import type { CliContext } from '../../src/cli/context.js';
import { evenOffsets } from '../../src/ingest/split.js';
import { runCliInProcess } from '../helpers/cli.js';
import { trickyText } from '../ingest/tricky-claude.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? filesUnder(p) : n.endsWith('.jsonl') ? [p] : [];
    });
}

function lineStartsIn(bytes: Buffer, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, from - 1); i < to - 1; i++) if (bytes[i] === 0x0a) out.push(i + 1);
  return out;
}

/** A single session file: tricky block, generated sessions, tricky block, generated sessions, tricky block without final newline. */
function bigFile(): { root: string; file: string; bytes: Buffer; block: [number, number] } {
  const root = mkdtempSync(join(tmpdir(), 'te-split-'));
  const gen = join(root, 'gen');
  generateClaudeDataset({ dir: gen, targetBytes: 3 * 1024 * 1024, seed: 11, hugeFileBytes: 1024 * 1024 });
  const parts = filesUnder(join(gen, 'projects')).map((p) => {
    const text = readFileSync(p, 'utf8');
    return text.endsWith('\n') ? text : `${text}\n`;
  });
  const half = Math.floor(parts.length / 2);
  const a = trickyText(true);
  const b = parts.slice(0, half).join('');
  const c = trickyText(true);
  const tail = `${parts.slice(half).join('')}${trickyText(false)}`;
  const proj = join(root, 'projects', '-home-dev-big');
  mkdirSync(proj, { recursive: true });
  const file = join(proj, '0f0f0f0f-1111-4222-8333-444444444444.jsonl');
  writeFileSync(file, a + b + c + tail);
  const start = Buffer.byteLength(a + b);
  return { root, file, bytes: readFileSync(file), block: [start, start + Buffer.byteLength(c)] };
}

async function run(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const r = await runCliInProcess(args, { env, columns: 120 });
  assert.equal(r.exitCode, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}

test('the planner splits a big claude-code file at line starts (and only such a file)', async () => {
  const { root, file, bytes } = bigFile();
  try {
    const [input] = await resolveInputs({ env: {}, cwd: process.cwd() } as unknown as CliContext, [file]);
    assert.ok(input);
    const bounds = planFileSplit(input, { minBytes: 1, nominal: (size) => evenOffsets(size, 3) });
    assert.ok(bounds && bounds.length === 4 && bounds[0] === 0 && bounds[3] === bytes.length);
    for (const c of bounds.slice(1, -1)) assert.equal(bytes[c - 1], 0x0a);
    assert.equal(planFileSplit(input, { minBytes: bytes.length + 1, nominal: (size) => evenOffsets(size, 2) }), null);
    assert.equal(planFileSplit(input, { minBytes: 1, forcedFormat: 'api-jsonl', nominal: (size) => evenOffsets(size, 2) }), null);
    assert.equal(splitSettings({}, 1), null);
    assert.equal(splitSettings({}, 2)?.minBytes, 64 * 1024 * 1024);
    assert.deepEqual(splitSettings({ TOKEN_ECON_SPLIT_AT: '9,3' }, 2)?.nominal(100), [3, 9]);
    assert.throws(() => splitSettings({ TOKEN_ECON_SPLIT_MIN_BYTES: 'lots' }, 2), /TOKEN_ECON_SPLIT_MIN_BYTES/);
    // Cut only a file bigger than a thread's share of the bytes to parse (the others keep the other threads busy)…
    const even = splitSettings({}, 2);
    assert.equal(even?.worth(520, 1000), true);
    assert.equal(even?.worth(500, 1000), false);
    assert.equal(even?.worth(520, 3000), false);
    assert.equal(splitSettings({}, 3)?.worth(400, 1000), true);
    // …unless a test knob asks for cuts.
    assert.equal(splitSettings({ TOKEN_ECON_SPLIT_MIN_BYTES: '1' }, 2)?.worth(1, 1e9), true);
    assert.equal(splitSettings({ TOKEN_ECON_SPLIT_AT: '5' }, 2)?.worth(1, 1e9), true);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sessions --json and analyze --json: byte-identical on 1 thread and split over 2-3 threads, cuts forced onto tricky lines', async () => {
  const { root, file, bytes, block } = bigFile();
  try {
    const one = { TOKEN_ECON_THREADS: '1' };
    const split = (at?: number[]): Record<string, string> => ({
      TOKEN_ECON_THREADS: '2',
      TOKEN_ECON_SPLIT_MIN_BYTES: '1',
      ...(at ? { TOKEN_ECON_SPLIT_AT: at.join(',') } : {}),
    });
    const sessions1 = await run(['sessions', '--json', file], one);
    const doc = JSON.parse(sessions1.stdout) as { files: Array<{ linesSkipped: number }>; duplicateTurnsDropped: number; diagnostics: Array<{ code: string }> };
    assert.ok(doc.duplicateTurnsDropped > 0 && (doc.files[0]?.linesSkipped ?? 0) > 0);
    assert.ok(doc.diagnostics.some((d) => d.code === 'truncated-line'));
    // Every line start of the middle tricky block, and random line starts of the generated data.
    const tricky = lineStartsIn(bytes, block[0], block[1] + 1);
    const all = lineStartsIn(bytes, 0, bytes.length);
    const random = Array.from({ length: 8 }, (_, k) => all[Math.floor(((k + 0.5) * all.length) / 8)] as number);
    for (const c of [...tricky, ...random]) {
      const two = await run(['sessions', '--json', file], split([c]));
      assert.ok(two.stdout === sessions1.stdout, `sessions --json differs with a cut at byte ${c}`);
      assert.equal(two.stderr, sessions1.stderr);
    }
    // Three ranges on two threads, cuts one line apart; even cuts on 2 and 3 threads.
    const three = await run(['sessions', '--json', file], split([tricky[3] as number, tricky[4] as number]));
    assert.ok(three.stdout === sessions1.stdout, 'three ranges');
    assert.ok((await run(['sessions', '--json', file], split())).stdout === sessions1.stdout, 'even cut, 2 threads');
    assert.ok((await run(['sessions', '--json', file], { ...split(), TOKEN_ECON_THREADS: '3' })).stdout === sessions1.stdout, 'even cuts, 3 threads');
    // The text table too.
    assert.equal((await run(['sessions', file], split([tricky[12] as number]))).stdout, (await run(['sessions', file], one)).stdout);

    const analyze1 = await run(['analyze', '--json', file], one);
    for (const at of [undefined, [tricky[12] as number], [tricky[13] as number], [tricky[9] as number, tricky[10] as number]]) {
      const two = await run(['analyze', '--json', file], split(at));
      assert.ok(two.stdout === analyze1.stdout, `analyze --json differs with cuts ${at?.join(',') ?? 'even'}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

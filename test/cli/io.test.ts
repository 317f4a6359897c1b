import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CHUNK_BYTES, PAGE_BUFFER_MIN_BYTES, globToRegExp, pageBuffer, readInput, resolveInputs, sharedPageMemory } from '../../src/cli/io.js';
import type { CliContext } from '../../src/cli/context.js';
import { InputError } from '../../src/errors.js';

function ctx(cwd = process.cwd(), env: Record<string, string> = {}): CliContext {
  return {
    argv: [],
    env,
    cwd,
    stdin: Readable.from([]),
    writeStdout: async () => {},
    writeStderr: () => {},
    isStdoutTTY: false,
    isStderrTTY: false,
    columns: 100,
    now: () => 0,
    exitCode: 0,
  };
}

const call = (i: number) =>
  JSON.stringify({ type: 'assistant', sessionId: 'grow', requestId: `r${i}`, timestamp: '2026-01-01T00:00:00Z', message: { id: `m${i}`, model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'x'.repeat(300) }], usage: { input_tokens: 1, output_tokens: 1 } } });

const noTokenizer = () => {
  throw new Error('unused');
};

test('a file growing while read yields the prefix that existed at open; the line being written is left out, not malformed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-h1-io-'));
  try {
    const path = join(dir, 'grow.jsonl');
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 3 * CHUNK_BYTES; i++) {
      lines.push(call(i));
      size += call(i).length + 1;
    }
    // The writer is in the middle of a line when we open the file.
    writeFileSync(path, `${lines.join('\n')}\n${call(99999).slice(0, 40)}`);
    let appended = false;
    const parsed = await readInput(ctx(), { path, display: 'grow.jsonl', relativePath: 'grow.jsonl', size: 0 }, {
      getTokenizer: noTokenizer,
      onBytes: () => {
        if (!appended) {
          appended = true;
          appendFileSync(path, `${call(99999).slice(40)}\n${call(100000)}\n`);
        }
      },
    });
    assert.ok(appended);
    const out = parsed.output!;
    assert.equal(out.turns.length, lines.length);
    assert.equal(out.linesSkipped, 0);
    assert.equal(out.linesIgnored, 1);
    assert.equal(out.diagnostics.find((d) => d.code === 'still-being-written')!.source!.line, lines.length + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('globToRegExp: *, ** and ?', () => {
  assert.ok(globToRegExp('**/*.jsonl').test('a/b/c.jsonl'));
  assert.ok(globToRegExp('**/*.jsonl').test('c.jsonl'));
  assert.ok(!globToRegExp('*.jsonl').test('a/c.jsonl'));
  assert.ok(globToRegExp('a/**').test('a/b/c'));
  assert.ok(globToRegExp('rollout-202?-*.jsonl').test('rollout-2025-x.jsonl'));
  assert.ok(!globToRegExp('x.jsonl').test('xjjsonl'));
});

test('resolveInputs: directories keep log extensions only; the same file twice is read once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-h1-res-'));
  try {
    writeFileSync(join(dir, 'a.jsonl'), '{}\n');
    writeFileSync(join(dir, 'b.png'), 'x');
    const files = await resolveInputs(ctx(dir), ['.', 'a.jsonl']);
    assert.deepEqual(files.map((f) => f.display), ['a.jsonl']);
    await assert.rejects(resolveInputs(ctx(dir), ['missing.jsonl']), (e: unknown) => e instanceof InputError && /missing\.jsonl: no such file/.test(e.message));
    if (process.getuid?.() !== 0) {
      chmodSync(join(dir, 'a.jsonl'), 0o000);
      await assert.rejects(readInput(ctx(dir), files[0]!, { getTokenizer: noTokenizer }), InputError);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resolveInputs: a file reached twice (a link to it, its directory through a link, a glob, its own path) is read once, under the first name', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-res-links-'));
  try {
    const dir = join(root, 'logs');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.jsonl'), '{}\n');
    writeFileSync(join(dir, 'sub', 'c.jsonl'), '{}\n');
    symlinkSync(join(dir, 'a.jsonl'), join(dir, 'b.jsonl'));
    symlinkSync(dir, join(root, 'alias'));
    const names = async (paths: string[]): Promise<string[]> => (await resolveInputs(ctx(root), paths)).map((f) => f.display);
    // b.jsonl is a.jsonl: the walk keeps the first by name.
    assert.deepEqual(await names(['logs']), ['logs/a.jsonl', 'logs/sub/c.jsonl']);
    // The same directory through a link, a glob over it, and a file's own path add nothing.
    assert.deepEqual(await names(['logs', 'alias', 'alias/**/*.jsonl', 'logs/sub/c.jsonl', 'alias/b.jsonl']), ['logs/a.jsonl', 'logs/sub/c.jsonl']);
    // Through the link first: the names are the link's.
    assert.deepEqual(await names(['alias', 'logs']), ['alias/a.jsonl', 'alias/sub/c.jsonl']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('pageBuffer: large buffers in whole WebAssembly pages (not malloc), small ones plain; each its own memory', () => {
  const big = pageBuffer(CHUNK_BYTES + 5);
  assert.equal(big.length, CHUNK_BYTES + 5);
  assert.equal(big.byteOffset, 0);
  // A WebAssembly memory is whole 64 KiB pages; a malloc'd buffer of this size is exactly its size.
  assert.equal(big.buffer.byteLength % 65536, 0);
  assert.ok(big.buffer.byteLength >= big.length);
  const other = pageBuffer(PAGE_BUFFER_MIN_BYTES);
  assert.equal(other.buffer.byteLength, PAGE_BUFFER_MIN_BYTES);
  big.fill(7);
  other.fill(9);
  assert.equal(big[big.length - 1], 7);
  assert.equal(other[0], 9);
  const small = pageBuffer(PAGE_BUFFER_MIN_BYTES - 1);
  assert.equal(small.length, PAGE_BUFFER_MIN_BYTES - 1);
  assert.notEqual(small.buffer.byteLength % 65536, 0);
  const shared = sharedPageMemory(70_000);
  assert.ok(shared instanceof SharedArrayBuffer);
  assert.equal(shared.byteLength, 2 * 65536);
});

/**
 * The file reader (src/cli/io.ts) hands the parsers whole lines: each read up
 * to its last newline, the cut line slid to the buffer's start, the buffer
 * doubled for a line longer than it. With a read buffer of 1 byte to 4 MiB,
 * every file must parse exactly as the pure `parseText` of its content does:
 * lines cut by every read, lines many times longer than the buffer, BOM, CRLF
 * and blank lines, an unterminated last line, byte ranges of a split file,
 * other formats (decoded text path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SEEN_END_BYTES, readFileInput, readFileOrPart, readFilePart, setReadChunkBytesForTests, type InputFile } from '../../src/cli/io.js';
import { parseText, type ParsedFile } from '../../src/ingest/ingest.js';
import { mergeFileParts } from '../../src/ingest/split.js';
import type { Tokenizer } from '../../src/ingest/format.js';
import { createTokenizer } from '../../src/normalize/tokenizer.js';
import { trickyText } from '../ingest/tricky-claude.js';

let tokenizer: Tokenizer | null = null;
const getTokenizer = (): Tokenizer => (tokenizer ??= createTokenizer('o200k_base'));

function inputOf(path: string, name: string): InputFile {
  return { path, display: name, relativePath: name, size: statSync(path).size };
}

/** `run` with the reader's buffer at `chunk` bytes (null: its default), restored after. */
async function withReadChunk<T>(chunk: number | null, run: () => Promise<T>): Promise<T> {
  setReadChunkBytesForTests(chunk);
  try {
    return await run();
  } finally {
    setReadChunkBytesForTests(null);
  }
}

async function readWith(chunk: number | null, input: InputFile): Promise<ParsedFile> {
  return withReadChunk(chunk, () => readFileInput(input, { getTokenizer }));
}

/** The file at `path` read as two byte ranges cut at `cut` (a line start), merged. */
async function mergedAt(path: string, name: string, cut: number): Promise<ParsedFile> {
  const input = inputOf(path, name);
  const size = statSync(path).size;
  const a = await readFilePart(input, { fileSize: size, start: 0, end: cut }, { getTokenizer });
  const b = await readFilePart(input, { fileSize: size, start: cut, end: size }, { getTokenizer });
  return mergeFileParts({ file: name, relativePath: name, getTokenizer }, [a.part, b.part], false);
}

const longUser = (n: number): string =>
  JSON.stringify({ type: 'user', sessionId: 's', parentUuid: null, message: { role: 'user', content: [{ type: 'tool_result', content: `{"usage":{"input_tokens":1}} ${'é🚀"\\x'.repeat(n)}` }] } });
const call = (req: string, out: number): string =>
  JSON.stringify({ type: 'assistant', sessionId: 's', requestId: req, timestamp: '2026-01-01T00:00:00.000Z', message: { id: `m-${req}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: out } } });

test('every read-buffer size gives the parse of the whole text: cut lines, lines longer than the buffer, BOM, CRLF, unterminated end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-read-'));
  try {
    const files: Array<[string, string]> = [
      ['tricky.jsonl', trickyText(true)],
      ['tricky-cut.jsonl', trickyText(false)],
      ['long.jsonl', [call('r1', 1), longUser(3000), call('r1', 5), longUser(1), '', `${call('r2', 2)}\r`, longUser(9000)].join('\n')],
      ['crlf.jsonl', `\uFEFF${[call('r1', 1), longUser(50), call('r2', 3)].join('\r\n')}\r\n`],
      ['one-line.jsonl', longUser(20000)],
      ['transcript.jsonl', `${[{ role: 'user', content: 'hi '.repeat(500) }, { role: 'assistant', content: 'ok' }].map((m) => JSON.stringify(m)).join('\n')}\n`],
    ];
    for (const [name, text] of files) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const want = parseText(name, text, undefined, { relativePath: name, getTokenizer });
      for (const chunk of [1, 2, 3, 7, 64, 4096, null]) {
        assert.deepStrictEqual(await readWith(chunk, inputOf(path, name)), want, `${name}, read buffer ${chunk ?? '4 MiB'}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('byte ranges of a split file read through small buffers merge to the one-parse result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-read-'));
  try {
    const text = trickyText(true) + [longUser(4000), call('r9', 1), call('r9', 7)].join('\n') + '\n';
    const path = join(dir, 'x.jsonl');
    writeFileSync(path, text);
    const bytes = Buffer.from(text);
    const want = parseText('x.jsonl', text, 'claude-code', { relativePath: 'x.jsonl' });
    const starts: number[] = [];
    for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
    for (const chunk of [1, 5, 100]) {
      for (const cut of starts.filter((_, k) => k % 4 === 0)) {
        assert.deepStrictEqual(await withReadChunk(chunk, () => mergedAt(path, 'x.jsonl', cut)), want, `cut at ${cut}, read buffer ${chunk}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('property: random lines and read-buffer sizes read as the pure parse does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-read-'));
  const path = join(dir, 's.jsonl');
  try {
    const lineArb = fc.oneof(
      fc.integer({ min: 0, max: 400 }).map(longUser),
      fc.tuple(fc.constantFrom('r1', 'r2', 'r3'), fc.integer({ min: 1, max: 9 })).map(([r, o]) => call(r, o)),
      fc.constantFrom('', '  ', '{"type":"assistant","message":', '[1]'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 3000 }),
        async (lines, crlf, terminated, chunk) => {
          const text = lines.join(crlf ? '\r\n' : '\n') + (terminated ? '\n' : '');
          writeFileSync(path, text);
          const want = parseText('s.jsonl', text, 'claude-code', { relativePath: 's.jsonl' });
          const got = await withReadChunk(chunk, () => readFileInput(inputOf(path, 's.jsonl'), { forcedFormat: 'claude-code', getTokenizer }));
          assert.deepStrictEqual(got, want);
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the ends a whole-file read keeps for the parse cache are the first and last bytes read, for every read-buffer size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-seen-'));
  try {
    const tricky = trickyText(true);
    const texts = [tricky, tricky.slice(0, 300), tricky.slice(0, 512), tricky.slice(0, 513), `${call('r1', 1)}\n`, `${longUser(2000)}\n${call('r2', 3)}\n`];
    for (const [k, text] of texts.entries()) {
      const path = join(dir, `f${k}.jsonl`);
      writeFileSync(path, text);
      const bytes = Buffer.from(text);
      const n = Math.min(bytes.length, SEEN_END_BYTES);
      for (const chunk of [1, 7, 100, 511, 512, 513, 4096, null]) {
        const r = await withReadChunk(chunk, () => readFileOrPart(inputOf(path, `f${k}.jsonl`), { getTokenizer }));
        assert.equal(r.kind, 'part');
        if (r.kind !== 'part') continue;
        const seen = r.seen;
        assert.ok(seen, `f${k} chunk ${chunk}`);
        const st = statSync(path);
        assert.equal(seen.size, bytes.length);
        assert.deepEqual(Buffer.from(seen.head), bytes.subarray(0, n), `head f${k} chunk ${chunk}`);
        assert.deepEqual(Buffer.from(seen.tail), bytes.subarray(bytes.length - n), `tail f${k} chunk ${chunk}`);
        assert.deepEqual([seen.dev, seen.ino, seen.statSize, seen.mtimeMs, seen.ctimeMs], [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lines past the 1 MiB shortening threshold read as the pure parse does: before and after the first prompt, a huge prompt read again (last line too), byte ranges', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-read-'));
  try {
    const prompt = (n: number): string => JSON.stringify({ type: 'user', sessionId: 's', parentUuid: null, message: { role: 'user', content: `fix ${'it, "now" é🚀\\ '.repeat(n)}` } });
    const files: Array<[string, string]> = [
      // No prompt yet: a tool result of 2.2 MB (shortened), a prompt of 1.7 MB (read again), then shortened freely.
      ['before.jsonl', `${[longUser(200_000), prompt(100_000), call('r1', 1), longUser(200_000), call('r2', 2)].join('\n')}\n`],
      // The last line, unterminated, is a huge prompt: read again before the file is closed.
      ['last.jsonl', [call('r1', 1), longUser(150_000), prompt(100_000)].join('\n')],
    ];
    for (const [name, text] of files) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const want = parseText(name, text, undefined, { relativePath: name, getTokenizer });
      assert.ok(want.output?.sessionInfo.some((i) => i.taskFingerprint !== null) || name === 'last.jsonl');
      for (const chunk of [65_536, 1 << 20, null]) {
        assert.deepStrictEqual(await readWith(chunk, inputOf(path, name)), want, `${name}, read buffer ${chunk ?? '4 MiB'}`);
      }
      // Split at every line start: each range re-reads from its own offset.
      const bytes = Buffer.from(text);
      const whole = parseText(name, text, 'claude-code', { relativePath: name, getTokenizer });
      for (let i = 0; i < bytes.length - 1; i++) {
        if (bytes[i] !== 0x0a) continue;
        assert.deepStrictEqual(await withReadChunk(65_536, () => mergedAt(path, name, i + 1)), whole, `${name} cut at ${i + 1}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Codex rollout with lines past the shortening threshold reads as the pure parse does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-read-'));
  try {
    const env = (type: string, payload: unknown): string => JSON.stringify({ timestamp: '2026-01-14T10:02:11.000Z', type, payload });
    const usage = (n: number): unknown => ({ input_tokens: 100 * n, cached_input_tokens: 50 * n, output_tokens: 10 * n, reasoning_output_tokens: 0 });
    const text = [
      env('session_meta', { id: 'a4833bbf-e3e6-4bcb-b3da-895e8083e71e', cwd: '/w', instructions: 'be brief '.repeat(200_000) }),
      env('turn_context', { model: 'gpt-5-codex' }),
      env('event_msg', { type: 'user_message', message: `fix "it" é ${'and more '.repeat(150_000)}` }),
      env('response_item', { type: 'function_call_output', call_id: 'c1', output: `{"usage":{"input_tokens":1}} ${'é🚀"\\x\n'.repeat(300_000)}` }),
      env('event_msg', { type: 'token_count', info: { total_token_usage: usage(1), last_token_usage: usage(1) } }),
      `${env('response_item', { type: 'function_call_output', call_id: 'c2', output: 'out\\q'.repeat(400_000) })}`.replace('out\\\\q', 'out\\q'),
      env('event_msg', { type: 'token_count', info: { total_token_usage: usage(3), last_token_usage: usage(2) } }),
    ].join('\n');
    const name = 'rollout-2026-01-14T10-02-11-a4833bbf-e3e6-4bcb-b3da-895e8083e71e.jsonl';
    const path = join(dir, name);
    writeFileSync(path, `${text}\n`);
    const want = parseText(name, `${text}\n`, undefined, { relativePath: name, getTokenizer });
    assert.equal(want.output?.format, 'codex');
    assert.equal(want.output?.linesSkipped, 1, 'the line with an invalid escape is skipped');
    assert.equal(want.output?.turns.length, 2);
    // A malformed line read shortened is reported with JSON.parse's message on the shortened text.
    const plain = (f: ParsedFile): ParsedFile => ({ ...f, output: f.output && { ...f.output, diagnostics: f.output.diagnostics.map((d) => (d.code === 'invalid-json' ? { ...d, message: '' } : d)) } });
    for (const chunk of [65_536, 1 << 20, null]) {
      assert.deepStrictEqual(plain(await readWith(chunk, inputOf(path, name))), plain(want), `${name}, read buffer ${chunk ?? '4 MiB'}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Long lines read shortened (src/ingest/long-line.ts): the Claude Code parser
 * gives the same output from the shortened line as from the whole one, for
 * any line (valid or damaged) and any chunking; the memory a cut line takes
 * is its shortened form's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteLineSplitter, LineSplitter, SHORTEN_AT_BYTES, type ByteLineSink, type ByteSplitterOptions, type SplitLine } from '../../src/ingest/lines.js';
import { DEFAULT_SHORTEN_LIMITS, LineCompactor, type ShortenLimits } from '../../src/ingest/long-line.js';
import { claudeCodeFormat } from '../../src/ingest/formats/claude-code.js';
import { codexFormat } from '../../src/ingest/formats/codex.js';
import { claudeStreamJsonFormat } from '../../src/ingest/formats/claude-stream-json.js';
import { apiJsonlFormat } from '../../src/ingest/formats/api-jsonl.js';
import { decodeUtf8 } from '../../src/ingest/formats/json-bytes.js';
import type { InputFormat, ParseContext, ParseOutput } from '../../src/ingest/format.js';
import { cutAt } from '../helpers/ingest.js';

const SMALL: ShortenLimits = { elideOverBytes: 16, headBytes: 6, keyElideOverBytes: 100 };
const PROMPT = JSON.stringify({ type: 'user', sessionId: 's1', uuid: 'u0', timestamp: '2025-09-01T09:00:00.000Z', message: { role: 'user', content: 'fix the bug' } });

function ctx(): ParseContext {
  return {
    file: 'p/s1.jsonl',
    relativePath: '-home-dev-p/s1.jsonl',
    getTokenizer: () => {
      throw new Error('no tokenizer');
    },
  };
}


/** The output without diagnostics' wording (a shortened line's JSON.parse message quotes the shortened text). */
function comparable(o: ParseOutput): unknown {
  const plain = JSON.parse(JSON.stringify(o)) as ParseOutput;
  for (const d of plain.diagnostics) d.message = '';
  return plain;
}

/**
 * `bytes` parsed by `format` as FileIngest feeds it (its byte path, or each
 * line decoded alone): in one chunk (`chunks` null: no line is cut, so none
 * is shortened), or in `chunks`, every cut line shortened as soon as the
 * parser allows, a line the parser needs whole read again from `bytes` when
 * `reread`.
 */
function parseWith(
  format: InputFormat,
  bytes: Buffer,
  chunks: Buffer[] | null,
  options: { file?: string; reread?: boolean; splitter?: ByteSplitterOptions } = {},
): { output: ParseOutput; splitter: ByteLineSplitter } {
  const parser = format.createParser(options.file ? { ...ctx(), file: options.file, relativePath: options.file } : ctx());
  const reread = options.reread ? (a: number, b: number): Buffer => bytes.subarray(a, b) : undefined;
  const splitter = new ByteLineSplitter(true, chunks ? { longLines: parser.longLines, shortenAtBytes: 0, limits: SMALL, reread, ...options.splitter } : {});
  const sink: ByteLineSink = parser.pushBytes ? (b, s, e, lineNo) => parser.pushBytes?.(b, s, e, lineNo) : (b, s, e, lineNo) => parser.push(decodeUtf8(b, s, e), lineNo);
  for (const c of chunks ?? [bytes]) splitter.push(c, sink);
  splitter.end(sink);
  return { output: parser.finish(), splitter };
}

/** The Claude Code file parsed whole (one chunk, nothing cut: no line is shortened). */
function parseWhole(bytes: Buffer): ParseOutput {
  return parseWith(claudeCodeFormat, bytes, null).output;
}

/**
 * The property of the formats that JSON.parse their lines: every file of
 * `files` parses with `format` the same cut at any chunking (its cut lines
 * shortened, `options.reread` reading again those the parser needs whole) as
 * in one chunk. Returns the lines shortened and read again over the runs, so
 * a caller can check the property held on lines that were.
 */
function chunkedParsesAsWhole(
  format: InputFormat,
  files: fc.Arbitrary<string>,
  options: { file: string; reread?: boolean },
): { shortened: number; reread: number } {
  let shortened = 0;
  let reread = 0;
  fc.assert(
    fc.property(files, fc.array(fc.nat(), { maxLength: 40 }), (text_, cuts) => {
      const bytes = Buffer.from(text_, 'utf8');
      const { output, splitter } = parseWith(format, bytes, cutAt(bytes, cuts), options);
      assert.deepEqual(comparable(output), comparable(parseWith(format, bytes, null, options).output));
      shortened += splitter.linesShortened;
      reread += splitter.linesReread;
    }),
    { numRuns: 1500 },
  );
  return { shortened, reread };
}

type Damage = 'none' | 'cut' | 'insert' | 'escape';

/** JSON text `t` damaged at `n`: cut there, `junk` inserted, or the next letter written as a `\u` escape (valid only inside strings). */
function damage(t: string, n: number, kind: Damage, junk: string): string {
  const at = n % (t.length + 1);
  if (kind === 'cut') return t.slice(0, at);
  if (kind === 'insert') return t.slice(0, at) + junk + t.slice(at);
  if (kind === 'escape') {
    const m = /[a-z]/.exec(t.slice(at));
    if (!m) return t;
    const k = at + m.index;
    return `${t.slice(0, k)}\\u00${t.charCodeAt(k).toString(16)}${t.slice(k + 1)}`;
  }
  return t;
}

const piece = fc.constantFrom('a', 'bc', 'é', '😀', '"', '\\', '\\"', '\\\\', '\\u0041', '\\x', '\n', '\t', '\u0001', '/', 'tool_result', '"tool_result"', 'x'.repeat(20), '{', '}', ':', ',', '[');
/** Strings around the small limit (16 bytes): some kept, some shortened. */
const text = fc.array(piece, { maxLength: 12 }).map((a) => a.join(''));
const usage = fc.record(
  {
    input_tokens: fc.nat(2000),
    output_tokens: fc.nat(2000),
    cache_read_input_tokens: fc.nat(9000),
    cache_creation_input_tokens: fc.nat(9000),
    service_tier: text,
  },
  { requiredKeys: ['input_tokens', 'output_tokens'] },
);
const block = fc.record(
  {
    type: fc.constantFrom('text', 'tool_use', 'tool_result', 'image'),
    text,
    content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })),
    input: fc.dictionary(fc.constantFrom('usage', 'model', 'id', 'path', 'type'), fc.oneof(text, usage), { maxKeys: 3 }),
  },
  { requiredKeys: ['type'] },
);
const message = fc.record(
  {
    id: fc.oneof(fc.constantFrom('msg_1', 'msg_2', 'msg_3'), text),
    model: fc.oneof(fc.constantFrom('claude-sonnet-4-5-20250929', 'claude-opus-4-1', '<synthetic>'), text),
    role: fc.constantFrom('assistant', 'user'),
    content: fc.oneof(text, fc.array(block, { maxLength: 3 })),
    usage,
  },
  { requiredKeys: [] },
);
const record = fc.record(
  {
    parentUuid: fc.constantFrom(null, 'u1', 'u2'),
    isSidechain: fc.boolean(),
    cwd: fc.oneof(fc.constant('/home/dev/p'), text),
    sessionId: fc.oneof(fc.constant('s1'), text),
    type: fc.constantFrom('assistant', 'assistant', 'user', 'system', 'summary'),
    subtype: fc.constant('compact_boundary'),
    compactMetadata: fc.record({ trigger: fc.oneof(fc.constantFrom('auto', 'manual'), text), preTokens: fc.nat(), postTokens: fc.nat() }),
    isCompactSummary: fc.boolean(),
    isMeta: fc.boolean(),
    message,
    requestId: fc.oneof(fc.constantFrom('req_1', 'req_2', 'req_3'), text),
    uuid: fc.oneof(fc.constantFrom('u1', 'u2', 'u3'), text),
    timestamp: fc.oneof(fc.constantFrom('2025-09-01T10:00:00.000Z', '2025-09-01T10:07:00.000Z'), text),
    toolUseResult: fc.oneof(text, fc.jsonValue({ maxDepth: 3 }), fc.record({ usage, type: text, stdout: text })),
  },
  { requiredKeys: ['type'] },
);
/** Keys of any length (past SMALL.keyElideOverBytes too), escapes included. */
const longKeys = fc.dictionary(
  fc.array(piece, { minLength: 1, maxLength: 14 }).map((a) => a.join('')),
  text,
  { maxKeys: 2 },
);
/** A record's line, sometimes damaged: cut, a byte inserted, a letter written as a `\u` escape (valid only inside strings). */
const line = fc
  .tuple(fc.tuple(record, longKeys).map(([r, extra]) => ({ ...extra, ...r })), fc.nat(), fc.constantFrom<Damage>('none', 'cut', 'insert', 'escape', 'escape'), fc.constantFrom('', '"', '}', ',', ':', '\\', 'x', '{', ']', '\u0001', ' '))
  .map(([r, n, kind, junk]) => damage(JSON.stringify(r), n, kind, junk));

test('a Claude Code file parses the same with its cut lines read shortened, for any lines and any chunking (fast-check)', () => {
  let shortened = 0;
  let elided = 0;
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 40 }), (lines, crlf, cuts) => {
      const file = Buffer.from([PROMPT, ...lines].join(crlf ? '\r\n' : '\n'), 'utf8');
      const want = parseWhole(file);
      const { output, splitter } = parseWith(claudeCodeFormat, file, cutAt(file, cuts));
      assert.deepEqual(comparable(output), comparable(want));
      shortened += splitter.linesShortened;
      elided += splitter.bytesElided;
    }),
    { numRuns: 1500 },
  );
  // The property held on lines that were actually shortened.
  assert.ok(shortened > 300, `lines shortened: ${shortened}`);
  assert.ok(elided > 10_000, `bytes elided: ${elided}`);
});

test('before the first prompt, a line is shortened and read again whole only when it may be the prompt (fast-check)', () => {
  const prompt = fc
    .tuple(fc.oneof(text, fc.array(fc.record({ type: fc.constantFrom('text', 'image'), text }), { maxLength: 3 })), fc.constantFrom(undefined, true, false), fc.constantFrom(undefined, 'tool_result', 'x'))
    .map(([content, isMeta, marker]) => {
      const r: Record<string, unknown> = { type: 'user', sessionId: 's1', uuid: 'u9', message: { role: 'user', content } };
      if (isMeta !== undefined) r['isMeta'] = isMeta;
      if (marker !== undefined) r['note'] = `"${marker}"`;
      return JSON.stringify(r);
    });
  let shortened = 0;
  let reread = 0;
  fc.assert(
    fc.property(fc.array(fc.oneof(line, prompt, prompt), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 40 }), (lines, cuts) => {
      const file = Buffer.from(lines.join('\n'), 'utf8');
      const want = comparable(parseWhole(file));
      const { output, splitter } = parseWith(claudeCodeFormat, file, cutAt(file, cuts), { reread: true });
      assert.deepEqual(comparable(output), want);
      shortened += splitter.linesShortened;
      reread += splitter.linesReread;
      // Without a way to read a line again, nothing is shortened before the first prompt.
      const held = parseWith(claudeCodeFormat, file, cutAt(file, cuts));
      assert.deepEqual(comparable(held.output), want);
    }),
    { numRuns: 1000 },
  );
  assert.ok(shortened > 300, `lines shortened: ${shortened}`);
  assert.ok(reread > 200, `lines read again: ${reread}`);
});

test('a shortened key is accepted or rejected as the whole key is, at the top level and in message (fast-check)', () => {
  // Raw key bytes, not escaped by JSON.stringify: invalid escapes, cut `\u`, control characters, escaped quotes.
  const raw = fc.array(fc.constantFrom('a', 'bc', 'é', '\\x', '\\u0041', '\\u00', '\\u00zz', '\\n', '\\\\', '\\"', '\u0001', '\t', 'x'.repeat(9)), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
  const limits: ShortenLimits = { elideOverBytes: 8, headBytes: 3, keyElideOverBytes: 12 };
  let shortened = 0;
  fc.assert(
    fc.property(raw, raw, fc.array(fc.nat(), { maxLength: 8 }), (k1, k2, cuts) => {
      const assistant = `{"${k1}":1,"type":"assistant","requestId":"r1","message":{"${k2}":"v","id":"m","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":1,"output_tokens":2}}}`;
      const file = Buffer.from(`${PROMPT}\n${assistant}\n`, 'utf8');
      const { output, splitter } = parseWith(claudeCodeFormat, file, cutAt(file, cuts), { splitter: { limits } });
      assert.deepEqual(comparable(output), comparable(parseWhole(file)));
      shortened += splitter.linesShortened;
    }),
    { numRuns: 1500 },
  );
  assert.ok(shortened > 500, `lines shortened: ${shortened}`);
});

test('the shortened line does not depend on where the chunks were cut (fast-check)', () => {
  fc.assert(
    fc.property(line, fc.array(fc.nat(), { maxLength: 30 }), (t, cuts) => {
      const bytes = Buffer.from(t, 'utf8');
      const keep = ['type', 'usage', 'model', 'id'];
      const whole = new LineCompactor(keep, undefined, SMALL);
      whole.begin();
      whole.write(bytes, 0, bytes.length);
      const w = whole.end();
      const pieces = new LineCompactor(keep, undefined, SMALL);
      pieces.begin();
      for (const c of cutAt(bytes, cuts)) pieces.write(c, 0, c.length);
      const p = pieces.end();
      assert.deepEqual(p.bytes.subarray(0, p.length), w.bytes.subarray(0, w.length));
      assert.ok(p.length <= bytes.length + 32, 'a shortened line is never much longer than the line');
    }),
    { numRuns: 1000 },
  );
});

test('strings: a long value keeps a head and a marker, a kept key\'s value and everything in a kept object stay whole', () => {
  const c = new LineCompactor(['model', 'usage'], undefined, { elideOverBytes: 8, headBytes: 4, keyElideOverBytes: 12 });
  const run = (t: string): string => {
    c.begin();
    const b = Buffer.from(t, 'utf8');
    c.write(b, 0, b.length);
    const o = c.end();
    return o.bytes.toString('utf8', 0, o.length);
  };
  assert.equal(run('{"text":"0123456789abcdef"}'), '{"text":"0123…[16 bytes]"}');
  assert.equal(run('{"model":"0123456789abcdef"}'), '{"model":"0123456789abcdef"}');
  assert.equal(run('{"usage":{"tier":"0123456789abcdef","n":[ "0123456789abcdef" ]},"x":"0123456789abcdef"}'), '{"usage":{"tier":"0123456789abcdef","n":[ "0123456789abcdef" ]},"x":"0123…[16 bytes]"}');
  // An escape or a character is never cut: the head ends before it.
  assert.equal(run('{"t":"012\\u00e9456789abcdef"}'), '{"t":"012…[21 bytes]"}');
  assert.equal(run('{"t":"01é456789abcdef"}'), '{"t":"01é…[16 bytes]"}');
  // Escaped quotes do not end a string, whatever the chunking (the property above); runs of whitespace become one.
  assert.equal(run('{"t":"\\"\\"\\"\\"\\"\\"\\"", \t "u" :  1}'), '{"t":"\\"\\"…[14 bytes]", "u" : 1}');
  // A key JSON.parse rejects still fails to parse; one it accepts parses.
  assert.equal(run('{"ab\\qcdefghijkl":1}'), '{"ab\\q…[14 bytes]\\x":1}');
  assert.equal(run('{"ab\\ncdefghijkl":1}'), '{"ab\\n…[14 bytes]":1}');
  assert.throws(() => JSON.parse(run('{"ab\\qcdefghijkl":1}')));
  assert.doesNotThrow(() => JSON.parse(run('{"ab\\ncdefghijkl":1}')));
  // An escaped key spelling a kept name is that key.
  assert.equal(run('{"\\u006dodel":"0123456789abcdef"}'), '{"\\u006dodel":"0123456789abcdef"}');
  // A line cut inside a long string stays cut.
  assert.equal(run('{"t":"0123456789abcdef'), '{"t":"0123');
  // For a parser that JSON.parses the line, a value JSON.parse rejects (here a raw control character, no backslash) stays rejected.
  const whole = new LineCompactor(['model'], undefined, { elideOverBytes: 8, headBytes: 4, keyElideOverBytes: 12 }, true);
  const bad = Buffer.from('{"t":"0123456789\u0001abcdef","u":"0123456789abcdef"}');
  whole.begin();
  whole.write(bad, 0, bad.length);
  const shortened = whole.end();
  assert.equal(shortened.bytes.toString('utf8', 0, shortened.length), '{"t":"0123…[17 bytes]\\x","u":"0123…[16 bytes]"}');
  assert.throws(() => JSON.parse(shortened.bytes.toString('utf8', 0, shortened.length)));
});

test('a line of megabytes takes the memory of its shortened form; before the first prompt, unless it can be read again, it is held whole', () => {
  const big = 'log line with \\"quotes\\" and \\\\ escapes\\n'.repeat(200_000); // 8.4 MB of JSON string content
  const huge = JSON.stringify({ type: 'user', sessionId: 's1', uuid: 'u1', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'X' }] } }).replace('"X"', `"${big}"`);
  const assistant = JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    requestId: 'req_1',
    timestamp: '2025-09-01T10:00:00.000Z',
    message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: big.slice(0, 3_000_000) }], usage: { input_tokens: 3, output_tokens: 5 } },
  });
  const bigPrompt = JSON.stringify({ type: 'user', sessionId: 's1', uuid: 'u2', message: { role: 'user', content: 'X' } }).replace('"X"', `"${big.slice(0, 2_000_000)}"`);
  const mib = 1 << 20;
  const chunks = (b: Buffer): Buffer[] => Array.from({ length: Math.ceil(b.length / mib) }, (_, k) => b.subarray(k * mib, (k + 1) * mib));
  // Default sizes: shortened past 1 MiB, strings over 1 KiB.
  const read = (file: Buffer, reread: boolean): { output: ParseOutput; splitter: ByteLineSplitter } =>
    parseWith(claudeCodeFormat, file, chunks(file), { reread, splitter: { shortenAtBytes: SHORTEN_AT_BYTES, limits: DEFAULT_SHORTEN_LIMITS } });

  const after = Buffer.from([PROMPT, huge, assistant, ''].join('\n'));
  const a = read(after, false);
  assert.deepEqual(comparable(a.output), comparable(parseWhole(after)));
  assert.equal(a.splitter.linesShortened, 2);
  assert.ok(a.splitter.bytesElided > 11_000_000);
  assert.ok(a.splitter.maxHeldBytes <= 2 * mib, `held ${a.splitter.maxHeldBytes} bytes`);

  // No prompt yet: the tool result is shortened (its message says it is no prompt), the long prompt read again whole.
  const before = Buffer.from([huge, bigPrompt, assistant].join('\n'));
  const want = comparable(parseWhole(before));
  const b = read(before, true);
  assert.deepEqual(comparable(b.output), want);
  assert.deepEqual([b.splitter.linesShortened, b.splitter.linesReread], [2, 1]);
  assert.ok(b.splitter.maxHeldBytes < bigPrompt.length + mib, `held ${b.splitter.maxHeldBytes} bytes`);
  // Where nothing can be read again (stdin): held whole.
  const c = read(before, false);
  assert.deepEqual(comparable(c.output), want);
  assert.deepEqual([c.splitter.linesShortened, c.splitter.linesReread], [1, 0]);
  assert.ok(c.splitter.maxHeldBytes >= huge.length);
});

test('a Codex rollout (JSON.parse of every line) parses the same with its cut lines read shortened (fast-check)', () => {
  const totals = fc.record({ input_tokens: fc.nat(9000), cached_input_tokens: fc.nat(3000), output_tokens: fc.nat(900), reasoning_output_tokens: fc.nat(300) });
  const payload = fc.oneof(
    fc.record({ type: fc.constant('token_count'), info: fc.oneof(fc.constant(null), fc.record({ total_token_usage: totals, last_token_usage: totals, note: text })) }),
    fc.record({ type: fc.constant('user_message'), message: text }),
    fc.record({ type: fc.constantFrom('function_call_output', 'message', 'reasoning'), output: text, content: fc.array(fc.record({ type: fc.constant('output_text'), text }), { maxLength: 2 }) }),
    fc.record({ id: fc.constantFrom('sess-1', 'sess-2'), cwd: text, model: fc.constantFrom('gpt-5-codex', 'gpt-5'), instructions: text }),
    fc.record({ model: fc.oneof(fc.constant('gpt-5-codex'), text), summary: text }),
  );
  const envelope = fc
    .tuple(fc.constantFrom('session_meta', 'turn_context', 'response_item', 'event_msg', 'event_msg', 'compacted'), payload, fc.nat(), fc.constantFrom<Damage>('none', 'cut', 'insert', 'insert', 'escape'), fc.constantFrom('\\q', '\u0001', '"', '}', 'x', '\\u12', ' '))
    .map(([type, p, n, kind, junk]) => damage(JSON.stringify({ timestamp: '2026-01-14T10:02:11.000Z', type, payload: p }), n, kind, junk));
  const file = 'rollout-2026-01-14T10-02-11-a4833bbf-e3e6-4bcb-b3da-895e8083e71e.jsonl';
  const { shortened } = chunkedParsesAsWhole(codexFormat, fc.array(envelope, { minLength: 1, maxLength: 6 }).map((lines) => lines.join('\n')), { file });
  assert.ok(shortened > 500, `lines shortened: ${shortened}`);
});

test('a line too long to hold is reported in its place and skipped, the lines around it read (text and byte paths)', () => {
  const lines = ['a', 'x'.repeat(40), 'b', '', 'y'.repeat(25), 'c', 'z'.repeat(30)];
  const text = Buffer.from(lines.join('\n'));
  const want = [
    { text: 'a', lineNo: 1, terminated: true },
    { text: '', lineNo: 2, terminated: true, tooLong: 40 },
    { text: 'b', lineNo: 3, terminated: true },
    { text: 'y'.repeat(25), lineNo: 5, terminated: true },
    { text: 'c', lineNo: 6, terminated: true },
    { text: '', lineNo: 7, terminated: false, tooLong: 30 },
  ];
  for (const size of [1, 3, 7, 64]) {
    const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, k) => text.subarray(k * size, (k + 1) * size));
    const got: SplitLine[] = [];
    const t = new LineSplitter(25);
    for (const c of chunks) t.push(c, (l) => got.push(l));
    t.end((l) => got.push(l));
    assert.deepEqual(got, want, `text path, chunks of ${size}`);
    const bytes: SplitLine[] = [];
    const b = new ByteLineSplitter(true, { maxLineBytes: 25, tooLong: (lineNo, n, terminated) => bytes.push({ text: '', lineNo, terminated, tooLong: n }) });
    for (const c of chunks) b.push(c, (buf, st, e, lineNo, terminated) => bytes.push({ text: buf.toString('utf8', st, e), lineNo, terminated }));
    b.end((buf, st, e, lineNo, terminated) => bytes.push({ text: buf.toString('utf8', st, e), lineNo, terminated }));
    // A line that arrives within one chunk is handed on from it, not held: only lines cut by a chunk (or left unterminated) are bounded.
    const expected = size < 25 ? want : want.map((l) => (l.lineNo === 2 ? { text: lines[1] as string, lineNo: 2, terminated: true } : l));
    assert.deepEqual(bytes, expected, `byte path, chunks of ${size}`);
  }
});

test('a Claude Code line shortened and still too long, or a prompt too long to read again, is skipped as too long', () => {
  const digits = `{"type":"user","sessionId":"s1","toolUseResult":[${'1234567,'.repeat(40)}0]}`;
  const prompt = JSON.stringify({ type: 'user', sessionId: 's1', message: { role: 'user', content: 'p'.repeat(400) } });
  const file = Buffer.from([digits, prompt, PROMPT, digits].join('\n'));
  const parser = claudeCodeFormat.createParser(ctx());
  const skipped: Array<[number, number]> = [];
  const splitter = new ByteLineSplitter(true, {
    longLines: parser.longLines,
    shortenAtBytes: 0,
    limits: SMALL,
    maxLineBytes: 200,
    reread: (a, b) => file.subarray(a, b),
    tooLong: (lineNo, n) => skipped.push([lineNo, n]),
  });
  const sink: ByteLineSink = (b, st, e, lineNo) => parser.pushBytes?.(b, st, e, lineNo);
  for (let k = 0; k < file.length; k += 50) splitter.push(file.subarray(k, k + 50), sink);
  splitter.end(sink);
  // Lines 1 and 4: numbers cannot be shortened; line 2: a prompt, needed whole and longer than 200 bytes.
  assert.deepEqual(skipped, [
    [1, digits.length],
    [2, prompt.length],
    [4, digits.length],
  ]);
  const out = parser.finish();
  assert.equal(out.linesRead, 1);
  assert.equal(out.sessionInfo[0]?.taskFingerprint ?? null, null); // the prompt read is PROMPT's, with no main model: no fingerprint

  // Nothing to read again (stdin): before the first prompt a line is held up to the limit, then shortened,
  // and skipped only if the parser needs it whole.
  const tool = JSON.stringify({ type: 'user', sessionId: 's1', message: { role: 'user', content: [{ type: 'tool_result', content: 'o'.repeat(400) }] } });
  const stdin = Buffer.from([tool, prompt, PROMPT, tool].join('\n'));
  const p2 = claudeCodeFormat.createParser(ctx());
  const skipped2: number[] = [];
  const s2 = new ByteLineSplitter(true, { longLines: p2.longLines, shortenAtBytes: 0, limits: SMALL, maxLineBytes: 200, tooLong: (lineNo) => skipped2.push(lineNo) });
  const sink2: ByteLineSink = (b, st, e, lineNo) => p2.pushBytes?.(b, st, e, lineNo);
  for (let k = 0; k < stdin.length; k += 50) s2.push(stdin.subarray(k, k + 50), sink2);
  s2.end(sink2);
  assert.deepEqual(skipped2, [2]);
  assert.equal(s2.linesShortened, 2);
  const want2 = parseWhole(Buffer.from([tool, PROMPT, tool].join('\n')));
  const got2 = p2.finish();
  assert.deepEqual([got2.linesRead, got2.linesIgnored, got2.turns.length], [want2.linesRead, want2.linesIgnored, want2.turns.length]);
});

test('claude -p stream-json output parses the same read shortened, a session\'s prompt read again whole (fast-check)', () => {
  const sid = fc.constantFrom('sess-a', 'sess-b');
  const usageRec = fc.record({ input_tokens: fc.nat(900), output_tokens: fc.nat(900), cache_read_input_tokens: fc.nat(9000), service_tier: text }, { requiredKeys: ['input_tokens', 'output_tokens'] });
  const blocks = fc.array(fc.record({ type: fc.constantFrom('text', 'tool_result', 'image'), text, content: text }, { requiredKeys: ['type'] }), { maxLength: 3 });
  const event = fc.oneof(
    fc.record({ type: fc.constant('system'), subtype: fc.constant('init'), session_id: fc.oneof(sid, text), model: fc.constantFrom('claude-sonnet-4-5-20250929', 'claude-opus-4-1'), cwd: text, tools: fc.array(text, { maxLength: 2 }) }),
    fc.record({ type: fc.constant('assistant'), session_id: sid, parent_tool_use_id: fc.constantFrom(null, 'toolu_01abcdef12'), message: fc.record({ id: fc.oneof(fc.constantFrom('msg_1', 'msg_2', 'msg_3'), text), model: fc.oneof(fc.constantFrom('claude-sonnet-4-5-20250929', '<synthetic>'), text), content: blocks, usage: usageRec }) }),
    fc.record({ type: fc.constant('user'), session_id: sid, parent_tool_use_id: fc.constantFrom(null, null, 'toolu_01abcdef12'), message: fc.record({ role: fc.constant('user'), content: fc.oneof(text, blocks) }) }),
    fc.record({ type: fc.constant('result'), session_id: sid, total_cost_usd: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), text), num_turns: fc.nat(50), result: text, modelUsage: fc.dictionary(fc.constantFrom('claude-sonnet-4-5-20250929', 'claude-haiku-4-5'), fc.record({ inputTokens: fc.nat(), outputTokens: fc.nat(), costUSD: fc.double({ min: 0, max: 5, noNaN: true }) })) }),
  );
  const damaged = fc
    .tuple(event, fc.nat(), fc.constantFrom<Damage>('none', 'none', 'cut', 'insert'), fc.constantFrom('\\q', '\u0001', '"', '}', 'x'))
    .map(([e, n, kind, junk]) => damage(JSON.stringify(e), n, kind, junk));
  const files = fc.array(damaged, { minLength: 1, maxLength: 7 }).map((lines) => lines.join('\n'));
  const { shortened, reread } = chunkedParsesAsWhole(claudeStreamJsonFormat, files, { file: 'run.jsonl', reread: true });
  assert.ok(shortened > 500, `lines shortened: ${shortened}`);
  assert.ok(reread > 100, `lines read again: ${reread}`);
});

test('API response logs parse the same read shortened, lines and pretty-printed documents (fast-check)', () => {
  const anthropic = fc.record({
    id: fc.oneof(fc.constantFrom('msg_01', 'msg_02'), text),
    type: fc.constant('message'),
    model: fc.oneof(fc.constantFrom('claude-sonnet-4-5-20250929', 'claude-haiku-4-5'), text),
    content: fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 }),
    usage: fc.record({ input_tokens: fc.nat(9000), output_tokens: fc.nat(900), cache_read_input_tokens: fc.nat(9000), cache_creation_input_tokens: fc.nat(900) }, { requiredKeys: ['input_tokens', 'output_tokens'] }),
  });
  const openai = fc.record({
    id: fc.oneof(fc.constantFrom('chatcmpl-1', 'chatcmpl-2'), text),
    object: fc.constant('chat.completion'),
    model: fc.oneof(fc.constantFrom('gpt-4.1', 'gpt-5'), text),
    choices: fc.array(fc.record({ message: fc.record({ role: fc.constant('assistant'), content: text }) }), { maxLength: 2 }),
    usage: fc.record({ prompt_tokens: fc.nat(9000), completion_tokens: fc.nat(900), prompt_tokens_details: fc.record({ cached_tokens: fc.nat(9000) }) }),
  });
  const gemini = fc.record({ responseId: text, modelVersion: fc.constantFrom('gemini-2.5-pro', 'gemini-2.5-flash'), candidates: fc.array(fc.record({ content: fc.record({ parts: fc.array(fc.record({ text }), { maxLength: 2 }) }) }), { maxLength: 1 }), usageMetadata: fc.record({ promptTokenCount: fc.nat(9000), candidatesTokenCount: fc.nat(900) }) });
  const body = fc.oneof(anthropic, openai, gemini, fc.record({ type: fc.constantFrom('message_delta', 'ping'), usage: fc.record({ output_tokens: fc.nat(90) }) }));
  const record = fc.oneof(
    body,
    fc.record({ timestamp: fc.oneof(fc.constant('2026-01-02T03:04:05.000Z'), text), session_id: fc.oneof(fc.constantFrom('s-1', 's-2'), text), request_id: text, request: fc.record({ messages: fc.array(fc.record({ role: fc.constant('user'), content: text }), { maxLength: 2 }) }), response: body }),
  );
  const damaged = fc
    .tuple(record, fc.nat(), fc.constantFrom<Damage>('none', 'none', 'cut', 'insert'), fc.constantFrom('\\q', '\u0001', '"', '}', 'x'))
    .map(([r, n, kind, junk]) => damage(JSON.stringify(r), n, kind, junk));
  const file = fc.oneof(
    fc.array(damaged, { minLength: 1, maxLength: 6 }).map((lines) => lines.join('\n')),
    // A pretty-printed document (one response or an array): its lines are read whole.
    fc.array(record, { minLength: 1, maxLength: 3 }).map((rs) => JSON.stringify(rs.length === 1 ? rs[0] : rs, null, 2)),
  );
  const { shortened, reread } = chunkedParsesAsWhole(apiJsonlFormat, file, { file: 'api.jsonl', reread: true });
  assert.ok(shortened > 300, `lines shortened: ${shortened}`);
  assert.ok(reread > 100, `lines read again: ${reread}`);
});

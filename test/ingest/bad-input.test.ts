import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChunks, parseText } from '../../src/ingest/ingest.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';

const enc = new TextEncoder();
const ok = (req: string, out = 5) =>
  JSON.stringify({ type: 'assistant', sessionId: 's1', requestId: req, timestamp: '2026-01-01T00:00:00Z', message: { id: `m-${req}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: out } } });
const user = JSON.stringify({ type: 'user', sessionId: 's1', parentUuid: null, message: { role: 'user', content: 'hi' } });

function holds(out: { linesRead: number; linesCounted: number; linesIgnored: number; linesSkipped: number }): void {
  assert.equal(out.linesRead, out.linesCounted + out.linesIgnored + out.linesSkipped);
}

test('invalid JSON line: skipped and reported with file:line, the rest counted', () => {
  const p = parseText('logs/a.jsonl', [user, ok('r1'), '{"type":"assistant", oops', ok('r2')].join('\n') + '\n');
  const out = p.output!;
  assert.equal(out.turns.length, 2);
  assert.equal(out.linesSkipped, 1);
  const d = out.diagnostics.find((x) => x.code === 'invalid-json')!;
  assert.deepEqual(d.source, { file: 'logs/a.jsonl', line: 3 });
  assert.equal(d.severity, 'error');
  holds(out);
});

test('lone surrogates and invalid UTF-8 never crash', () => {
  const lone = JSON.stringify({ type: 'user', sessionId: 's1', message: { content: 'a\ud800b' } });
  const p = parseText('a.jsonl', `${user}\n${lone}\n${ok('r1')}\n`);
  assert.equal(p.output!.turns.length, 1);
  holds(p.output!);
  const bytes = new Uint8Array([...enc.encode(`${user}\n`), 0xff, 0xfe, 0x0a, ...enc.encode(`${ok('r2')}\n`)]);
  const q = parseChunks('b.jsonl', [bytes]);
  assert.equal(q.output!.turns.length, 1);
  assert.equal(q.output!.linesSkipped, 1);
  holds(q.output!);
});

test('CRLF and BOM files parse like LF files', () => {
  const lf = parseText('a.jsonl', `${user}\n${ok('r1')}\n`).output!;
  const crlf = parseText('a.jsonl', `\uFEFF${user}\r\n${ok('r1')}\r\n`).output!;
  assert.deepEqual(crlf.turns, lf.turns);
  assert.equal(crlf.linesSkipped, 0);
});

test('truncated last line: reported as truncated-line; a complete last line without newline is counted', () => {
  const cut = ok('r2').slice(0, 50);
  const p = parseText('a.jsonl', `${user}\n${ok('r1')}\n${cut}`).output!;
  assert.equal(p.turns.length, 1);
  const d = p.diagnostics.find((x) => x.code === 'truncated-line')!;
  assert.equal(d.source!.line, 3);
  holds(p);
  const q = parseText('a.jsonl', `${user}\n${ok('r1')}`).output!;
  assert.equal(q.turns.length, 1);
  assert.equal(q.linesSkipped, 0);
});

test('empty file: a warning and an accounting row, no session', () => {
  const p = parseText('empty.jsonl', '');
  assert.equal(p.output, null);
  const r = normalizeSessions([p]);
  assert.equal(r.sessions.length, 0);
  assert.deepEqual(r.files, [{ file: 'empty.jsonl', format: 'unknown', bytes: 0, linesRead: 0, linesCounted: 0, linesIgnored: 0, linesSkipped: 0 }]);
  assert.equal(r.diagnostics[0]!.code, 'empty-file');
});

test('a file no format claims: unknown-format diagnostic and accounting, not a crash', () => {
  const p = parseText('notes.txt', 'hello world\nthis is not a log\n');
  const r = normalizeSessions([p]);
  assert.equal(r.files[0]!.format, 'unknown');
  assert.equal(r.files[0]!.linesRead, 2);
  assert.equal(r.files[0]!.linesSkipped, 2);
  assert.equal(r.diagnostics[0]!.code, 'unknown-format');
});

test('pretty-printed (multi-line) JSON forced as claude-code: each line skipped and reported, no crash', () => {
  const pretty = JSON.stringify(JSON.parse(ok('r1')), null, 2);
  const p = parseText('pretty.json', pretty, 'claude-code').output!;
  assert.equal(p.turns.length, 0);
  assert.equal(p.linesSkipped, p.linesRead);
  holds(p);
  // Auto-detection does not take it for a Claude Code log.
  const auto = parseText('pretty.json', pretty);
  assert.notEqual(auto.output?.format, 'claude-code');
});

test('NUL bytes: a NUL-padded tail (crash) is skipped, good lines still count', () => {
  const bytes = new Uint8Array([...enc.encode(`${user}\n${ok('r1')}\n`), ...new Uint8Array(64), 0x0a, ...enc.encode(`${ok('r2')}\n`)]);
  const p = parseChunks('nul.jsonl', [bytes]).output!;
  assert.equal(p.turns.length, 2);
  assert.equal(p.linesSkipped, 1);
  holds(p);
});

test('a user line of several MB is ignored without error; the next call is counted', () => {
  const huge = JSON.stringify({ type: 'user', sessionId: 's1', message: { content: [{ type: 'tool_result', content: `"usage":{"input_tokens":5}${'y'.repeat(4 * 1024 * 1024)}` }] } });
  const bytes = enc.encode(`${huge}\n${ok('r1')}\n`);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 1024 * 1024) chunks.push(bytes.subarray(i, i + 1024 * 1024));
  const p = parseChunks('big.jsonl', chunks, 'claude-code').output!;
  assert.equal(p.turns.length, 1);
  assert.deepEqual([p.linesRead, p.linesIgnored, p.linesSkipped], [2, 1, 0]);
});

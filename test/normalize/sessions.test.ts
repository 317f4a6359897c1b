import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseText } from '../../src/ingest/ingest.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';
import { ingestDir } from '../helpers/ingest.js';

const TRAPS = 'test/fixtures/claude-code/traps';
const call = (sid: string, req: string, ts: string, out: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'assistant', sessionId: sid, requestId: req, timestamp: ts, message: { id: `m-${req}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: out } }, ...extra });

test('dedupe is global: the same request in two files counts once, with the original session', () => {
  const a = parseText('a/s1.jsonl', `${call('s1', 'r1', '2026-01-01T10:00:00Z', 50)}\n${call('s1', 'r2', '2026-01-01T10:01:00Z', 60)}\n`, 'claude-code');
  const b = parseText('b/s2.jsonl', `${call('s2', 'r1', '2026-01-01T10:00:00Z', 50)}\n${call('s2', 'r3', '2026-01-02T10:00:00Z', 70)}\n`, 'claude-code');
  // Input order must not matter.
  for (const inputs of [[a, b], [b, a]]) {
    const r = normalizeSessions(inputs);
    assert.equal(r.duplicateTurnsDropped, 1);
    // r1, r2 and r3 by their output tokens (50, 60, 70).
    assert.deepEqual(r.sessions.map((s) => [s.id, s.turns.map((t) => t.outputTokens)]), [['s1', [50, 60]], ['s2', [70]]]);
  }
});

test('dedupe keeps the most complete record even when it comes first', () => {
  const text = [call('s', 'r1', '2026-01-01T10:00:00Z', 300), call('s', 'r1', '2026-01-01T10:00:01Z', 2)].join('\n');
  const r = normalizeSessions([parseText('s.jsonl', text, 'claude-code')]);
  assert.equal(r.sessions[0]!.turns[0]!.outputTokens, 300);
  assert.equal(r.duplicateTurnsDropped, 1);
});

test('the same file given twice counts once', () => {
  const p = parseText('s.jsonl', call('s', 'r1', '2026-01-01T10:00:00Z', 3), 'claude-code');
  const r = normalizeSessions([p, p]);
  assert.equal(r.sessions[0]!.turns.length, 1);
});

test('--since/--until: inclusive UTC days over turn times; --session prefix; --project substring', () => {
  const all = ingestDir(TRAPS);
  assert.equal(all.sessions.length, 3);
  const day = (d: string) => Date.UTC(2026, 1, Number(d));
  const feb2 = ingestDir(TRAPS, { sinceMs: day('2'), untilMs: day('3') });
  assert.deepEqual(feb2.sessions.map((s) => s.id.slice(0, 4)), ['2222']);
  const fromFeb2 = ingestDir(TRAPS, { sinceMs: day('2') });
  assert.deepEqual(fromFeb2.sessions.map((s) => s.id.slice(0, 4)), ['2222', '3333']);
  // A time inside a session cuts it at turn level; a streamed call carries the time of its kept (final) line:
  // req_A 10:00:03, req_S1 10:00:07 are in; msg_C (10:00:08.5) and req_B (10:00:09) are out.
  const partial = ingestDir(TRAPS, { untilMs: Date.UTC(2026, 1, 1, 10, 0, 8, 1) });
  assert.deepEqual(partial.sessions[0]!.turns.map((t) => new Date(t.timestampMs!).toISOString().slice(11, 19)), ['10:00:03', '10:00:07']);
  assert.deepEqual(partial.sessions[0]!.events, []);
  assert.deepEqual(ingestDir(TRAPS, { sessions: ['3333'] }).sessions.map((s) => s.id.slice(0, 4)), ['3333']);
  assert.equal(ingestDir(TRAPS, { projects: ['U-PROJ'] }).sessions.length, 3);
  assert.equal(ingestDir(TRAPS, { projects: ['nope'] }).sessions.length, 0);
});

test('date filters drop undated turns and say so', () => {
  const r = ingestDir('test/fixtures/claude-stream-json', { sinceMs: 0 });
  assert.equal(r.sessions.length, 0);
  assert.ok(r.diagnostics.some((d) => d.code === 'no-timestamp-filtered'));
});

test('output is deterministic and sorted', () => {
  const a = JSON.stringify(ingestDir(TRAPS));
  const b = JSON.stringify(ingestDir(TRAPS));
  assert.equal(a, b);
  const r = ingestDir(TRAPS);
  const files = r.files.map((f) => f.file);
  assert.deepEqual(files, [...files].sort());
  for (const s of r.sessions) {
    assert.deepEqual(s.files, [...s.files].sort());
    assert.ok(!('dedupeKey' in (s.turns[0] as object)), 'turns are plain Turn objects');
  }
});

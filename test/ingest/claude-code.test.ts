import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { claudeCodeFormat, claudePathInfo, sidechainRootFinder } from '../../src/ingest/formats/claude-code.js';
import fc from 'fast-check';
import { detectFormat } from '../../src/ingest/index.js';
import { parseText } from '../../src/ingest/ingest.js';
import { totalsOf, unsplitWriteTokens } from '../../src/normalize/totals.js';
import { ingestDir, pick, streamTotals } from '../helpers/ingest.js';

const REAL = 'test/fixtures/claude-code/real-v1.0.98';
const TRAPS = 'test/fixtures/claude-code/traps';

interface Expected {
  sessions: Record<string, { total: Record<string, number>; streams: Record<string, Record<string, number>> }>;
}

test('real Claude Code 1.0.98 logs: exact deduplicated totals per session and per stream', () => {
  const expected = JSON.parse(readFileSync(`${REAL}/expected-totals.json`, 'utf8')) as Expected;
  const result = ingestDir(REAL);
  assert.deepEqual(result.sessions.map((s) => s.id).sort(), Object.keys(expected.sessions).sort());
  for (const s of result.sessions) {
    const exp = expected.sessions[s.id]!;
    assert.deepEqual(pick(totalsOf(s.turns)), exp.total, s.id);
    assert.deepEqual(streamTotals(s.turns), exp.streams, `${s.id} streams`);
    assert.equal(s.project, '/path/to/Demo');
    assert.equal(s.format, 'claude-code');
  }
  assert.equal(result.diagnostics.filter((d) => d.severity === 'error').length, 0);
  for (const f of result.files) {
    assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped, f.file);
    assert.equal(f.linesSkipped, 0);
  }
  // Streamed content blocks: 305 assistant lines in all, 197 unique requests.
  assert.equal(result.duplicateTurnsDropped, 305 - 197);
});

test('real logs are detected as claude-code', () => {
  for (const name of ['1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl', 'fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl']) {
    const text = readFileSync(`${REAL}/${name}`, 'utf8');
    assert.equal(detectFormat(name, text.slice(0, 65536))?.id, 'claude-code');
  }
});

test('trap fixtures: hand-checked totals per session and stream', () => {
  const expected = JSON.parse(readFileSync(`${TRAPS}/expected-totals.json`, 'utf8')) as Expected & {
    duplicateTurnsDropped: number;
    unsplitWriteTokens: number;
    sessions: Record<string, { project: string; compactions: Array<Record<string, unknown>> }>;
  };
  const result = ingestDir(TRAPS);
  assert.deepEqual(result.sessions.map((s) => s.id), Object.keys(expected.sessions));
  for (const s of result.sessions) {
    const exp = expected.sessions[s.id]!;
    assert.deepEqual(pick(totalsOf(s.turns)), exp.total, s.id);
    assert.deepEqual(streamTotals(s.turns), exp.streams, `${s.id} streams`);
    assert.equal(s.project, exp.project);
    assert.deepEqual(
      s.events.map((e) => ({ trigger: e.trigger, preTokens: e.preTokens, postTokens: e.postTokens, streamId: e.streamId })),
      exp.compactions,
    );
  }
  assert.equal(result.duplicateTurnsDropped, expected.duplicateTurnsDropped);
  assert.equal(unsplitWriteTokens(result.sessions.flatMap((s) => s.turns)), expected.unsplitWriteTokens);
  for (const f of result.files) assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped);
});

test('traps: the kept record of a streamed call is its final line; synthetic lines are ignored, not skipped', () => {
  const result = ingestDir(TRAPS);
  const s1 = result.sessions.find((s) => s.id.startsWith('1111'))!;
  // The lines of each request in the session's file: the one turn kept from them is the request's.
  const fileText = readFileSync(`${TRAPS}/-home-u-proj/11111111-aaaa-4aaa-8aaa-000000000001.jsonl`, 'utf8').split('\n');
  const keptOf = (requestId: string) => {
    const lines = fileText.flatMap((l, i) => (l.includes(`"requestId": "${requestId}"`) ? [i + 1] : []));
    const kept = s1.turns.filter((t) => t.source.file.endsWith('000000000001.jsonl') && lines.includes(t.source.line));
    assert.equal(kept.length, 1, `${requestId}: one turn of lines ${lines.join(', ')}`);
    return kept[0]!;
  };
  const a = keptOf('req_A');
  assert.equal(a.outputTokens, 150);
  assert.equal(a.source.line, 3);
  assert.equal(a.cacheWrite1hTokens, 1000);
  assert.equal(a.isCacheSplitKnown, true);
  const b = keptOf('req_B');
  assert.equal(b.source.line, 9);
  assert.equal(b.isCacheSplitKnown, false);
  assert.equal(b.cacheWrite5mTokens, 200);
  assert.ok(s1.turns.every((t) => t.model !== '<synthetic>'));
  const main = result.files.find((f) => f.file.endsWith('000000000001.jsonl'))!;
  assert.deepEqual([main.linesRead, main.linesCounted, main.linesIgnored, main.linesSkipped], [14, 8, 6, 0]);
  assert.ok(result.diagnostics.some((d) => d.code === 'synthetic-ignored'));
  // Turns are sorted by time; the subagent's turns interleave with the main thread.
  const times = s1.turns.map((t) => t.timestampMs!);
  assert.deepEqual(times, [...times].sort((x, y) => x - y));
  assert.equal(s1.files.length, 2);
  assert.equal(s1.turns.find((t) => t.streamId === 'agent-abc123')!.model, 'claude-haiku-4-5-20251001');
  assert.equal(s1.turns.find((t) => t.streamId === 'agent-abc123')!.provider, 'anthropic');
});

test('task fingerprint: model + first real prompt; commands and meta lines are not prompts', () => {
  const result = ingestDir(TRAPS);
  const s1 = result.sessions.find((s) => s.id.startsWith('1111'))!;
  assert.match(s1.taskFingerprint ?? '', /^[0-9a-f]{64}$/);
  const line = (content: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ type: 'user', sessionId: 's', uuid: 'u', parentUuid: null, message: { role: 'user', content }, ...extra });
  const asst = JSON.stringify({ type: 'assistant', sessionId: 's', requestId: 'r', message: { id: 'm', model: 'claude-x', usage: { input_tokens: 1, output_tokens: 1 } } });
  const fp = (lines: string[]) => parseText('s.jsonl', lines.join('\n'), 'claude-code').output!.sessionInfo[0]!.taskFingerprint;
  const a = fp([line('<command-name>/init</command-name>'), line('Meta text', { isMeta: true }), line('  Fix   the bug '), asst]);
  const b = fp([line('Fix the bug'), asst]);
  assert.equal(a, b);
  assert.notEqual(fp([line('Fix another bug'), asst]), b);
  assert.equal(fp([line([{ type: 'tool_result', content: 'x' }]), asst]), null);
});

test('subagent path attribution and project dir', () => {
  assert.deepEqual(claudePathInfo({ file: 'x/-home-a-b/1234/subagents/agent-aside_question-9.jsonl', relativePath: 'agent-aside_question-9.jsonl' }), {
    sessionId: '1234',
    streamId: 'agent-aside_question-9',
    projectDir: '-home-a-b',
  });
  assert.deepEqual(claudePathInfo({ file: '/p/-home-a-b/s.jsonl', relativePath: 's.jsonl' }), { sessionId: null, streamId: null, projectDir: '-home-a-b' });
  assert.deepEqual(claudePathInfo({ file: 'logs/s.jsonl', relativePath: 's.jsonl' }), { sessionId: null, streamId: null, projectDir: null });
});

test('invalid usage: missing, wrong types, negative, non-finite -> skipped with file:line', () => {
  const mk = (usage: unknown) => JSON.stringify({ type: 'assistant', sessionId: 's', requestId: `r${Math.random()}`, message: { id: 'm', model: 'claude-x', usage } });
  const text = [
    mk(undefined),
    mk({ input_tokens: '5', output_tokens: 1 }),
    mk({ input_tokens: -1, output_tokens: 1 }),
    '{"type":"assistant","sessionId":"s","requestId":"rx","message":{"id":"m","model":"claude-x","usage":{"input_tokens":1e400,"output_tokens":1}}}',
    mk({ input_tokens: 1, output_tokens: 2, cache_creation: 'x', cache_creation_input_tokens: 3 }),
    mk({ input_tokens: 1, output_tokens: 2 }),
  ].join('\n');
  const out = parseText('bad.jsonl', text, 'claude-code').output!;
  assert.equal(out.turns.length, 1);
  assert.equal(out.linesSkipped, 5);
  assert.deepEqual(
    out.diagnostics.filter((d) => d.code === 'invalid-usage').map((d) => d.source!.line),
    [1, 2, 3, 4, 5],
  );
  assert.match(out.diagnostics[1]!.message, /input_tokens is "5"/);
});

test('a usage repeated byte for byte by the next lines reads the same; one byte more or less is read anew', () => {
  // Content-block lines of one streamed call repeat the usage: the parser reuses the reading of identical bytes.
  const line = (req: string, ts: string, usage: string) =>
    `{"type":"assistant","sessionId":"s","requestId":"${req}","timestamp":"${ts}","message":{"id":"m-${req}","model":"claude-sonnet-4-5","usage":${usage}}}`;
  const split = '{"input_tokens":3,"cache_creation_input_tokens":10,"cache_read_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":4,"ephemeral_1h_input_tokens":5},"output_tokens":7}';
  // Each line its own request (the records of one request are folded into one, tested below): one reading per line.
  const text = [
    line('r1', '2026-01-01T00:00:00.000Z', split),
    line('r1b', '2026-01-01T00:00:01.000Z', split),
    line('r2', '2026-01-01T00:00:02.000Z', split), // another request, same bytes
    line('r2b', '2026-01-01T00:00:02.500Z', split.replace('"output_tokens":7', '"output_tokens":8')), // same length, one byte differs
    line('r3', '2026-01-01T00:00:03.000Z', split.replace('"output_tokens":7', '"output_tokens":70')),
    line('r3b', '2026-01-01T00:00:04.000Z', split.replace('"output_tokens":7', '"output_tokens": 7')), // same numbers, other bytes
    line('r4', '2026-01-01T00:00:05.000Z', '{"input_tokens":-3,"output_tokens":1}'),
    line('r5', '2026-01-01T00:00:06.000Z', '{"input_tokens":-3,"output_tokens":1}'), // a rejected usage is rejected again
  ].join('\n');
  const out = parseText('same.jsonl', text, 'claude-code').output!;
  assert.deepEqual(
    out.turns.map((t) => [t.dedupeKey, t.timestampMs! % 10_000, t.inputTokens, t.cacheWrite5mTokens, t.cacheWrite1hTokens, t.cacheReadTokens, t.outputTokens, t.source.line]),
    [
      ['claude:r1', 0, 3, 4, 5, 500, 7, 1],
      ['claude:r1b', 1000, 3, 4, 5, 500, 7, 2],
      ['claude:r2', 2000, 3, 4, 5, 500, 7, 3],
      ['claude:r2b', 2500, 3, 4, 5, 500, 8, 4],
      ['claude:r3', 3000, 3, 4, 5, 500, 70, 5],
      ['claude:r3b', 4000, 3, 4, 5, 500, 7, 6],
    ],
  );
  // The split disagrees with the total (4 + 5 != 10): each line gets its own warning, the reused ones too.
  assert.deepEqual(out.diagnostics.filter((d) => d.code === 'inconsistent-usage').map((d) => d.source!.line), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(out.diagnostics.filter((d) => d.code === 'invalid-usage').map((d) => d.source!.line), [7, 8]);
  assert.equal(out.linesSkipped, 2);
});

test('detect: claude-code claims its lines, not stream-json or codex lines', () => {
  const cc = '{"parentUuid":null,"isSidechain":false,"sessionId":"s","type":"user","message":{"role":"user","content":"hi"},"uuid":"u"}\n';
  assert.ok(claudeCodeFormat.detect('s.jsonl', cc) > 0.9);
  assert.equal(claudeCodeFormat.detect('x.jsonl', '{"type":"system","subtype":"init","session_id":"s"}\n'), 0);
  assert.equal(claudeCodeFormat.detect('x.jsonl', '{"timestamp":"t","type":"session_meta","payload":{}}\n'), 0);
  // A first line longer than the head: judged from its start.
  assert.ok(claudeCodeFormat.detect('s.jsonl', `{"parentUuid":"p","isSidechain":false,"sessionId":"s","type":"user","message":{"content":"${'x'.repeat(70000)}`) >= 0.8);
});

test('property: sidechainRootFinder gives the root a walk from each line gives, in any order of lookups (cycles, self-parents, parents outside the sidechain)', () => {
  const naive = (sideParent: ReadonlyMap<string, string | null>, uuid: string): string => {
    let cur = uuid;
    const seen = new Set<string>([cur]);
    for (;;) {
      const parent = sideParent.get(cur);
      if (!parent || !sideParent.has(parent) || seen.has(parent)) break;
      cur = parent;
      seen.add(cur);
    }
    return cur;
  };
  const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'main-1', '');
  fc.assert(
    fc.property(fc.array(fc.tuple(id, fc.option(id, { nil: null })), { maxLength: 12 }), fc.array(id, { maxLength: 30 }), (pairs, lookups) => {
      const sideParent = new Map(pairs);
      const rootOf = sidechainRootFinder(sideParent);
      for (const u of lookups) assert.equal(rootOf(u), naive(sideParent, u), `${u} in ${JSON.stringify(pairs)}`);
    }),
    { numRuns: 3000 },
  );
});

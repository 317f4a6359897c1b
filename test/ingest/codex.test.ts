import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { codexFormat } from '../../src/ingest/formats/codex.js';
import { detectFormat } from '../../src/ingest/index.js';
import { parseText } from '../../src/ingest/ingest.js';
import { totalsOf } from '../../src/normalize/totals.js';
import { ingestDir } from '../helpers/ingest.js';

const DIR = 'test/fixtures/codex';
const SID = '0199aaaa-0000-7000-8000-000000000001';
const expected = JSON.parse(readFileSync(`${DIR}/expected-totals.json`, 'utf8'));

test('codex rollout: calls are changes of the cumulative totals (repeats and info:null ignored)', () => {
  const result = ingestDir(DIR);
  const s = result.sessions.find((x) => x.id === SID)!;
  const exp = expected.sessions[SID];
  const t = totalsOf(s.turns);
  assert.deepEqual(
    { turns: t.turns, inputTokens: t.inputTokens, cacheWrite5mTokens: t.cacheWrite5mTokens, cacheWrite1hTokens: t.cacheWrite1hTokens, cacheReadTokens: t.cacheReadTokens, outputTokens: t.outputTokens, reasoningOutputTokens: t.reasoningOutputTokens },
    exp.total,
  );
  assert.deepEqual(s.turns.map((x) => [x.inputTokens, x.cacheReadTokens, x.outputTokens, x.reasoningOutputTokens]), exp.perTurn);
  assert.deepEqual(s.turns.map((x) => x.model), exp.models);
  assert.ok(s.turns.every((x) => x.provider === 'openai' && x.streamId === 'main' && x.isCacheSplitKnown));
  assert.equal(s.project, '/work/app');
  assert.equal(s.events.length, exp.compactions, 'compacted + context_compacted are one compaction');
  assert.match(s.taskFingerprint ?? '', /^[0-9a-f]{64}$/);
  const file = result.files.find((f) => f.file.includes(SID))!;
  assert.deepEqual([file.linesRead, file.linesCounted, file.linesIgnored, file.linesSkipped], [14, 5, 9, 0]);
  // last_token_usage of the last call disagrees with the change of totals: reported, totals trusted.
  const mismatch = result.diagnostics.find((d) => d.code === 'inconsistent-usage')!;
  assert.equal(mismatch.source!.line, 13);
});

test('pre-Sept-2025 codex rollout: recognised, a session with 0 turns and a no-usage warning', () => {
  const name = 'rollout-2025-08-01T09-00-00-legacy.jsonl';
  const text = readFileSync(`${DIR}/${name}`, 'utf8');
  assert.equal(detectFormat(name, text)?.id, 'codex');
  const result = ingestDir(DIR);
  const s = result.sessions.find((x) => x.id === '0198c0de-legacy-0000-0000-000000000001')!;
  assert.equal(s.turns.length, 0);
  const d = result.diagnostics.find((x) => x.code === 'no-usage' && x.source?.file.endsWith(name))!;
  assert.equal(d.severity, 'warning');
});

test('codex: totals going down fall back to last_token_usage; cached > input is rejected', () => {
  const env = (p: unknown) => JSON.stringify({ timestamp: '2025-11-02T10:00:00Z', type: 'event_msg', payload: p });
  const tc = (tot: number[], last?: number[]) => ({
    type: 'token_count',
    info: {
      total_token_usage: { input_tokens: tot[0], cached_input_tokens: tot[1], output_tokens: tot[2] },
      ...(last ? { last_token_usage: { input_tokens: last[0], cached_input_tokens: last[1], output_tokens: last[2] } } : {}),
    },
  });
  const text = [
    JSON.stringify({ timestamp: '2025-11-02T10:00:00Z', type: 'session_meta', payload: { id: 'c1', cwd: '/w' } }),
    JSON.stringify({ timestamp: '2025-11-02T10:00:00Z', type: 'turn_context', payload: { model: 'gpt-5' } }),
    env(tc([100, 0, 10])),
    env(tc([50, 0, 5], [50, 0, 5])),
    env(tc([60, 70, 5])),
  ].join('\n');
  const out = parseText('rollout-x.jsonl', text).output!;
  assert.equal(out.format, 'codex');
  assert.deepEqual(out.turns.map((t) => [t.inputTokens, t.outputTokens]), [[100, 10], [50, 5]]);
  assert.ok(out.diagnostics.some((d) => d.code === 'usage-reset'));
  assert.equal(out.linesSkipped, 1);
  assert.equal(out.linesRead, out.linesCounted + out.linesIgnored + out.linesSkipped);
});

test('codex detect: envelope lines and legacy headers; not Claude lines', () => {
  assert.ok(codexFormat.detect('rollout-a.jsonl', '{"timestamp":"2025-01-01T00:00:00Z","type":"session_meta","payload":{"id":"x"}}\n') > 0.9);
  assert.equal(codexFormat.detect('a.jsonl', '{"type":"user","sessionId":"s","message":{}}\n'), 0);
});

/**
 * The shipped agent samples (scripts/make-samples.mjs): detected, parsed
 * without a skipped line, and internally consistent with how the prompt cache
 * works (each request reads the previous request's prefix unless the entry
 * expired or the context was compacted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { detectFormat } from '../../src/ingest/index.js';
import { ingestDir, listFiles } from '../helpers/ingest.js';

const DIRS: Array<[string, string]> = [
  ['samples/claude-code', 'claude-code'],
  ['samples/codex', 'codex'],
  ['samples/claude-stream-json', 'claude-stream-json'],
];

test('agent samples: detected, nothing skipped, no warnings, small', () => {
  let bytes = 0;
  for (const [dir, id] of DIRS) {
    for (const f of listFiles(dir)) {
      bytes += statSync(f).size;
      assert.equal(detectFormat(f.split('/').pop()!, readFileSync(f, 'utf8').slice(0, 65536))?.id, id, f);
    }
    const r = ingestDir(dir);
    assert.ok(r.sessions.length > 0);
    for (const f of r.files) assert.equal(f.linesSkipped, 0, f.file);
    assert.deepEqual(r.diagnostics.filter((d) => d.severity !== 'info'), [], dir);
  }
  assert.ok(bytes < 200 * 1024, `samples are ${bytes} bytes`);
});

test('claude-code samples: cache reads follow the previous request of the stream; TTL and compaction reset them', () => {
  const r = ingestDir('samples/claude-code');
  assert.equal(r.sessions.length, 2);
  let sawHourGap = false;
  let sawFiveMinuteGap = false;
  for (const s of r.sessions) {
    const streams = new Map<string, typeof s.turns>();
    for (const t of s.turns) streams.set(t.streamId, [...(streams.get(t.streamId) ?? []), t]);
    const compactionMs = s.events.map((e) => e.timestampMs!);
    for (const [streamId, turns] of streams) {
      const oneHour = streamId === 'main';
      for (const t of turns) {
        assert.equal(t.isCacheSplitKnown, true);
        assert.equal(oneHour ? t.cacheWrite5mTokens : t.cacheWrite1hTokens, 0, `${streamId} writes the ${oneHour ? '1h' : '5m'} cache`);
      }
      for (let i = 1; i < turns.length; i++) {
        const prev = turns[i - 1]!;
        const t = turns[i]!;
        const gapMs = t.timestampMs! - prev.timestampMs!;
        const compacted = compactionMs.some((c) => c > prev.timestampMs! && c <= t.timestampMs!);
        if (gapMs > 5 * 60_000) sawFiveMinuteGap = true;
        if (gapMs > 60 * 60_000 || compacted) {
          sawHourGap ||= gapMs > 60 * 60_000;
          assert.equal(t.cacheReadTokens, 0, `${s.id} ${streamId} #${i}: expired or compacted, nothing to read`);
        } else {
          assert.equal(t.cacheReadTokens, prev.promptTokens - prev.inputTokens, `${s.id} ${streamId} #${i} reads the previous prefix`);
          assert.ok(t.promptTokens > prev.promptTokens + prev.outputTokens - 1, 'the context grows');
        }
      }
    }
    assert.ok(s.taskFingerprint);
  }
  assert.ok(sawHourGap && sawFiveMinuteGap);
  const withAgent = r.sessions.find((s) => s.turns.some((t) => t.streamId.startsWith('agent-')))!;
  assert.ok(withAgent.turns.filter((t) => t.streamId.startsWith('agent-')).every((t) => t.model.includes('haiku')));
  const compacted = r.sessions.find((s) => s.events.length > 0)!;
  assert.equal(compacted.events[0]!.trigger, 'auto');
  assert.ok(compacted.events[0]!.preTokens! > 100_000);
});

test('codex sample: a model switch, a compaction, repeated totals not counted twice', () => {
  const r = ingestDir('samples/codex');
  const s = r.sessions[0]!;
  assert.deepEqual([...new Set(s.turns.map((t) => t.model))], ['gpt-5-codex', 'gpt-5']);
  assert.equal(s.events.length, 1);
  assert.equal(s.turns.length, 14);
  assert.ok(r.diagnostics.some((d) => d.code === 'repeated-totals'));
  for (const t of s.turns) assert.equal(t.cacheReadTokens % 128, 0, 'OpenAI caches in 128-token blocks');
});

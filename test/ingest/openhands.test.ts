import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openhandsFormat } from '../../src/ingest/formats/openhands.js';
import { eventOffsets } from '../../src/ingest/formats/parse-helpers.js';
import { apiJsonlFormat } from '../../src/ingest/formats/api-jsonl.js';
import { transcriptFormat } from '../../src/ingest/formats/transcript.js';
import { accountingHolds, dedupe, parseFixture, parseText, totals } from '../helpers/parse.js';

const DIR = 'test/fixtures/openhands';
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected-totals.json`, 'utf8')) as Record<string, Record<string, unknown>>;
const REAL = ['basic.json', 'basic_gui_mode.json', 'basic_interactions.json', 'wrong_initial_state.json'];

for (const name of REAL) {
  test(`real trajectory ${name}: totals equal the independently computed ones`, () => {
    const out = parseFixture(openhandsFormat, `${DIR}/${name}`);
    const exp = EXPECTED[name]!;
    const t = totals(out.turns);
    assert.equal(out.linesRead, exp['events']);
    assert.equal(out.linesCounted, exp['eventsCounted']);
    assert.equal(out.linesSkipped, 0);
    assert.ok(accountingHolds(out));
    // Dedupe happens in the parser already (one turn per model_response.id).
    assert.equal(dedupe(out.turns).length, out.turns.length);
    assert.equal(t.turns, exp['turns']);
    for (const key of ['inputTokens', 'cacheWrite5mTokens', 'cacheReadTokens', 'outputTokens', 'promptTokens'] as const) {
      assert.equal(t[key], exp[key], key);
    }
    assert.deepEqual([...new Set(out.turns.map((x) => x.model))].sort(), exp['models']);
    for (const turn of out.turns) {
      assert.ok(turn.inputTokens >= 0);
      assert.ok(turn.source.line > 1, 'events point at their line in the pretty-printed file');
    }
    assert.equal(out.sessionInfo.length, 1);
    assert.match(out.sessionInfo[0]!.taskFingerprint ?? '', /^[0-9a-f]{64}$/);
  });
}

test('real trajectory: the call time is model_response.created (UTC), not the local event timestamp', () => {
  const out = parseFixture(openhandsFormat, `${DIR}/basic.json`);
  assert.equal(out.turns[0]!.timestampMs, 1738046713 * 1000);
  assert.equal(out.turns[0]!.dedupeKey, 'chatcmpl-6814daca-5c62-431d-8c88-9dafead244f1');
  assert.equal(out.turns[0]!.source.line, 15); // the event `{` of id 3
  assert.equal(out.turns[0]!.sessionId, 'basic');
  // Anthropic via LiteLLM: 3486 prompt = 4 uncached + 3482 written.
  assert.deepEqual([out.turns[0]!.inputTokens, out.turns[0]!.cacheWrite5mTokens, out.turns[0]!.isCacheSplitKnown], [4, 3482, false]);
});

test('real trajectory with plain agent replies: missing usage is reported, not hidden', () => {
  const out = parseFixture(openhandsFormat, `${DIR}/basic_interactions.json`);
  const d = out.diagnostics.find((x) => x.code === 'missing-usage');
  assert.ok(d, 'missing-usage diagnostic');
  assert.equal(d.details?.['actions'], 2);
  assert.equal(out.turns[0]!.provider, 'openai');
});

test('llm_metrics: token_usages fill calls without model_response; accumulated figures are never summed', () => {
  const out = parseFixture(openhandsFormat, `${DIR}/metrics-v0.json`);
  const exp = EXPECTED['metrics-v0.json']!;
  const t = totals(out.turns);
  assert.equal(t.turns, exp['turns']);
  for (const key of ['inputTokens', 'cacheWrite5mTokens', 'cacheReadTokens', 'outputTokens', 'promptTokens'] as const) {
    assert.equal(t[key], exp[key], key);
  }
  assert.deepEqual(out.turns.map((x) => x.dedupeKey), ['r1', 'r3', 'r2']);
  assert.equal(out.linesRead, exp['events']);
  assert.equal(out.linesCounted, exp['eventsCounted']);
  assert.equal(out.linesIgnored, exp['eventsIgnored']);
  assert.equal(out.linesSkipped, exp['eventsSkipped']);
  assert.ok(accountingHolds(out));
  const skipped = out.diagnostics.find((d) => d.code === 'invalid-event')!;
  assert.ok(skipped.source!.line > 0);
  const unattributed = out.diagnostics.find((d) => d.code === 'unattributed-usage')!;
  assert.equal(unattributed.details?.['missingPromptTokens'], exp['unattributedPromptTokens']);
  assert.equal(unattributed.details?.['missingCompletionTokens'], exp['unattributedCompletionTokens']);
  assert.equal(out.reportedCosts.length, 1);
  assert.equal(out.reportedCosts[0]!.reportedCost.totalCostUsd, exp['reportedCostUsd']);
  assert.equal(out.turns[0]!.sessionId, 'oh-metrics-demo');
});

test('accumulated-only trajectories: calls reconstructed from snapshot increments, with a warning', () => {
  const out = parseFixture(openhandsFormat, `${DIR}/accumulated-only.json`);
  const exp = EXPECTED['accumulated-only.json']!;
  const t = totals(out.turns);
  assert.equal(t.turns, exp['turns']);
  for (const key of ['inputTokens', 'cacheReadTokens', 'outputTokens', 'promptTokens'] as const) assert.equal(t[key], exp[key], key);
  assert.equal(out.linesCounted, exp['eventsCounted']);
  assert.equal(out.linesIgnored, exp['eventsIgnored']);
  assert.ok(out.diagnostics.some((d) => d.code === 'reconstructed-usage' && d.severity === 'warning'));
  assert.equal(out.reportedCosts[0]!.reportedCost.totalCostUsd, exp['reportedCostUsd']);
});

test('negative uncached input is guarded (prompt smaller than reads + writes)', () => {
  const doc = JSON.stringify([
    { id: 1, source: 'agent', action: 'run', tool_call_metadata: { model_response: { id: 'x', created: 1738046713, model: 'claude-3-5-sonnet', usage: { prompt_tokens: 100, completion_tokens: 5, cache_creation_input_tokens: 80, cache_read_input_tokens: 50 } } } },
  ]);
  const out = parseText(openhandsFormat, doc, { file: 'g.json' });
  const t = out.turns[0]!;
  assert.ok(t.inputTokens >= 0);
  assert.deepEqual([t.inputTokens, t.cacheReadTokens, t.cacheWrite5mTokens], [50, 50, 80]);
  assert.ok(out.diagnostics.some((d) => d.code === 'inconsistent-usage'));
});

test('invalid JSON, non-trajectory JSON and empty files', () => {
  const broken = parseText(openhandsFormat, '[\n  {"id": 0,\n  "source": "user",,\n]', { file: 'b.json' });
  assert.equal(broken.linesRead, 1);
  assert.equal(broken.linesSkipped, 1);
  assert.equal(broken.diagnostics[0]!.code, 'invalid-json');
  assert.ok(accountingHolds(broken));
  const other = parseText(openhandsFormat, '{"hello": "world"}', { file: 'o.json' });
  assert.equal(other.linesSkipped, 1);
  const empty = parseText(openhandsFormat, '', { file: 'e.json' });
  assert.equal(empty.linesRead, 0);
  assert.equal(empty.turns.length, 0);
});

test('eventOffsets finds element starts despite brackets inside strings', () => {
  const text = '{"meta": {"x": "[{"}, "history": [ {"a": "}]\\""}, {"b": [1, 2]} , 3 ]}';
  const offs = eventOffsets(text, 'history');
  assert.equal(offs.length, 3);
  assert.equal(text[offs[0]!], '{');
  assert.equal(text.slice(offs[1]!, offs[1]! + 4), '{"b"');
  assert.equal(text[offs[2]!], '3');
  assert.deepEqual(eventOffsets('[1, [2], {"c": 3}]', null).length, 3);
});

test('detect: OpenHands trajectories win over api-jsonl and transcript', () => {
  for (const name of REAL) {
    const head = readFileSync(`${DIR}/${name}`, 'utf8').slice(0, 65536);
    const score = openhandsFormat.detect(name, head);
    assert.ok(score >= 0.7, `${name}: ${score}`);
    assert.ok(score > apiJsonlFormat.detect(name, head));
    assert.ok(score > transcriptFormat.detect(name, head));
  }
  assert.equal(openhandsFormat.detect('x.json', '[{"role":"user","content":"hi"}]'), 0);
  assert.equal(openhandsFormat.detect('x.jsonl', '{"id":"chatcmpl","usage":{"prompt_tokens":1}}\n'), 0);
});

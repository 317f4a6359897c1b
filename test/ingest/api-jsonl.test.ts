import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { apiJsonlFormat } from '../../src/ingest/formats/api-jsonl.js';
import { accountingHolds, dedupe, parseFixture, parseText, totals } from '../helpers/parse.js';

const DIR = 'test/fixtures/api-jsonl';
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected-totals.json`, 'utf8')) as Record<string, Record<string, unknown>>;

test('mixed shapes: totals equal the hand-computed expected totals', () => {
  const out = parseFixture(apiJsonlFormat, `${DIR}/mixed-shapes.jsonl`);
  const exp = EXPECTED['mixed-shapes.jsonl']!;
  const t = totals(out.turns);
  assert.equal(t.turns, exp['turns']);
  for (const key of ['inputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens', 'outputTokens', 'reasoningOutputTokens', 'promptTokens'] as const) {
    assert.equal(t[key], exp[key], key);
  }
  assert.deepEqual([...new Set(out.turns.map((x) => x.sessionId))].sort(), exp['sessions']);
  assert.deepEqual(out.sessionInfo.map((s) => s.sessionId), exp['sessions']);
  assert.equal(out.linesSkipped, 0);
  assert.ok(accountingHolds(out));
  assert.equal(out.linesRead, 8); // the blank line is not pushed
});

test('mixed shapes: each line is read with the right API semantics', () => {
  const out = parseFixture(apiJsonlFormat, `${DIR}/mixed-shapes.jsonl`);
  const byId = new Map(out.turns.map((t) => [t.dedupeKey, t]));
  const chat = byId.get('chatcmpl-A1')!;
  assert.deepEqual([chat.inputTokens, chat.cacheReadTokens, chat.outputTokens, chat.promptTokens], [176, 1024, 300, 1200]);
  assert.equal(chat.timestampMs, Date.UTC(2026, 0, 5, 10, 0, 0));
  assert.equal(chat.provider, 'openai');

  const resp = byId.get('resp_01')!;
  assert.deepEqual([resp.inputTokens, resp.cacheReadTokens, resp.outputTokens, resp.reasoningOutputTokens], [464, 1536, 500, 320]);
  assert.equal(resp.timestampMs, Date.UTC(2026, 0, 5, 10, 1, 0)); // wrapper timestamp wins over created_at

  const claude = byId.get('msg_01')!;
  assert.deepEqual(
    [claude.inputTokens, claude.cacheWrite5mTokens, claude.cacheWrite1hTokens, claude.cacheReadTokens, claude.isCacheSplitKnown],
    [12, 1000, 2000, 20000, true],
  );
  assert.equal(claude.timestampMs, 1767607320000); // epoch ms
  assert.equal(claude.reasoningOutputTokens, null);
  assert.equal(claude.provider, 'anthropic');

  const haiku = byId.get('msg_02')!;
  assert.deepEqual([haiku.cacheWrite5mTokens, haiku.cacheWrite1hTokens, haiku.isCacheSplitKnown], [1500, 0, false]);
  assert.equal(haiku.timestampMs, 1767607380000); // epoch seconds

  const gem = byId.get('gem-1')!;
  assert.equal(gem.model, 'gemini-2.5-pro');
  assert.equal(gem.provider, 'google');
  assert.deepEqual([gem.inputTokens, gem.cacheReadTokens, gem.outputTokens, gem.reasoningOutputTokens], [1050, 4000, 1000, 800]);
  assert.equal(gem.timestampMs, Date.UTC(2026, 0, 5, 10, 4, 0, 123)); // microseconds truncated

  const ds = byId.get('ds-1')!;
  assert.deepEqual([ds.inputTokens, ds.cacheReadTokens, ds.promptTokens], [440, 2560, 3000]);
  assert.equal(ds.provider, 'deepseek');

  const grok = byId.get('xai-1')!;
  assert.deepEqual([grok.inputTokens, grok.cacheReadTokens, grok.outputTokens, grok.reasoningOutputTokens], [260, 640, 400, 340]);
  assert.equal(grok.provider, 'xai');

  const kimi = byId.get('kimi-1')!;
  assert.deepEqual([kimi.inputTokens, kimi.cacheReadTokens, kimi.sessionId], [232, 768, 'other-session']);
  assert.equal(kimi.timestampMs, Date.UTC(2026, 0, 5, 9, 7, 0)); // +01:00 offset applied
  assert.equal(kimi.provider, 'moonshot');

  for (const t of out.turns) {
    assert.equal(t.promptTokens, t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens);
    assert.equal(t.isEstimated, false);
    assert.equal(t.source.file, `${DIR}/mixed-shapes.jsonl`);
  }
  assert.equal(byId.get('kimi-1')!.source.line, 9); // line numbers survive the blank line
});

test('traps: malformed lines are skipped with file:line and a reason; duplicates share a dedupe key', () => {
  const out = parseFixture(apiJsonlFormat, `${DIR}/traps.jsonl`);
  const exp = EXPECTED['traps.jsonl']!;
  assert.equal(out.linesRead, exp['linesRead']);
  assert.equal(out.linesCounted, exp['linesCounted']);
  assert.equal(out.linesIgnored, exp['linesIgnored']);
  assert.equal(out.linesSkipped, exp['linesSkipped']);
  assert.ok(accountingHolds(out));
  const errors = out.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.source?.line), exp['skippedLines']);
  for (const d of errors) {
    assert.equal(d.source?.file, `${DIR}/traps.jsonl`);
    assert.ok(d.message.length > 10, d.message);
  }
  const reasons = new Map(errors.map((d) => [d.source?.line, d.message]));
  assert.match(reasons.get(3)!, /invalid JSON/);
  assert.match(reasons.get(5)!, /negative/);
  assert.match(reasons.get(6)!, /not a number/);
  assert.match(reasons.get(7)!, /implausibly large/);
  assert.match(reasons.get(8)!, /not an integer/);
  assert.match(reasons.get(9)!, /exceed/);
  assert.match(reasons.get(11)!, /JSON object/);
  const unique = dedupe(out.turns);
  assert.equal(out.turns.length, 3);
  assert.equal(unique.length, exp['turnsAfterDedupe']);
  assert.equal(totals(unique).inputTokens, exp['inputTokens']);
  assert.equal(totals(unique).outputTokens, exp['outputTokens']);
  assert.ok(out.diagnostics.some((d) => d.code === 'stream-events-ignored' && d.source?.line === 14));
  assert.ok(out.diagnostics.some((d) => d.code === 'no-usage' && d.details?.['lines'] === 2));
});

test('empty input: no turns, no crash, zero accounting', () => {
  const out = parseText(apiJsonlFormat, '');
  assert.equal(out.turns.length, 0);
  assert.equal(out.linesRead, 0);
  assert.deepEqual(out.diagnostics, []);
});

test('session grouping: metadata.session_id and conversation ids; file name otherwise', () => {
  const text = [
    JSON.stringify({ id: 'a', model: 'gpt-4o', metadata: { session_id: 'm1' }, usage: { prompt_tokens: 1, completion_tokens: 1 } }),
    JSON.stringify({ conversation_id: 'c1', response: { id: 'b', model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 1 } } }),
    JSON.stringify({ id: 'c', object: 'response', conversation: { id: 'conv_9' }, model: 'gpt-5', usage: { input_tokens: 5, output_tokens: 1 } }),
    JSON.stringify({ id: 'd', model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 1 } }),
  ].join('\n');
  const out = parseText(apiJsonlFormat, text, { file: 'logs/agent-run-7.jsonl' });
  assert.deepEqual(out.turns.map((t) => t.sessionId), ['m1', 'c1', 'conv_9', 'agent-run-7']);
});

test('OpenAI Batch output and Responses stream completion events are unwrapped', () => {
  const batch = {
    id: 'batch_req_1',
    custom_id: 'task-1',
    response: {
      status_code: 200,
      request_id: 'req_abc',
      body: { id: 'chatcmpl-B', object: 'chat.completion', created: 1767607200, model: 'gpt-4o', usage: { prompt_tokens: 50, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } } },
    },
    error: null,
  };
  const completed = { type: 'response.completed', sequence_number: 9, response: { id: 'resp_S', object: 'response', created_at: 1767607260, model: 'gpt-5', usage: { input_tokens: 300, input_tokens_details: { cached_tokens: 256 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 0 } } } };
  const created = { type: 'response.created', response: { id: 'resp_S', object: 'response', model: 'gpt-5', usage: null } };
  const out = parseText(apiJsonlFormat, [batch, created, completed].map((o) => JSON.stringify(o)).join('\n'));
  assert.equal(out.turns.length, 2);
  assert.deepEqual([out.turns[0]!.dedupeKey, out.turns[0]!.inputTokens], ['chatcmpl-B', 50]);
  // Without a response id the request id is the key.
  const noBodyId = structuredClone(batch);
  delete (noBodyId.response.body as { id?: string }).id;
  assert.deepEqual(parseText(apiJsonlFormat, JSON.stringify(noBodyId)).turns.map((t) => t.dedupeKey), ['req_abc']);
  assert.deepEqual([out.turns[1]!.dedupeKey, out.turns[1]!.inputTokens, out.turns[1]!.cacheReadTokens], ['resp_S', 44, 256]);
  assert.equal(out.linesIgnored, 1);
});

test('LiteLLM-style chat usage with Anthropic cache fields: prompt_tokens includes reads and writes', () => {
  const line = JSON.stringify({
    id: 'chatcmpl-L',
    model: 'anthropic/claude-sonnet-4-5',
    usage: { prompt_tokens: 4646, completion_tokens: 177, prompt_tokens_details: { cached_tokens: 3482 }, cache_creation_input_tokens: 1158, cache_read_input_tokens: 3482 },
  });
  const t = parseText(apiJsonlFormat, line).turns[0]!;
  assert.deepEqual([t.inputTokens, t.cacheWrite5mTokens, t.cacheReadTokens, t.promptTokens, t.isCacheSplitKnown], [6, 1158, 3482, 4646, false]);
  assert.equal(t.provider, 'anthropic');
});

test('DeepSeek hit + miss that disagree with prompt_tokens: hit/miss used, warning emitted', () => {
  const line = JSON.stringify({ id: 'd', model: 'deepseek-reasoner', usage: { prompt_tokens: 100, completion_tokens: 9, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 40, completion_tokens_details: { reasoning_tokens: 7 } } });
  const out = parseText(apiJsonlFormat, line);
  const t = out.turns[0]!;
  assert.deepEqual([t.inputTokens, t.cacheReadTokens, t.outputTokens, t.reasoningOutputTokens], [40, 64, 9, 7]);
  assert.ok(out.diagnostics.some((d) => d.code === 'inconsistent-usage' && d.severity === 'warning'));
});

test('property: every valid OpenAI chat usage yields disjoint, non-negative categories summing to prompt_tokens', () => {
  fc.assert(
    fc.property(fc.nat({ max: 2_000_000 }), fc.nat({ max: 2_000_000 }), fc.nat({ max: 100_000 }), (a, b, completion) => {
      const prompt = Math.max(a, b);
      const cached = Math.min(a, b);
      const line = JSON.stringify({ id: 'x', model: 'gpt-4o', usage: { prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: { cached_tokens: cached } } });
      const t = parseText(apiJsonlFormat, line).turns[0]!;
      return t.promptTokens === prompt && t.cacheReadTokens === cached && t.inputTokens === prompt - cached && t.outputTokens === completion;
    }),
  );
});

test('detect: high for API response lines, 0 for agent logs, transcripts and CSV', () => {
  const head = readFileSync(`${DIR}/mixed-shapes.jsonl`, 'utf8');
  assert.ok(apiJsonlFormat.detect('x.jsonl', head) >= 0.85);
  const claudeCode = JSON.stringify({ type: 'assistant', sessionId: 's', parentUuid: null, uuid: 'u', message: { id: 'msg', model: 'claude', usage: { input_tokens: 1, output_tokens: 1 } } }) + '\n';
  assert.equal(apiJsonlFormat.detect('s.jsonl', claudeCode), 0);
  const result = JSON.stringify({ type: 'result', subtype: 'success', total_cost_usd: 1, usage: { input_tokens: 1, cache_read_input_tokens: 5, output_tokens: 1 } }) + '\n';
  assert.equal(apiJsonlFormat.detect('s.jsonl', result), 0);
  const codex = JSON.stringify({ timestamp: '2025-10-01T00:00:00Z', type: 'session_meta', payload: { id: 'x' } }) + '\n';
  assert.equal(apiJsonlFormat.detect('rollout.jsonl', codex), 0);
  assert.equal(apiJsonlFormat.detect('t.jsonl', '{"role":"user","content":"hi"}\n'), 0);
  assert.equal(apiJsonlFormat.detect('u.csv', 'date,model,input_tokens\n2026-01-01,gpt-4o,5\n'), 0);
});

test('Anthropic Message Batches results: the message under result is the body; errored results are ignored', () => {
  const ok = { custom_id: 'q1', result: { type: 'succeeded', message: { id: 'msg_B1', type: 'message', model: 'claude-haiku-4-5', usage: { input_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, output_tokens: 7 } } } };
  const failed = { custom_id: 'q2', result: { type: 'errored', error: { type: 'invalid_request_error', message: 'bad' } } };
  const out = parseText(apiJsonlFormat, `${JSON.stringify(ok)}\n${JSON.stringify(failed)}\n`);
  assert.equal(out.turns.length, 1);
  assert.deepEqual([out.turns[0]!.dedupeKey, out.turns[0]!.inputTokens, out.turns[0]!.outputTokens, out.turns[0]!.isCacheSplitKnown], ['msg_B1', 20, 7, true]);
  assert.equal(out.linesIgnored, 1);
});

test('pretty-printed JSON: one response, or an array of responses, is read as a document', () => {
  const one = JSON.stringify({ id: 'chatcmpl-P', object: 'chat.completion', created: 1767607200, model: 'gpt-4o', usage: { prompt_tokens: 2048, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 1920 } } }, null, 2);
  const single = parseText(apiJsonlFormat, one, { file: 'one.json' });
  assert.equal(single.turns.length, 1);
  assert.deepEqual([single.turns[0]!.inputTokens, single.turns[0]!.cacheReadTokens, single.linesRead, single.linesSkipped], [128, 1920, 1, 0]);
  assert.ok(apiJsonlFormat.detect('one.json', one + '\n') >= 0.5);
  const many = JSON.stringify(
    [
      { id: 'm1', type: 'message', model: 'claude-sonnet-4-5', usage: { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 0, output_tokens: 9 } },
      { id: 'm2', type: 'message', model: 'claude-sonnet-4-5', usage: { input_tokens: 4, cache_creation_input_tokens: 20, cache_read_input_tokens: 100, output_tokens: 5 } },
      { note: 'no usage' },
    ],
    null,
    2,
  );
  const arr = parseText(apiJsonlFormat, many, { file: 'many.json' });
  assert.deepEqual(arr.turns.map((t) => [t.dedupeKey, t.promptTokens, t.source.line]), [['m1', 103, 2], ['m2', 124, 13]]);
  assert.deepEqual([arr.linesRead, arr.linesCounted, arr.linesIgnored, arr.linesSkipped], [3, 2, 1, 0]);
  // An OpenHands trajectory also contains "usage" objects: not claimed.
  assert.equal(apiJsonlFormat.detect('basic.json', readFileSync('test/fixtures/openhands/basic.json', 'utf8')), 0);
});

test('a corrupt first line that opens an object does not swallow the JSONL file', () => {
  const text = '{"id": "broken",\n{"id":"ok","model":"gpt-4o","usage":{"prompt_tokens":5,"completion_tokens":1}}\n';
  const out = parseText(apiJsonlFormat, text);
  assert.equal(out.turns.length, 1);
  assert.deepEqual([out.linesRead, out.linesSkipped], [2, 1]);
  assert.equal(out.diagnostics.find((d) => d.severity === 'error')!.source!.line, 1);
});

test('responses without a model are counted as "unknown" and flagged once', () => {
  const line = (id: string): string => JSON.stringify({ id, usage: { prompt_tokens: 10, completion_tokens: 1 } });
  const out = parseText(apiJsonlFormat, [line('a'), line('b')].join('\n'));
  assert.deepEqual(out.turns.map((t) => [t.model, t.provider]), [['unknown', 'unknown'], ['unknown', 'unknown']]);
  const flags = out.diagnostics.filter((d) => d.code === 'missing-model');
  assert.equal(flags.length, 1);
  assert.equal(flags[0]!.details?.['responses'], 2);
});

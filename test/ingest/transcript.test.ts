import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { getEncoding } from 'js-tiktoken';
import { transcriptFormat, MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS } from '../../src/ingest/formats/transcript.js';
import { apiJsonlFormat } from '../../src/ingest/formats/api-jsonl.js';
import { openhandsFormat } from '../../src/ingest/formats/openhands.js';
import { createTokenizer } from '../../src/normalize/tokenizer.js';
import { accountingHolds, parseFixture, parseText, totals } from '../helpers/parse.js';

const DIR = 'test/fixtures/transcript';
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected-totals.json`, 'utf8')) as Record<string, Record<string, unknown>>;

test('JSONL transcript: every assistant message is a turn; prompt = all earlier messages + overhead', () => {
  const out = parseFixture(transcriptFormat, `${DIR}/debug-chat.jsonl`);
  const exp = EXPECTED['debug-chat.jsonl']!;
  assert.deepEqual(out.turns.map((t) => t.promptTokens), exp['prompts']);
  assert.deepEqual(out.turns.map((t) => t.outputTokens), exp['outputs']);
  assert.deepEqual(out.turns.map((t) => t.model), exp['models']);
  const t = totals(out.turns);
  assert.equal(t.inputTokens, exp['inputTokens']);
  assert.equal(t.outputTokens, exp['outputTokens']);
  assert.equal(t.cacheReadTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens, 0);
  assert.equal(out.linesRead, exp['linesRead']);
  assert.equal(out.linesCounted, exp['linesCounted']);
  assert.equal(out.linesIgnored, exp['linesIgnored']);
  assert.equal(out.linesSkipped, exp['linesSkipped']);
  assert.ok(accountingHolds(out));
  assert.deepEqual(out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.source?.line), exp['skippedLines']);
  assert.ok(out.turns.every((x) => x.isEstimated && x.inputTokens === x.promptTokens));
  assert.equal(out.turns[0]!.timestampMs, Date.UTC(2026, 1, 3, 9, 0, 5));
  assert.equal(out.turns[0]!.source.line, 3);
  const estimated = out.diagnostics.filter((d) => d.code === 'estimated-tokens');
  assert.equal(estimated.length, 1);
  assert.equal(estimated[0]!.severity, 'info');
  assert.match(estimated[0]!.message, /fake-whitespace/);
  assert.ok(out.diagnostics.some((d) => d.code === 'images-not-counted'));
  const expectedFp = createHash('sha256').update(`${exp['fingerprintModel']}\n${exp['firstUserMessage']}`).digest('hex');
  assert.equal(out.sessionInfo[0]!.taskFingerprint, expectedFp);
  assert.equal(out.sessionInfo[0]!.sessionId, 'debug-chat');
});

test('pretty-printed {messages} document: tool_use / tool_result counted, lines point at messages', () => {
  const out = parseFixture(transcriptFormat, `${DIR}/pretty-document.json`);
  const exp = EXPECTED['pretty-document.json']!;
  assert.deepEqual(out.turns.map((t) => t.promptTokens), exp['prompts']);
  assert.deepEqual(out.turns.map((t) => t.outputTokens), exp['outputs']);
  assert.deepEqual(out.turns.map((t) => t.source.line), exp['lines']);
  assert.equal(totals(out.turns).inputTokens, exp['inputTokens']);
  assert.equal(out.linesRead, exp['linesRead']);
  assert.equal(out.linesCounted, exp['linesCounted']);
  assert.ok(accountingHolds(out));
  assert.ok(out.turns.every((t) => t.model === 'claude-sonnet-4-5' && t.sessionId === exp['sessionId'] && t.provider === 'anthropic'));
});

test('with the real o200k tokenizer, counts equal js-tiktoken on the same texts', () => {
  const out = parseFixture(transcriptFormat, `${DIR}/pretty-document.json`, { tokenizer: createTokenizer('o200k_base') });
  const enc = getEncoding('o200k_base');
  const n = (s: string): number => enc.encode(s, [], []).length;
  const user1 = n('Why is the cache hit rate low?');
  const a1 = n('Let me read the logs.\nread_file {"path":"logs/app.log"}');
  const tool = n('cache_read=0 after idle 12m');
  const a2 = n('The 5-minute TTL expires during idle gaps.');
  const o = MESSAGE_OVERHEAD_TOKENS;
  assert.deepEqual(
    out.turns.map((t) => [t.promptTokens, t.outputTokens]),
    [
      [user1 + o + REPLY_PRIMING_TOKENS, a1],
      [user1 + o + a1 + o + tool + o + REPLY_PRIMING_TOKENS, a2],
    ],
  );
  assert.match(out.diagnostics.find((d) => d.code === 'estimated-tokens')!.message, /o200k_base/);
});

test('array documents, lone surrogates, empty files, files without assistant messages', () => {
  const arr = parseText(transcriptFormat, JSON.stringify([{ role: 'user', content: 'hi \uD800 there' }, { role: 'assistant', content: 'ok', model: 'gpt-4o' }]), { file: 'a.json' });
  assert.equal(arr.turns.length, 1);
  assert.equal(arr.turns[0]!.promptTokens, 3 + MESSAGE_OVERHEAD_TOKENS + REPLY_PRIMING_TOKENS);
  const empty = parseText(transcriptFormat, '', { file: 'e.jsonl' });
  assert.equal(empty.turns.length, 0);
  assert.equal(empty.linesRead, 0);
  let tokenizerLoaded = false;
  const userOnly = parseText(transcriptFormat, '{"role":"user","content":"hello"}\n', {
    file: 'u.jsonl',
    tokenizer: { name: 'spy', count: () => ((tokenizerLoaded = true), 1) },
  });
  assert.equal(userOnly.turns.length, 0);
  assert.equal(tokenizerLoaded, false, 'the tokenizer is not created when nothing needs counting');
  assert.ok(!userOnly.diagnostics.some((d) => d.code === 'estimated-tokens'));
  // Not one valid document: read line by line, every line accounted for and reported at its line.
  const broken = parseText(transcriptFormat, '[{"role": "user",\n "content": ]', { file: 'b.json' });
  assert.equal(broken.linesRead, 2);
  assert.equal(broken.linesSkipped, 2);
  assert.deepEqual(broken.diagnostics.filter((d) => d.code === 'invalid-json').map((d) => d.source?.line), [1, 2]);
  assert.ok(accountingHolds(broken));
  // One broken line: skipped as the document it claims to be.
  const one = parseText(transcriptFormat, '[{"role": "user", "content": ]', { file: 'c.json' });
  assert.equal(one.linesRead, 1);
  assert.equal(one.linesSkipped, 1);
  assert.ok(accountingHolds(one));
});

test('missing model is flagged, not silently priced', () => {
  const out = parseText(transcriptFormat, '{"role":"user","content":"a"}\n{"role":"assistant","content":"b"}\n', { file: 'm.jsonl' });
  assert.equal(out.turns[0]!.model, 'unknown');
  assert.ok(out.diagnostics.some((d) => d.code === 'missing-model' && d.severity === 'warning'));
});

test('detect: transcripts, but never agent logs, API responses or OpenHands trajectories', () => {
  const jsonl = readFileSync(`${DIR}/debug-chat.jsonl`, 'utf8');
  assert.ok(transcriptFormat.detect('debug-chat.jsonl', jsonl) >= 0.7);
  assert.equal(apiJsonlFormat.detect('debug-chat.jsonl', jsonl), 0);
  assert.equal(openhandsFormat.detect('debug-chat.jsonl', jsonl), 0);
  const doc = readFileSync(`${DIR}/pretty-document.json`, 'utf8');
  assert.ok(transcriptFormat.detect('chat.json', doc) >= 0.7);
  assert.equal(openhandsFormat.detect('chat.json', doc), 0);
  const claude = JSON.stringify({ type: 'user', sessionId: 's', parentUuid: null, message: { role: 'user', content: 'hi' } }) + '\n';
  assert.equal(transcriptFormat.detect('s.jsonl', claude), 0);
  const api = '{"id":"x","model":"gpt-4o","choices":[{"message":{"role":"assistant","content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n';
  assert.equal(transcriptFormat.detect('a.jsonl', api), 0);
  assert.equal(transcriptFormat.detect('t.json', readFileSync('test/fixtures/openhands/basic.json', 'utf8')), 0);
});

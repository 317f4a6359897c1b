/**
 * The shipped samples of the api-jsonl, openhands, csv and transcript formats:
 * auto-detection picks the right module, nothing is skipped, and the usage is
 * internally consistent with each provider's caching rules.
 * Regenerate them with `node scripts/make-format-samples.mjs`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectFormat, getFormat } from '../../src/ingest/index.js';
import type { FormatId } from '../../src/model/usage.js';
import { accountingHolds, dedupe, parseText, FAKE_TOKENIZER } from '../helpers/parse.js';

const SAMPLES: Array<[string, FormatId]> = [
  ['samples/api/openai-chat.jsonl', 'api-jsonl'],
  ['samples/api/openai-responses.jsonl', 'api-jsonl'],
  ['samples/api/anthropic-messages.jsonl', 'api-jsonl'],
  ['samples/api/gemini.jsonl', 'api-jsonl'],
  ['samples/api/deepseek.jsonl', 'api-jsonl'],
  ['samples/openhands/trajectory.json', 'openhands'],
  ['samples/csv/usage-export.csv', 'csv'],
  ['samples/transcript/debug-session.jsonl', 'transcript'],
];

function load(path: string): { text: string; out: ReturnType<typeof parseText> } {
  const text = readFileSync(path, 'utf8');
  const format = getFormat(SAMPLES.find(([p]) => p === path)![1]);
  return { text, out: parseText(format, text, { file: path, tokenizer: FAKE_TOKENIZER }) };
}

for (const [path, id] of SAMPLES) {
  test(`${path}: detected as ${id}, parsed without a skipped line`, () => {
    const text = readFileSync(path, 'utf8');
    assert.equal(detectFormat(path.split('/').pop()!, text.slice(0, 65536))?.id, id);
    const { out } = load(path);
    assert.ok(out.turns.length > 0);
    assert.equal(out.linesSkipped, 0, JSON.stringify(out.diagnostics.filter((d) => d.severity === 'error')));
    assert.ok(accountingHolds(out));
    assert.ok(!out.diagnostics.some((d) => d.severity === 'warning'), JSON.stringify(out.diagnostics));
    for (const t of out.turns) {
      assert.notEqual(t.provider, 'unknown', t.model);
      assert.equal(t.promptTokens, t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens);
    }
  });
}

test('samples are small (< 100 KB together)', () => {
  const bytes = SAMPLES.reduce((s, [p]) => s + readFileSync(p).length, 0);
  assert.ok(bytes < 100 * 1024, String(bytes));
});

test('anthropic sample: warm turns read exactly the previous context; the idle gap rewrites everything', () => {
  const { out } = load('samples/api/anthropic-messages.jsonl');
  let misses = 0;
  out.turns.forEach((t, i) => {
    if (i === 0) return;
    const prev = out.turns[i - 1]!;
    const gapMs = t.timestampMs! - prev.timestampMs!;
    if (gapMs > 5 * 60_000) {
      misses++;
      assert.equal(t.cacheReadTokens, 0);
    } else {
      assert.equal(t.cacheReadTokens, prev.promptTokens + prev.outputTokens);
    }
  });
  assert.equal(misses, 1);
});

test('openai/deepseek/gemini samples: cached tokens are the previous prompt rounded to the provider unit', () => {
  for (const [path, unit] of [
    ['samples/api/openai-chat.jsonl', 128],
    ['samples/api/deepseek.jsonl', 64],
    ['samples/api/gemini.jsonl', 1024],
  ] as const) {
    const { out } = load(path);
    out.turns.forEach((t, i) => {
      assert.equal(t.cacheReadTokens % unit, 0, path);
      if (i > 0) assert.ok(t.cacheReadTokens <= out.turns[i - 1]!.promptTokens + out.turns[i - 1]!.outputTokens, path);
    });
  }
});

test('openhands sample: one turn per model response although each is attached to two events', () => {
  const { out } = load('samples/openhands/trajectory.json');
  assert.equal(out.turns.length, 5);
  assert.equal(dedupe(out.turns).length, 5);
  assert.equal(out.linesCounted, 5);
});

test('transcript sample: estimated, one info diagnostic, prompts grow monotonically', () => {
  const { out } = load('samples/transcript/debug-session.jsonl');
  assert.ok(out.turns.every((t) => t.isEstimated));
  assert.equal(out.diagnostics.filter((d) => d.code === 'estimated-tokens').length, 1);
  for (let i = 1; i < out.turns.length; i++) assert.ok(out.turns[i]!.promptTokens > out.turns[i - 1]!.promptTokens);
});

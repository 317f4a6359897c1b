import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { detectFormat } from '../../src/ingest/index.js';
import { ingestDir, streamTotals } from '../helpers/ingest.js';

const DIR = 'test/fixtures/claude-stream-json';
const expected = JSON.parse(readFileSync(`${DIR}/expected-totals.json`, 'utf8'));

test('stream-json: one request per message.id with its last usage; Task subagent in its own stream', () => {
  assert.equal(detectFormat('run.jsonl', readFileSync(`${DIR}/run.jsonl`, 'utf8'))?.id, 'claude-stream-json');
  const result = ingestDir(DIR);
  assert.equal(result.sessions.length, 1);
  const s = result.sessions[0]!;
  assert.equal(s.id, expected.sessionId);
  assert.equal(s.format, 'claude-stream-json');
  const streams = streamTotals(s.turns);
  for (const [id, exp] of Object.entries(expected.streams as Record<string, Record<string, number>>)) {
    for (const [k, v] of Object.entries(exp)) assert.equal(streams[id]![k], v, `${id}.${k}`);
  }
  assert.ok(s.turns.every((t) => t.timestampMs === null));
  assert.equal(result.duplicateTurnsDropped, 1);
  assert.equal(s.project, '/work/app');
});

test('stream-json: the result event becomes the session reported cost, side calls included', () => {
  const s = ingestDir(DIR).sessions[0]!;
  const rc = s.reportedCost!;
  assert.equal(rc.totalCostUsd, expected.reportedCost.totalCostUsd);
  assert.equal(rc.numTurns, expected.reportedCost.numTurns);
  assert.equal(rc.durationMs, expected.reportedCost.durationMs);
  assert.deepEqual(rc.byModel.map((m) => m.model), expected.reportedCost.models);
  const haiku = rc.byModel.find((m) => m.model.includes('haiku'))!;
  assert.deepEqual([haiku.inputTokens, haiku.outputTokens, haiku.costUsd], [10, 5, 0.0012]);
  assert.equal(rc.source.line, 7);
});

test('shipped stream-json sample: total_cost_usd matches Anthropic prices for the logged usage plus the hidden side call', () => {
  const result = ingestDir('samples/claude-stream-json');
  const s = result.sessions[0]!;
  const rc = s.reportedCost!;
  // Sonnet 4.5: $3 input, $3.75 5m write, $0.30 read, $15 output per MTok.
  let sonnet = 0;
  for (const t of s.turns) sonnet += (t.inputTokens * 3 + t.cacheWrite5mTokens * 3.75 + t.cacheReadTokens * 0.3 + t.outputTokens * 15) / 1e6;
  const side = rc.byModel.find((m) => m.model.includes('haiku'))!;
  assert.ok(Math.abs(rc.totalCostUsd - (sonnet + side.costUsd)) < 1e-12);
  assert.ok(!s.turns.some((t) => t.model.includes('haiku')), 'the side call is only in modelUsage');
  assert.equal(rc.numTurns, s.turns.length);
});

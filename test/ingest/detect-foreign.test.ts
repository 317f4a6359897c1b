/**
 * The api-jsonl, openhands, csv and transcript detectors must never claim the
 * agent logs other modules own: a real Claude Code session (v1.0.98, MIT),
 * Claude stream-json lines and Codex rollouts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { apiJsonlFormat } from '../../src/ingest/formats/api-jsonl.js';
import { openhandsFormat } from '../../src/ingest/formats/openhands.js';
import { csvFormat } from '../../src/ingest/formats/csv.js';
import { transcriptFormat } from '../../src/ingest/formats/transcript.js';

const MINE = [apiJsonlFormat, openhandsFormat, csvFormat, transcriptFormat];

const STREAM_JSON = [
  { type: 'system', subtype: 'init', session_id: 's1', model: 'claude-sonnet-4-5', tools: ['Bash'] },
  { type: 'assistant', session_id: 's1', message: { id: 'msg_1', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 0, output_tokens: 2 } } },
  { type: 'result', subtype: 'success', total_cost_usd: 0.01, num_turns: 1, usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 0, output_tokens: 2 } },
]
  .map((o) => JSON.stringify(o))
  .join('\n');

const CODEX = [
  { timestamp: '2025-10-01T10:00:00.000Z', type: 'session_meta', payload: { id: 'x', cwd: '/w', cli_version: '0.98.0' } },
  { timestamp: '2025-10-01T10:00:01.000Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 10, cached_input_tokens: 0, output_tokens: 2 } } } },
]
  .map((o) => JSON.stringify(o))
  .join('\n');

const CODEX_LEGACY = [{ id: 'x', timestamp: '2025-08-01T10:00:00Z', instructions: null }, { record_type: 'state' }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }]
  .map((o) => JSON.stringify(o))
  .join('\n');

for (const [name, head] of [
  ['claude-code-real.jsonl', readFileSync('test/fixtures/detect/claude-code-real.jsonl', 'utf8').slice(0, 65536)],
  ['stream.jsonl', `${STREAM_JSON}\n`],
  ['rollout-2025-10-01.jsonl', `${CODEX}\n`],
  ['rollout-2025-08-01.jsonl', `${CODEX_LEGACY}\n`],
] as const) {
  test(`${name}: api-jsonl, openhands, csv and transcript all return 0`, () => {
    for (const format of MINE) assert.equal(format.detect(name, head), 0, format.id);
  });
}

#!/usr/bin/env node
// Generates the shipped example logs for the api-jsonl, openhands, csv and
// transcript formats, deterministically (fixed seed, fixed clock):
//
//   node scripts/make-format-samples.mjs
//
// Every sample follows one simulated coding-agent session whose context grows
// turn by turn (system prompt + tool results + replies), so the usage figures
// are internally consistent with each provider's caching rules:
// - OpenAI: cached = the previous prompt rounded down to 128 tokens (>= 1024), within 5-10 min;
// - Anthropic: the breakpoint sits at the end of the conversation: reads = previous prefix,
//   writes = what was appended since, input = the few tokens after the breakpoint;
//   after an idle gap longer than the 5-minute TTL everything is written again;
// - Gemini: implicit cache hits in 1024-token blocks of the previous prompt (>= 2048), thoughts apart;
// - DeepSeek: disk cache hits in 64-token units of the previous prompt.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const T0 = Date.UTC(2026, 0, 12, 9, 0, 0);

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(r, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

/**
 * One agent session: per turn the prompt size, what was appended since the
 * previous request, the output and the idle gap before the request.
 */
function session(seed, { turns, systemTokens, longGapAt = -1 }) {
  const r = rng(seed);
  const out = [];
  let context = systemTokens;
  let t = T0;
  for (let i = 0; i < turns; i++) {
    const appended = i === 0 ? 0 : 150 + Math.floor(r() * (r() < 0.25 ? 6000 : 1400)); // tool results, user follow-ups
    const output = 60 + Math.floor(r() * (r() < 0.2 ? 1800 : 400));
    const gapMs = i === 0 ? 0 : i === longGapAt ? 14 * 60_000 + Math.floor(r() * 60_000) : 4_000 + Math.floor(r() * 40_000);
    t += gapMs;
    const prompt = context + appended;
    out.push({ i, prompt, appended, output, gapMs, t, previousPrompt: i === 0 ? 0 : context });
    context = prompt + output;
  }
  return out;
}

const iso = (ms) => new Date(ms).toISOString();
const write = (rel, text) => {
  const path = join(ROOT, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return text.length;
};
const jsonl = (rows) => rows.map((x) => JSON.stringify(x)).join('\n') + '\n';

// --- OpenAI Chat Completions: wrapped {timestamp, session_id, response} ---
function openaiChat() {
  const r = rng(11);
  return jsonl(
    session(101, { turns: 14, systemTokens: 5200, longGapAt: 9 }).map((s) => {
      const warm = s.i > 0 && s.gapMs <= 10 * 60_000 && s.previousPrompt >= 1024;
      const cached = warm ? Math.floor(s.previousPrompt / 128) * 128 : 0;
      return {
        timestamp: iso(s.t),
        session_id: 'fix-flaky-test',
        response: {
          id: `chatcmpl-${hex(r, 24)}`,
          object: 'chat.completion',
          created: Math.floor(s.t / 1000),
          model: 'gpt-4.1-2025-04-14',
          choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${hex(r, 12)}`, type: 'function', function: { name: 'shell', arguments: '{"cmd":"npm test"}' } }] }, finish_reason: 'tool_calls' }],
          usage: {
            prompt_tokens: s.prompt,
            completion_tokens: s.output,
            total_tokens: s.prompt + s.output,
            prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
          },
          service_tier: 'default',
        },
      };
    }),
  );
}

// --- OpenAI Responses: bare bodies with reasoning ---
function openaiResponses() {
  const r = rng(12);
  return jsonl(
    session(102, { turns: 10, systemTokens: 3800 }).map((s) => {
      const cached = s.i > 0 && s.previousPrompt >= 1024 ? Math.floor(s.previousPrompt / 128) * 128 : 0;
      const reasoning = Math.floor(s.output * (0.4 + r() * 0.4));
      return {
        id: `resp_${hex(r, 32)}`,
        object: 'response',
        created_at: Math.floor(s.t / 1000),
        status: 'completed',
        model: 'o4-mini-2025-04-16',
        output: [{ type: 'reasoning', id: `rs_${hex(r, 16)}`, summary: [] }, { type: 'function_call', name: 'apply_patch', arguments: '{"patch":"..."}', call_id: `call_${hex(r, 8)}` }],
        usage: {
          input_tokens: s.prompt,
          input_tokens_details: { cached_tokens: cached },
          output_tokens: s.output + reasoning,
          output_tokens_details: { reasoning_tokens: reasoning },
          total_tokens: s.prompt + s.output + reasoning,
        },
        conversation: { id: 'conv_refactor_parser' },
      };
    }),
  );
}

// --- Anthropic Messages: wrapped {ts (epoch ms), body}; 14-min idle gap expires the 5m cache ---
function anthropicMessages() {
  const r = rng(13);
  return jsonl(
    session(103, { turns: 16, systemTokens: 14800, longGapAt: 11 }).map((s) => {
      const tail = 1 + Math.floor(r() * 6); // tokens after the breakpoint
      const warm = s.i > 0 && s.gapMs <= 5 * 60_000;
      const read = warm ? s.previousPrompt : 0;
      const written = s.prompt - read - tail;
      return {
        ts: s.t,
        session: 'add-retry-logic',
        body: {
          id: `msg_01${hex(r, 22)}`,
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          content: [{ type: 'tool_use', id: `toolu_01${hex(r, 20)}`, name: 'Edit', input: { file_path: 'src/retry.ts' } }],
          stop_reason: 'tool_use',
          usage: {
            input_tokens: tail,
            cache_creation_input_tokens: written,
            cache_read_input_tokens: read,
            cache_creation: { ephemeral_5m_input_tokens: written, ephemeral_1h_input_tokens: 0 },
            output_tokens: s.output,
            service_tier: 'standard',
          },
        },
      };
    }),
  );
}

// --- Gemini generateContent responses with thoughts ---
function gemini() {
  const r = rng(14);
  return jsonl(
    session(104, { turns: 10, systemTokens: 6100 }).map((s) => {
      const cached = s.i > 0 && s.previousPrompt >= 2048 ? Math.floor(s.previousPrompt / 1024) * 1024 : 0;
      const thoughts = 200 + Math.floor(r() * 900);
      const toolUse = s.i % 3 === 2 ? 40 + Math.floor(r() * 80) : 0;
      const usageMetadata = {
        promptTokenCount: s.prompt,
        candidatesTokenCount: s.output,
        thoughtsTokenCount: thoughts,
        totalTokenCount: s.prompt + s.output + thoughts + toolUse,
        ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
        ...(toolUse > 0 ? { toolUsePromptTokenCount: toolUse } : {}),
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: s.prompt }],
      };
      return {
        timestamp: iso(s.t),
        session_id: 'gemini-migrate-db',
        response: {
          candidates: [{ content: { role: 'model', parts: [{ text: 'Updating the migration…' }] }, finishReason: 'STOP', index: 0 }],
          usageMetadata,
          modelVersion: 'gemini-2.5-pro',
          responseId: hex(r, 20),
        },
      };
    }),
  );
}

// --- DeepSeek chat completions: hit + miss = prompt ---
function deepseek() {
  const r = rng(15);
  return jsonl(
    session(105, { turns: 10, systemTokens: 4300 }).map((s) => {
      const hit = s.i > 0 ? Math.floor(s.previousPrompt / 64) * 64 : 0;
      return {
        id: `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
        object: 'chat.completion',
        created: Math.floor(s.t / 1000),
        model: 'deepseek-chat',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Let me check the stack trace.' }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: s.prompt,
          completion_tokens: s.output,
          total_tokens: s.prompt + s.output,
          prompt_tokens_details: { cached_tokens: hit },
          prompt_cache_hit_tokens: hit,
          prompt_cache_miss_tokens: s.prompt - hit,
        },
        system_fingerprint: 'fp_8802369eaa_prod0425fp8',
      };
    }),
  );
}

// --- OpenHands trajectory: action + observation share the model_response ---
function openhands() {
  const r = rng(16);
  const steps = [
    ['run', 'execute_bash', { command: 'pytest -q tests/test_dates.py' }, '1 failed, 8 passed\nFAILED tests/test_dates.py::test_parse_offset'],
    ['read', 'str_replace_editor', { command: 'view', path: '/workspace/dates.py' }, 'def parse(s):\n    return datetime.fromisoformat(s)\n'],
    ['edit', 'str_replace_editor', { command: 'str_replace', path: '/workspace/dates.py', old_str: 'fromisoformat(s)', new_str: 'fromisoformat(s).astimezone(timezone.utc)' }, 'The file /workspace/dates.py has been edited.'],
    ['run', 'execute_bash', { command: 'pytest -q' }, '9 passed in 0.41s'],
    ['finish', 'finish', { message: 'Fixed parse() to normalise offsets to UTC.' }, null],
  ];
  const sess = session(106, { turns: steps.length, systemTokens: 7600 });
  const events = [];
  let id = 0;
  const local = (ms) => new Date(ms - 8 * 3600_000).toISOString().replace('Z', '') + '123'; // host-local time, no zone
  events.push({ id: id++, timestamp: local(T0 - 2000), source: 'user', message: 'The date parsing test fails for timestamps with offsets. Please fix it.', action: 'message', args: { content: 'The date parsing test fails for timestamps with offsets. Please fix it.', image_urls: null, wait_for_response: false }, timeout: 120 });
  sess.forEach((s, k) => {
    const [action, fn, args, obs] = steps[k];
    const warm = s.i > 0;
    const read = warm ? s.previousPrompt - 4 : 0;
    const written = s.prompt - read - 4;
    const callId = `toolu_01${hex(r, 20)}`;
    const modelResponse = {
      id: `chatcmpl-${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
      created: Math.floor(s.t / 1000),
      model: 'claude-sonnet-4-5-20250929',
      object: 'chat.completion',
      system_fingerprint: null,
      choices: [{ finish_reason: 'tool_calls', index: 0, message: { content: '', role: 'assistant', tool_calls: [{ index: 1, function: { arguments: JSON.stringify(args), name: fn }, id: callId, type: 'function' }] } }],
      usage: {
        completion_tokens: s.output,
        prompt_tokens: s.prompt,
        total_tokens: s.prompt + s.output,
        completion_tokens_details: null,
        prompt_tokens_details: { audio_tokens: null, cached_tokens: read },
        cache_creation_input_tokens: written,
        cache_read_input_tokens: read,
      },
    };
    const meta = { function_name: fn, tool_call_id: callId, model_response: modelResponse, total_calls_in_response: 1 };
    events.push({ id: id++, timestamp: local(s.t), source: 'agent', message: `${action}`, action, tool_call_metadata: meta, args: { ...args, thought: '' }, timeout: 120 });
    if (obs !== null) {
      events.push({ id: id++, timestamp: local(s.t + 700), source: 'agent', message: obs.split('\n')[0], cause: id - 2, observation: action, tool_call_metadata: meta, content: obs, extras: {} });
    }
  });
  return JSON.stringify(events, null, 2) + '\n';
}

// --- Anthropic Console usage export (hourly rows) ---
function usageCsv() {
  const r = rng(17);
  const header = 'usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,web_search_count,inference_geo,speed';
  const rows = [header];
  for (let h = 8; h < 18; h++) {
    for (const [model, key, ws, scale] of [
      ['claude-sonnet-4-5-20250929', 'claude_code_key_dana', 'Claude Code', 1],
      ['claude-haiku-4-5-20251001', 'claude_code_key_dana', 'Claude Code', 0.25],
    ]) {
      if (model.includes('haiku') && h % 3 !== 0) continue;
      const requests = Math.floor((20 + r() * 60) * scale) + 1;
      const read = requests * Math.floor(40000 + r() * 60000);
      const w5 = model.includes('haiku') ? Math.floor(read * 0.08) : Math.floor(read * 0.02);
      const w1 = model.includes('haiku') ? 0 : Math.floor(read * 0.05);
      const input = requests * Math.floor(3 + r() * 30);
      const output = requests * Math.floor(150 + r() * 500);
      rows.push([`2026-01-12 ${String(h).padStart(2, '0')}:00`, model, key, ws, 'standard', '≤ 200k', input, w5, w1, read, output, 0, 'not_available', ''].join(','));
    }
  }
  return rows.join('\n') + '\n';
}

// --- Plain transcript of a coding-agent debugging session (no usage) ---
function transcript() {
  const t = (min, sec = 0) => iso(T0 + min * 60_000 + sec * 1000);
  const m = 'gpt-4.1-2025-04-14';
  const msgs = [
    { role: 'system', content: 'You are a senior engineer working in a Node.js monorepo. Use the tools to inspect files and run commands. Keep changes minimal and explain the root cause.' },
    { role: 'user', timestamp: t(0), content: 'The nightly export job crashes with "RangeError: Invalid time value" since yesterday. Can you find out why?' },
    { role: 'assistant', model: m, timestamp: t(0, 6), content: 'Let me look at the failing job log first.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'shell', arguments: '{"cmd":"tail -n 40 logs/export-nightly.log"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', timestamp: t(0, 8), content: '2026-01-11T02:00:03.114Z export started (rows=18234)\nRangeError: Invalid time value\n    at Date.toISOString (<anonymous>)\n    at formatRow (packages/export/src/format.ts:41:31)\n    at Array.map (<anonymous>)\n    at exportAll (packages/export/src/job.ts:88:24)' },
    { role: 'assistant', model: m, timestamp: t(0, 15), content: 'The crash comes from `formatRow` calling `toISOString()` on an invalid Date. Let me read that function.', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'read_file', arguments: '{"path":"packages/export/src/format.ts","start":30,"end":50}' } }] },
    { role: 'tool', tool_call_id: 'call_2', timestamp: t(0, 16), content: '30 export function formatRow(row: DbRow): string[] {\n31   const created = new Date(row.created_at);\n32   const closed = row.closed_at ? new Date(row.closed_at) : null;\n...\n41   return [row.id, created.toISOString(), closed?.toISOString() ?? "", row.status];\n42 }' },
    { role: 'assistant', model: m, timestamp: t(0, 24), content: '`created_at` must be unparseable for some row. Let me check which values the database returned yesterday.', tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'shell', arguments: '{"cmd":"psql -c \\"select id, created_at from tickets where created_at::text !~ \'^\\\\d{4}-\' limit 5\\""}' } }] },
    { role: 'tool', tool_call_id: 'call_3', timestamp: t(0, 27), content: ' id    | created_at\n-------+------------------------\n 90412 | 11/01/2026 01:58:12\n 90413 | 11/01/2026 01:59:40\n(2 rows)' },
    { role: 'assistant', model: m, timestamp: t(0, 40), content: [{ type: 'text', text: 'Root cause: two rows were imported by the new CSV importer with a day-first `DD/MM/YYYY` format stored as text. `new Date("11/01/2026 01:58:12")` is parsed month-first by V8 and `new Date("13/01/…")` would be invalid; here the job crashes on the rows that cannot be parsed at all.\n\nI suggest two fixes: validate dates in the importer, and make the export fail soft with a clear error that names the row.' }] },
    { role: 'user', timestamp: t(3, 10), content: 'Do both, but keep the export strict: skip nothing silently.' },
    { role: 'assistant', model: m, timestamp: t(3, 21), content: 'I will make `formatRow` throw an error that includes the row id and the raw value, and add ISO-8601 validation in the importer.', tool_calls: [{ id: 'call_4', type: 'function', function: { name: 'apply_patch', arguments: '{"patch":"--- a/packages/export/src/format.ts\\n+++ b/packages/export/src/format.ts\\n@@\\n-  const created = new Date(row.created_at);\\n+  const created = parseIsoStrict(row.created_at, `tickets.created_at of row ${row.id}`);\\n"}' } }] },
    { role: 'tool', tool_call_id: 'call_4', timestamp: t(3, 22), content: 'Patch applied: 1 file changed, 2 insertions(+), 1 deletion(-)' },
    { role: 'assistant', model: m, timestamp: t(3, 30), content: 'Now the importer check and a test.', tool_calls: [{ id: 'call_5', type: 'function', function: { name: 'shell', arguments: '{"cmd":"npm test -w packages/export -w packages/importer"}' } }] },
    { role: 'tool', tool_call_id: 'call_5', timestamp: t(3, 58), content: ' ✓ packages/export (14 tests)\n ✓ packages/importer (22 tests)\n\nTest Files  2 passed (2)\n     Tests  36 passed (36)' },
    { role: 'assistant', model: m, timestamp: t(4, 5), content: 'All tests pass. Summary: the crash came from two rows with day-first dates written by the new importer. The export now reports the offending row id and value instead of a bare RangeError, and the importer rejects non-ISO dates. The two bad rows still need fixing in the database: `update tickets set created_at = \'2026-01-11T01:58:12Z\' where id = 90412;` (and 90413).' },
  ];
  return jsonl(msgs);
}

const sizes = {
  'samples/api/openai-chat.jsonl': write('samples/api/openai-chat.jsonl', openaiChat()),
  'samples/api/openai-responses.jsonl': write('samples/api/openai-responses.jsonl', openaiResponses()),
  'samples/api/anthropic-messages.jsonl': write('samples/api/anthropic-messages.jsonl', anthropicMessages()),
  'samples/api/gemini.jsonl': write('samples/api/gemini.jsonl', gemini()),
  'samples/api/deepseek.jsonl': write('samples/api/deepseek.jsonl', deepseek()),
  'samples/openhands/trajectory.json': write('samples/openhands/trajectory.json', openhands()),
  'samples/csv/usage-export.csv': write('samples/csv/usage-export.csv', usageCsv()),
  'samples/transcript/debug-session.jsonl': write('samples/transcript/debug-session.jsonl', transcript()),
};
let total = 0;
for (const [file, size] of Object.entries(sizes)) {
  total += size;
  console.log(`${String(size).padStart(7)}  ${file}`);
}
console.log(`${String(total).padStart(7)}  total`);

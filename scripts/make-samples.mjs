#!/usr/bin/env node
// Generates the shipped agent-log samples deterministically:
//   samples/claude-code/-home-dev-shop/<uuid>.jsonl (+ <uuid>/subagents/agent-<id>.jsonl)
//   samples/claude-stream-json/run.jsonl
//   samples/codex/rollout-2026-01-14T10-02-11-<uuid>.jsonl
// The usage follows a real agent loop: the context grows by each turn's tool
// results and output; every request reads the previous prefix from the cache
// while the entry is alive (1 h on the Claude Code main thread, 5 min in
// subagents and in `claude -p`) and rewrites it after a longer idle gap.
// Run: node scripts/make-samples.mjs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

let seed = 20260112;
function rand() {
  // mulberry32
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`;
const b58 = (n) => Array.from({ length: n }, () => '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'[int(0, 57)]).join('');
const iso = (ms) => new Date(ms).toISOString();

const ROOT = 'samples';
const CWD = '/home/dev/shop';
const PROJECT_DIR = '-home-dev-shop';
const VERSION = '2.0.37';

/** Tool calls of a small e-commerce coding task, for realistic content. */
const TOOLS = [
  ['Read', { file_path: `${CWD}/src/cart/cart.ts` }],
  ['Grep', { pattern: 'applyDiscount', path: `${CWD}/src` }],
  ['Read', { file_path: `${CWD}/src/cart/discount.ts` }],
  ['Bash', { command: 'npm test -- cart', description: 'Run the cart tests' }],
  ['Edit', { file_path: `${CWD}/src/cart/discount.ts`, old_string: 'total * rate', new_string: 'Math.round(total * rate * 100) / 100' }],
  ['Bash', { command: 'npm test', description: 'Run all tests' }],
  ['Read', { file_path: `${CWD}/src/checkout/tax.ts` }],
  ['Glob', { pattern: 'src/**/*.test.ts' }],
  ['Write', { file_path: `${CWD}/src/cart/discount.test.ts`, content: "import { applyDiscount } from './discount';\n// \"usage\": {\"input_tokens\": 999999} is text, not usage\n" }],
  ['Bash', { command: 'git diff --stat', description: 'Show the change' }],
];

/**
 * A Claude Code thread: calls with growing context. Returns lines.
 * opts: { sessionId, model, ttlMs, oneHour, start, gaps: {callIndex: ms}, calls, sidechain, agentId, systemTokens }
 */
function claudeThread(opts) {
  const lines = [];
  let t = opts.start;
  let parent = null;
  let cachedPrefix = 0; // tokens written to the cache by the previous request
  let lastUse = -Infinity;
  let context = opts.systemTokens; // tokens in the prompt before the new message
  const base = {
    isSidechain: opts.sidechain,
    userType: 'external',
    cwd: CWD,
    sessionId: opts.sessionId,
    version: VERSION,
    gitBranch: 'main',
    ...(opts.agentId ? { agentId: opts.agentId } : {}),
  };
  const push = (o) => {
    lines.push(JSON.stringify(o));
    parent = o.uuid ?? parent;
  };
  const user = (content, extra = {}) => {
    const u = uuid();
    push({ parentUuid: parent, ...base, type: 'user', message: { role: 'user', content }, uuid: u, timestamp: iso(t), ...extra });
  };
  user(opts.prompt);
  for (let i = 0; i < opts.calls.length; i++) {
    const call = opts.calls[i];
    if (opts.gaps[i]) t += opts.gaps[i];
    t += int(2500, 9000);
    const appended = call.appended;
    const prompt = context + appended;
    const expired = t - lastUse > opts.ttlMs;
    const read = expired ? 0 : cachedPrefix;
    const input = int(3, 9);
    const write = prompt - read - input;
    lastUse = t;
    cachedPrefix = prompt - input;
    const out = call.output;
    const usage = (o) => ({
      input_tokens: input,
      cache_creation_input_tokens: write,
      cache_read_input_tokens: read,
      cache_creation: { ephemeral_5m_input_tokens: opts.oneHour ? 0 : write, ephemeral_1h_input_tokens: opts.oneHour ? write : 0 },
      output_tokens: o,
      service_tier: 'standard',
    });
    const msgId = `msg_01${b58(22)}`;
    const reqId = `req_011C${b58(20)}`;
    const tool = TOOLS[(i + opts.toolOffset) % TOOLS.length];
    const blocks = call.final
      ? [{ type: 'text', text: call.final }]
      : [
          { type: 'text', text: `Let me ${tool[0] === 'Bash' ? 'run' : tool[0].toLowerCase()} that.` },
          { type: 'tool_use', id: `toolu_01${b58(22)}`, name: tool[0], input: tool[1] },
        ];
    // One line per content block; early lines carry a placeholder output count.
    blocks.forEach((block, bi) => {
      const last = bi === blocks.length - 1;
      push({
        parentUuid: parent,
        ...base,
        message: { id: msgId, type: 'message', role: 'assistant', model: opts.model, content: [block], stop_reason: last ? (call.final ? 'end_turn' : 'tool_use') : null, stop_sequence: null, usage: usage(last ? out : Math.min(out, int(1, 12))) },
        requestId: reqId,
        type: 'assistant',
        uuid: uuid(),
        timestamp: iso(t + bi * 900),
      });
    });
    t += blocks.length * 900;
    context = prompt + out;
    if (call.final) break;
    t += int(200, 4000);
    const toolUseId = JSON.parse(lines[lines.length - 1]).message.content[0].id;
    const resultText = call.resultText ?? `(${tool[0]} output, ${call.nextAppended ?? 0} tokens)`;
    const extra = call.taskUsage ? { toolUseResult: { status: 'completed', totalTokens: 41250, usage: call.taskUsage, content: [{ type: 'text', text: 'Found 3 callers.' }] } } : { toolUseResult: { stdout: resultText, stderr: '', interrupted: false } };
    user([{ tool_use_id: toolUseId, type: 'tool_result', content: resultText }], extra);
    if (call.onAfter) call.onAfter({ t, push, parent: () => parent, base, setContext: (c) => (context = c), user, now: () => t, setCache: (c) => (cachedPrefix = c) });
  }
  return { lines, end: t };
}

function calls(n, { final, minAppend = 200, maxAppend = 3800, minOut = 40, maxOut = 700 } = {}) {
  const list = [];
  for (let i = 0; i < n; i++) list.push({ appended: i === 0 ? int(40, 120) : int(minAppend, maxAppend), output: int(minOut, maxOut) });
  if (final) list[n - 1].final = final;
  return list;
}

function write(path, lines) {
  mkdirSync(path.split('/').slice(0, -1).join('/'), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
}

rmSync(join(ROOT, 'claude-code'), { recursive: true, force: true });
rmSync(join(ROOT, 'claude-stream-json'), { recursive: true, force: true });
rmSync(join(ROOT, 'codex'), { recursive: true, force: true });

// ---- Claude Code session A: main thread on Sonnet 4.5 with 1 h cache, a Haiku subagent, a 7-min and a 75-min idle gap.
const sessionA = uuid();
const agentId = hex(8);
const startA = Date.UTC(2026, 0, 12, 9, 14, 3, 211);
const callsA = calls(16, { final: 'Done: discounts are rounded to cents, 14 tests pass. The change is in src/cart/discount.ts.' });
// The Task subagent (Haiku, 5-minute cache) runs while the main thread waits for its result.
const agent = claudeThread({
  sessionId: sessionA,
  model: 'claude-haiku-4-5-20251001',
  ttlMs: 300_000,
  oneHour: false,
  start: startA + 45_000,
  gaps: {},
  calls: calls(6, { final: 'applyDiscount is called from cart.ts, checkout.ts and promo.ts.', maxAppend: 2500, maxOut: 300 }),
  sidechain: true,
  agentId,
  systemTokens: 9_240,
  prompt: 'Find every caller of applyDiscount in src/ and report file and line.',
  toolOffset: 1,
});
// The Task tool result repeats the subagent's last usage: a trap, never a billed call of the main thread.
const agentLast = agent.lines.map((l) => JSON.parse(l)).filter((o) => o.type === 'assistant').pop();
callsA[3].taskUsage = agentLast.message.usage;
callsA[3].resultText = 'Subagent report: applyDiscount is called from cart.ts, checkout.ts and promo.ts.';
const mainA = claudeThread({
  sessionId: sessionA,
  model: 'claude-sonnet-4-5-20250929',
  ttlMs: 3_600_000,
  oneHour: true,
  start: startA,
  gaps: { 4: agent.end - startA - 20_000, 7: 7 * 60_000 + 12_000, 11: 75 * 60_000 },
  calls: callsA,
  sidechain: false,
  systemTokens: 14_870,
  prompt: 'The cart total is off by a cent when a percentage discount applies. Find the cause, fix it and add a test.',
  toolOffset: 0,
});
write(join(ROOT, 'claude-code', PROJECT_DIR, `${sessionA}.jsonl`), mainA.lines);
write(join(ROOT, 'claude-code', PROJECT_DIR, sessionA, 'subagents', `agent-${agentId}.jsonl`), agent.lines);

// ---- Claude Code session B: long run on Sonnet 4.5 that auto-compacts, then continues on a small context.
const sessionB = uuid();
const startB = Date.UTC(2026, 0, 13, 14, 2, 41, 530);
const callsB = calls(22, { minAppend: 4000, maxAppend: 11000, maxOut: 900 });
const preCompact = callsB.slice(0, 14);
const postCompact = calls(8, { final: 'All checkout flows now use the shared tax helper; the suite passes.', maxAppend: 2600 });
let compactAt = 0;
const threadB = claudeThread({
  sessionId: sessionB,
  model: 'claude-sonnet-4-5-20250929',
  ttlMs: 3_600_000,
  oneHour: true,
  start: startB,
  gaps: { 9: 6 * 60_000 + 40_000 },
  calls: preCompact,
  sidechain: false,
  systemTokens: 15_210,
  prompt: 'Refactor every checkout flow to use one tax helper, keep behaviour identical.',
  toolOffset: 4,
});
compactAt = threadB.end;
const preTokens = threadB.lines
  .map((l) => JSON.parse(l))
  .filter((o) => o.type === 'assistant')
  .map((o) => o.message.usage)
  .map((u) => u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens + u.output_tokens)
  .pop();
const last = JSON.parse(threadB.lines[threadB.lines.length - 1]);
const boundaryUuid = uuid();
const postTokens = 11_430;
const linesB = [
  ...threadB.lines,
  JSON.stringify({ parentUuid: null, logicalParentUuid: last.uuid, isSidechain: false, userType: 'external', cwd: CWD, sessionId: sessionB, version: VERSION, gitBranch: 'main', type: 'system', subtype: 'compact_boundary', content: 'Conversation compacted', isMeta: false, timestamp: iso(compactAt + 61_000), uuid: boundaryUuid, level: 'info', compactMetadata: { trigger: 'auto', preTokens } }),
  JSON.stringify({ parentUuid: boundaryUuid, isSidechain: false, userType: 'external', cwd: CWD, sessionId: sessionB, version: VERSION, gitBranch: 'main', type: 'user', message: { role: 'user', content: 'This session is being continued from a previous conversation that ran out of context. Summary: tax helper extracted, 4 of 7 flows migrated.' }, isVisibleInTranscriptOnly: true, isCompactSummary: true, uuid: uuid(), timestamp: iso(compactAt + 61_000) }),
];
const afterB = claudeThread({
  sessionId: sessionB,
  model: 'claude-sonnet-4-5-20250929',
  ttlMs: 3_600_000,
  oneHour: true,
  start: compactAt + 62_000,
  gaps: {},
  calls: postCompact,
  sidechain: false,
  systemTokens: postTokens,
  prompt: 'continue',
  toolOffset: 2,
});
// The continued thread starts with the compacted context: its first user line is the summary above.
write(join(ROOT, 'claude-code', PROJECT_DIR, `${sessionB}.jsonl`), [...linesB, ...afterB.lines.slice(1)]);

// ---- claude -p stream-json: Sonnet 4.5 on an API key (5-minute cache) plus a hidden Haiku side call.
const PRICES = {
  'claude-sonnet-4-5-20250929': { input: 3, w5m: 3.75, w1h: 6, read: 0.3, output: 15 },
  'claude-haiku-4-5-20251001': { input: 1, w5m: 1.25, w1h: 2, read: 0.1, output: 5 },
};
const streamSession = uuid();
const sj = claudeThread({
  sessionId: streamSession,
  model: 'claude-sonnet-4-5-20250929',
  ttlMs: 300_000,
  oneHour: false,
  start: Date.UTC(2026, 0, 14, 8, 0, 0),
  gaps: {},
  calls: calls(7, { final: 'Renamed the flag in 5 files; tests pass.', maxAppend: 2200, maxOut: 400 }),
  sidechain: false,
  systemTokens: 13_900,
  prompt: 'Rename the --dry flag to --dry-run everywhere.',
  toolOffset: 3,
});
const streamLines = [JSON.stringify({ type: 'system', subtype: 'init', cwd: CWD, session_id: streamSession, tools: ['Task', 'Bash', 'Glob', 'Grep', 'Read', 'Edit', 'Write'], mcp_servers: [], model: 'claude-sonnet-4-5-20250929', permissionMode: 'default', apiKeySource: 'ANTHROPIC_API_KEY' })];
const byMsg = new Map();
for (const l of sj.lines) {
  const o = JSON.parse(l);
  if (o.type === 'assistant') {
    streamLines.push(JSON.stringify({ type: 'assistant', message: o.message, parent_tool_use_id: null, session_id: streamSession }));
    byMsg.set(o.message.id, o.message.usage);
  } else if (o.type === 'user' && Array.isArray(o.message.content)) {
    streamLines.push(JSON.stringify({ type: 'user', message: o.message, parent_tool_use_id: null, session_id: streamSession }));
  }
}
const sum = { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
let sonnetCost = 0;
const p = PRICES['claude-sonnet-4-5-20250929'];
for (const u of byMsg.values()) {
  for (const k of Object.keys(sum)) sum[k] += u[k];
  sonnetCost += (u.input_tokens * p.input + u.cache_creation_input_tokens * p.w5m + u.cache_read_input_tokens * p.read + u.output_tokens * p.output) / 1e6;
}
const side = { inputTokens: 612, outputTokens: 38, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
const h = PRICES['claude-haiku-4-5-20251001'];
const sideCost = (side.inputTokens * h.input + side.outputTokens * h.output) / 1e6;
streamLines.push(
  JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: sj.end - Date.UTC(2026, 0, 14, 8, 0, 0),
    duration_api_ms: sj.end - Date.UTC(2026, 0, 14, 8, 0, 0) - 9_000,
    num_turns: byMsg.size,
    result: 'Renamed the flag in 5 files; tests pass.',
    session_id: streamSession,
    total_cost_usd: sonnetCost + sideCost,
    usage: { ...sum, server_tool_use: { web_search_requests: 0 }, service_tier: 'standard' },
    modelUsage: {
      'claude-sonnet-4-5-20250929': { inputTokens: sum.input_tokens, outputTokens: sum.output_tokens, cacheReadInputTokens: sum.cache_read_input_tokens, cacheCreationInputTokens: sum.cache_creation_input_tokens, webSearchRequests: 0, costUSD: sonnetCost, contextWindow: 200000 },
      'claude-haiku-4-5-20251001': { ...side, webSearchRequests: 0, costUSD: sideCost, contextWindow: 200000 },
    },
    permission_denials: [],
    uuid: uuid(),
  }),
);
write(join(ROOT, 'claude-stream-json', 'run.jsonl'), streamLines);

// ---- Codex CLI rollout: gpt-5-codex, cumulative token_count events (with repeats), a model switch and a compaction.
const codexId = uuid();
let ct = Date.UTC(2026, 0, 14, 10, 2, 11, 402);
const codex = [];
const env = (type, payload) => codex.push(JSON.stringify({ timestamp: iso(ct), type, payload }));
env('session_meta', { id: codexId, timestamp: iso(ct), cwd: CWD, originator: 'codex_cli_rs', cli_version: '0.121.0', instructions: null, source: 'cli', model_provider: 'openai', git: { commit_hash: hex(40), branch: 'main' } });
let model = 'gpt-5-codex';
env('turn_context', { cwd: CWD, approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' }, model, effort: 'medium', summary: 'auto' });
env('response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/home/dev/shop</cwd>\n</environment_context>' }] });
env('event_msg', { type: 'user_message', message: 'Add a --json flag to the export command.', images: [] });
env('event_msg', { type: 'token_count', info: null, rate_limits: { primary: { used_percent: 3.0, window_minutes: 299 } } });
const total = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 };
let ctx = 9_800;
let cachedCtx = 0;
for (let i = 0; i < 14; i++) {
  if (i === 9) {
    ct += 40_000;
    env('compacted', { message: 'Summary: export command reads rows, --json flag parsed, serializer pending.' });
    env('event_msg', { type: 'context_compacted' });
    ctx = 7_400;
    cachedCtx = 0;
  }
  if (i === 6) {
    model = 'gpt-5';
    env('turn_context', { cwd: CWD, approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' }, model, effort: 'high', summary: 'auto' });
  }
  ct += int(3000, 20000);
  const append = int(300, 3500);
  const input = ctx + append;
  // OpenAI caches whole 128-token blocks of the previous prompt.
  const cached = i === 0 || i === 6 ? 0 : Math.floor(cachedCtx / 128) * 128;
  const reasoning = int(0, 900);
  const output = reasoning + int(30, 600);
  const last = { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: reasoning, total_tokens: input + output };
  for (const k of Object.keys(total)) total[k] += last[k];
  env('response_item', { type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', 'rg -n "export" src'] }), call_id: `call_${b58(24)}` });
  env('event_msg', { type: 'token_count', info: { total_token_usage: { ...total }, last_token_usage: last, model_context_window: 272000 }, rate_limits: { primary: { used_percent: 3 + i * 0.4, window_minutes: 299 } } });
  if (i % 3 === 1) env('event_msg', { type: 'token_count', info: { total_token_usage: { ...total }, last_token_usage: last, model_context_window: 272000 }, rate_limits: { primary: { used_percent: 3 + i * 0.4, window_minutes: 299 } } });
  cachedCtx = input;
  ctx = input + output;
}
env('event_msg', { type: 'agent_message', message: 'Added --json to export; 9 tests pass.' });
write(join(ROOT, 'codex', `rollout-2026-01-14T10-02-11-${codexId}.jsonl`), codex);
console.log('samples written');

/**
 * Text the generator pastes into prompts, tool inputs and tool results. Built
 * once per seed as one big JSON-escaped string cut at fragment boundaries, so
 * any slice between two boundaries is itself a valid JSON string body and a
 * 200 KB tool result costs one `substring`, not 200 KB of escaping.
 *
 * The fragments are chosen to trip scanners that take shortcuts: JSON snippets
 * with `"usage"` objects and fake request ids (escaped, inside strings),
 * unbalanced braces, backslashes and escaped quotes, non-ASCII prose, emoji
 * (surrogate pairs, ZWJ sequences), U+2028/U+2029, control characters.
 */
import { Rng } from './prng.js';

const CODE = [
  "import { readFileSync } from 'node:fs';",
  'export function parseUsage(line: string): Usage | null {',
  '  const obj = JSON.parse(line) as { message?: { usage?: Usage } };',
  '  if (!obj.message?.usage) return null; // no usage: user line',
  '  return { ...obj.message.usage, total: sum(obj.message.usage) };',
  '}',
  'for (let i = 0; i < rows.length; i++) { if (rows[i].id === id) return rows[i]; }',
  'const re = /"usage"\\s*:\\s*\\{[^}]*\\}/g; // brittle on purpose',
  'def load(path: str) -> dict:\n    with open(path, encoding="utf-8") as f:\n        return json.load(f)',
  'fn main() -> Result<(), Box<dyn Error>> { let v: Value = serde_json::from_str(&s)?; Ok(()) }',
  'SELECT session_id, SUM(input_tokens) AS "input" FROM usage WHERE model = \'claude\' GROUP BY 1;',
  '    expect(result).toEqual({ usage: { input_tokens: 12, output_tokens: 34 } });',
  'const path = "C:\\\\Users\\\\dev\\\\project\\\\src\\\\index.ts";',
  'printf("%s\\t%d\\n", name, count);',
  'if (s.startsWith(\'{"type":"user"\')) continue; // skip user lines fast',
  '  "scripts": { "build": "tsc -p .", "test": "node --test" },',
  'throw new Error(`unexpected token } at ${pos}: ${JSON.stringify(text.slice(pos, pos + 20))}`);',
];

const LOGS = [
  '2025-09-03T10:22:11.123Z INFO  server listening on http://localhost:3000',
  '2025-09-03T10:22:12.456Z WARN  slow query (812 ms): SELECT * FROM sessions',
  '  ✓ parses streamed calls (3 ms)',
  '  ✗ dedupes resumed copies (12 ms)',
  'npm ERR! code ERESOLVE',
  '    at Object.<anonymous> (/home/dev/app/src/index.ts:42:13)',
  'error[E0308]: mismatched types --> src/main.rs:14:9',
  'Tests: 1 failed, 211 passed, 212 total',
  '$ git status --short\n M src/ingest/lines.ts\n?? bench-data/',
  'drwxr-xr-x  5 dev dev 4096 Sep  3 10:22 node_modules',
];

const TRICKY = [
  // A full fake Claude Code line pasted as text (e.g. `cat` of a log file).
  '{"type":"assistant","message":{"id":"msg_FAKE","model":"claude-opus-4-1","usage":{"input_tokens":999999,"cache_creation_input_tokens":888888,"cache_read_input_tokens":777777,"output_tokens":666666}},"requestId":"req_FAKE","timestamp":"2025-01-01T00:00:00.000Z"}',
  '{"usage":{"input_tokens":999999,"output_tokens":1}} and "usage":{"cache_read_input_tokens":5555555}',
  'He said "use \\"usage\\" not \\\\usage\\\\" and left } ] } without closing {[',
  '}}}]]] "type":"assistant" {{{[[[ "requestId":"req_NOT_A_REQUEST"',
  'Windows path: C:\\Program Files\\nodejs\\node.exe and UNC \\\\server\\share\\',
  'tab\there, bell\u0007, nul\u0000, escape\u001b[31mred\u001b[0m',
  'line separator\u2028inside and paragraph separator\u2029too',
  'キャッシュの有効期限が切れました。セッションを再開してください。',
  '缓存命中率很高，但是压缩之后需要重新写入。',
  'Привет, мир! Ошибка: превышен лимит токенов.',
  'Emoji: 🚀 ✅ 🔥 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ∑∫√ — “quotes” ‘single’ …',
  'mixed: café naïve Ærøskøbing 한국어 عربى עברית ελληνικά',
  '"\\u0022usage\\u0022": {"input_tokens": 123}',
  '{"toolUseResult":{"usage":{"input_tokens":424242,"output_tokens":4242}}}',
];

const PROSE = [
  'The cache write happens on the first request after an idle gap longer than the TTL.',
  'I refactored the parser to stream lines instead of loading the whole file in memory.',
  'Let me check the tests first, then update the README with the new flags.',
  'The benchmark shows the scanner is bound by memory bandwidth, not by JSON parsing.',
  'Compaction replaced 180,000 tokens of history with a 9,000-token summary.',
  'All 212 tests pass; the remaining failure was a flaky timeout on CI.',
];

export interface Corpus {
  /** One big JSON-escaped string (no surrounding quotes). */
  text: string;
  /** Offsets in `text` where a fragment starts; slices between two are valid escaped JSON. */
  boundaries: number[];
  /** Random base64 (multiple of 4 chars), sliced for image blocks and signatures. */
  base64: string;
}

export function escapeJsonBody(raw: string): string {
  return JSON.stringify(raw).slice(1, -1);
}

/** Builds the corpus for a seed; ~`approxChars` of escaped text. */
export function buildCorpus(seed: number, approxChars = 3_000_000): Corpus {
  const rng = new Rng(seed ^ 0x5eed);
  const parts: string[] = [];
  const boundaries: number[] = [];
  let length = 0;
  while (length < approxChars) {
    const r = rng.float();
    const pool = r < 0.45 ? CODE : r < 0.7 ? LOGS : r < 0.85 ? PROSE : TRICKY;
    const fragment = escapeJsonBody(`${rng.pick(pool)}\n`);
    boundaries.push(length);
    parts.push(fragment);
    length += fragment.length;
  }
  boundaries.push(length);
  const bytes = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE(rng.u32(), i);
  return { text: parts.join(''), boundaries, base64: bytes.toString('base64') };
}

/** A valid escaped JSON string body of about `chars` characters (at least one fragment). */
export function sliceCorpus(corpus: Corpus, rng: Rng, chars: number): string {
  const { text, boundaries } = corpus;
  const want = Math.min(chars, text.length - 1);
  // Pick a start fragment whose offset leaves room for `want` characters.
  const maxStart = text.length - want;
  let lo = 0;
  let hi = boundaries.length - 1;
  const startOffset = Math.floor(rng.float() * maxStart);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((boundaries[mid] as number) <= startOffset) lo = mid;
    else hi = mid - 1;
  }
  const start = boundaries[lo] as number;
  // First boundary at or after start + want.
  let a = lo + 1;
  let b = boundaries.length - 1;
  const target = start + want;
  while (a < b) {
    const mid = (a + b) >> 1;
    if ((boundaries[mid] as number) >= target) b = mid;
    else a = mid + 1;
  }
  return text.substring(start, boundaries[a] as number);
}

/** Base64 of about `chars` characters (multiple of 4). */
export function sliceBase64(corpus: Corpus, rng: Rng, chars: number): string {
  const n = Math.max(4, Math.min(corpus.base64.length, chars - (chars % 4)));
  const start = Math.floor(rng.float() * ((corpus.base64.length - n) / 4)) * 4;
  return corpus.base64.substring(start, start + n);
}

/**
 * Reference ceiling for `npm run bench`: how fast a Node scanner can total
 * Claude Code usage when it never decodes what it does not need. Not part of
 * token-econ; it exists so the bench can show, in the same run, what the
 * design recommended for src/ingest reaches on this machine.
 *
 * - Lines are split and scanned as BYTES (no UTF-8 decoding of tool output).
 * - Each line's top-level object is walked structurally: strings are jumped
 *   with Buffer.indexOf(0x22) (memchr) plus a backslash-parity check, nested
 *   values by bracket matching; a cut or unbalanced line is rejected as
 *   invalid, like JSON.parse would (literals inside skipped values are not
 *   checked).
 * - Keys are compared as bytes; only `type`, `requestId` and `message` are
 *   looked at. For `"type":"assistant"` lines the `message` object is walked
 *   the same way and only `id`, `model` and `usage` are decoded (JSON.parse
 *   of the ~300-byte usage object).
 * - Requests are deduplicated by requestId, else message.id; the last line of
 *   a request wins (the final usage; placeholders come first).
 *
 * - `--workers N` splits the work (files largest first, files above 64 MB in
 *   byte ranges) over N worker threads and merges the per-request records.
 *
 *   node dist/scripts/bench/byte-scan.js <dir> [--outer-only] [--workers N]   → prints totals as JSON
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Index just past the closing quote of the string whose opening quote is at `pos`, or -1. */
function skipString(b: Buffer, pos: number, end: number): number {
  let i = pos + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, i);
    if (q < 0 || q >= end) return -1;
    let k = q - 1;
    while (k > pos && b[k] === BACKSLASH) k--;
    if (((q - 1 - k) & 1) === 0) return q + 1;
    i = q + 1;
  }
}

const stack = new Uint8Array(4096);

/** Index just past the value starting at `pos`, or -1 when structurally broken. */
function skipValue(b: Buffer, pos: number, end: number): number {
  const c = b[pos] as number;
  if (c === QUOTE) return skipString(b, pos, end);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    stack[depth++] = c;
    let i = pos + 1;
    while (i < end) {
      const ch = b[i] as number;
      if (ch === QUOTE) {
        i = skipString(b, i, end);
        if (i < 0) return -1;
        continue;
      }
      if (ch === 0x7b || ch === 0x5b) {
        if (depth >= stack.length) return -1;
        stack[depth++] = ch;
      } else if (ch === 0x7d || ch === 0x5d) {
        const open = stack[--depth];
        if ((ch === 0x7d && open !== 0x7b) || (ch === 0x5d && open !== 0x5b)) return -1;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  let i = pos;
  while (i < end) {
    const ch = b[i] as number;
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d || isWs(ch)) break;
    i++;
  }
  return i > pos ? i : -1;
}

function keyIs(b: Buffer, start: number, end: number, key: Buffer): boolean {
  // start/end include the quotes.
  if (end - start - 2 !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (b[start + 1 + i] !== key[i]) return false;
  return true;
}

const K_TYPE = Buffer.from('type');
const K_REQUEST_ID = Buffer.from('requestId');
const K_MESSAGE = Buffer.from('message');
const K_ID = Buffer.from('id');
const K_MODEL = Buffer.from('model');
const K_USAGE = Buffer.from('usage');
const V_ASSISTANT = Buffer.from('"assistant"');
const K_USAGE_QUOTED = Buffer.from('"usage"');

/** Spans of wanted keys in one object; -1 when absent. */
interface Spans {
  a0: number;
  a1: number;
  b0: number;
  b1: number;
  c0: number;
  c1: number;
}

/**
 * Walks the object at [pos, end): fills spans of keys ka/kb/kc; returns the
 * index past the object, or -1 when broken.
 */
function scanObject(b: Buffer, pos: number, end: number, ka: Buffer, kb: Buffer, kc: Buffer, out: Spans): number {
  out.a0 = out.b0 = out.c0 = -1;
  let i = pos;
  while (i < end && isWs(b[i] as number)) i++;
  if (b[i] !== 0x7b) return -1;
  i++;
  let first = true;
  for (;;) {
    while (i < end && isWs(b[i] as number)) i++;
    if (i >= end) return -1;
    if (b[i] === 0x7d) return i + 1;
    if (!first) {
      if (b[i] !== 0x2c) return -1;
      i++;
      while (i < end && isWs(b[i] as number)) i++;
    }
    if (b[i] !== QUOTE) return -1;
    const k0 = i;
    const k1 = skipString(b, i, end);
    if (k1 < 0) return -1;
    i = k1;
    while (i < end && isWs(b[i] as number)) i++;
    if (b[i] !== 0x3a) return -1;
    i++;
    while (i < end && isWs(b[i] as number)) i++;
    if (i >= end) return -1;
    const v0 = i;
    const v1 = skipValue(b, i, end);
    if (v1 < 0) return -1;
    if (keyIs(b, k0, k1, ka)) {
      out.a0 = v0;
      out.a1 = v1;
    } else if (keyIs(b, k0, k1, kb)) {
      out.b0 = v0;
      out.b1 = v1;
    } else if (keyIs(b, k0, k1, kc)) {
      out.c0 = v0;
      out.c1 = v1;
    }
    i = v1;
    first = false;
  }
}

export interface ByteScanTotals {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  requests: number;
  lines: number;
  invalidLines: number;
  files: number;
  bytes: number;
}

/** input, 5m, 1h, read, output, file index, byte offset of the line (orders "last line wins" across ranges). */
type Row = [number, number, number, number, number, number, number];

class Scanner {
  readonly byKey = new Map<string, Row>();
  lines = 0;
  invalidLines = 0;
  private anon = 0;
  private readonly top: Spans = { a0: -1, a1: -1, b0: -1, b1: -1, c0: -1, c1: -1 };
  private readonly msg: Spans = { a0: -1, a1: -1, b0: -1, b1: -1, c0: -1, c1: -1 };

  constructor(private readonly outerOnly: boolean) {}

  /** Index of the current file in the sorted list, and file offset of buf[0]. */
  fileIndex = 0;
  bufOffset = 0;

  line(b: Buffer, s: number, e: number): void {
    const lineOffset = this.bufOffset + s;
    if (e > s && b[e - 1] === 0x0d) e--;
    while (s < e && isWs(b[s] as number)) s++;
    while (e > s && isWs(b[e - 1] as number)) e--;
    if (s >= e) return;
    this.lines++;
    if (this.outerOnly) {
      // --outer-only: a line without the bytes `"usage"` cannot bill; check only its outer braces.
      const u = b.indexOf(K_USAGE_QUOTED, s);
      if (u < 0 || u >= e) {
        if (b[s] !== 0x7b || b[e - 1] !== 0x7d) this.invalidLines++;
        return;
      }
    }
    const top = this.top;
    let end = scanObject(b, s, e, K_TYPE, K_REQUEST_ID, K_MESSAGE, top);
    if (end >= 0) while (end < e && isWs(b[end] as number)) end++;
    if (end !== e) {
      this.invalidLines++;
      return;
    }
    if (top.a0 < 0 || top.a1 - top.a0 !== V_ASSISTANT.length || b.compare(V_ASSISTANT, 0, V_ASSISTANT.length, top.a0, top.a1) !== 0) return;
    if (top.c0 < 0) return;
    const msg = this.msg;
    if (scanObject(b, top.c0, top.c1, K_ID, K_MODEL, K_USAGE, msg) < 0 || msg.c0 < 0) return;
    if (msg.b0 >= 0 && b.toString('latin1', msg.b0, msg.b1) === '"<synthetic>"') return;
    let u: { input_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number; output_tokens?: number; cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } };
    try {
      u = JSON.parse(b.toString('utf8', msg.c0, msg.c1)) as typeof u;
    } catch {
      this.invalidLines++;
      return;
    }
    const key =
      top.b0 >= 0 && b[top.b0] === QUOTE
        ? b.toString('utf8', top.b0, top.b1)
        : msg.a0 >= 0 && b[msg.a0] === QUOTE
          ? b.toString('utf8', msg.a0, msg.a1)
          : `anon:${this.anon++}`;
    const creation = u.cache_creation_input_tokens ?? 0;
    const w5m = u.cache_creation ? (u.cache_creation.ephemeral_5m_input_tokens ?? 0) : creation;
    const w1h = u.cache_creation ? (u.cache_creation.ephemeral_1h_input_tokens ?? 0) : 0;
    this.byKey.set(key, [u.input_tokens ?? 0, w5m, w1h, u.cache_read_input_tokens ?? 0, u.output_tokens ?? 0, this.fileIndex, lineOffset]);
  }
}

function listJsonl(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listJsonl(path, out);
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(path);
  }
  return out;
}

const CHUNK = 4 * 1024 * 1024;

/** A byte range of one file. */
interface WorkItem {
  file: string;
  fileIndex: number;
  start: number;
  end: number;
}

/** Scans the lines that START in [start, end) of one file (a line belongs to the range holding its first byte). */
function scanRange(scanner: Scanner, item: WorkItem, state: { buf: Buffer; bytes: number }): void {
  const fd = openSync(item.file, 'r');
  scanner.fileIndex = item.fileIndex;
  let pos = item.start > 0 ? item.start - 1 : 0;
  let skipFirst = item.start > 0; // skip up to the first newline at or after start - 1
  let bufOffset = pos;
  let carry = 0;
  try {
    for (;;) {
      let buf = state.buf;
      if (carry === buf.length) {
        // A line longer than the buffer: grow (memory bounded by the longest line).
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        state.buf = buf = bigger;
      }
      const n = readSync(fd, buf, carry, buf.length - carry, pos);
      pos += n;
      state.bytes += n;
      const filled = carry + n;
      let s = 0;
      let from = carry;
      if (skipFirst) {
        const nl = buf.indexOf(0x0a, 0);
        if (nl < 0 || nl >= filled) {
          if (n === 0) return;
          bufOffset += filled;
          carry = 0;
          continue;
        }
        s = from = nl + 1;
        skipFirst = false;
      }
      scanner.bufOffset = bufOffset;
      for (;;) {
        if (bufOffset + s >= item.end) return;
        const nl = buf.indexOf(0x0a, from);
        if (nl < 0 || nl >= filled) break;
        scanner.line(buf, s, nl);
        s = from = nl + 1;
      }
      if (n === 0) {
        if (s < filled && bufOffset + s < item.end) scanner.line(buf, s, filled);
        return;
      }
      carry = filled - s;
      if (carry > 0 && s > 0) buf.copy(buf, 0, s, filled);
      bufOffset += s;
    }
  } finally {
    closeSync(fd);
    state.bytes -= Math.max(0, pos - item.end); // bytes read past the range belong to the next one
    if (item.start > 0) state.bytes -= 1;
  }
}

/** Files sorted by path; files above RANGE_BYTES split into ranges so workers share the huge ones. */
function workItems(dir: string, rangeBytes: number): { files: string[]; items: WorkItem[] } {
  const files = listJsonl(dir, []);
  const items: WorkItem[] = [];
  files.forEach((file, fileIndex) => {
    const size = statSync(file).size;
    if (size === 0) return;
    for (let start = 0; start < size; start += rangeBytes) items.push({ file, fileIndex, start, end: Math.min(size, start + rangeBytes) });
  });
  return { files, items };
}

interface PartialResult {
  rows: Array<[string, ...Row]>;
  lines: number;
  invalidLines: number;
  bytes: number;
}

function scanItems(items: WorkItem[], outerOnly: boolean): PartialResult {
  const scanner = new Scanner(outerOnly);
  const state = { buf: Buffer.allocUnsafe(CHUNK), bytes: 0 };
  for (const item of items) scanRange(scanner, item, state);
  return {
    rows: [...scanner.byKey].map(([k, r]) => [k, ...r] as [string, ...Row]),
    lines: scanner.lines,
    invalidLines: scanner.invalidLines,
    bytes: state.bytes,
  };
}

function merge(parts: PartialResult[], files: number): ByteScanTotals {
  const best = new Map<string, Row>();
  for (const p of parts) {
    for (const [key, ...r] of p.rows) {
      const cur = best.get(key);
      // The last line of a request (highest file index, then offset) wins.
      if (!cur || r[5] > cur[5] || (r[5] === cur[5] && r[6] > cur[6])) best.set(key, r as Row);
    }
  }
  const t: ByteScanTotals = {
    inputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 0,
    requests: best.size,
    lines: parts.reduce((a, p) => a + p.lines, 0),
    invalidLines: parts.reduce((a, p) => a + p.invalidLines, 0),
    files,
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
  };
  for (const r of best.values()) {
    t.inputTokens += r[0];
    t.cacheWrite5mTokens += r[1];
    t.cacheWrite1hTokens += r[2];
    t.cacheReadTokens += r[3];
    t.outputTokens += r[4];
  }
  return t;
}

const RANGE_BYTES = 64 * 1024 * 1024;

/**
 * Single-threaded scan. `outerOnly`: lines whose bytes do not contain
 * `"usage"` are only checked for their outer braces (a line cut mid-write
 * fails that; damage inside a non-billable line goes unnoticed). Lines that
 * may bill are always scanned strictly. `rangeBytes` splits big files into
 * ranges (same result; exercised by tests).
 */
export function byteScan(dir: string, outerOnly = false, rangeBytes = RANGE_BYTES): ByteScanTotals {
  const { files, items } = workItems(dir, rangeBytes);
  return merge([scanItems(items, outerOnly)], files.length);
}

/** The same scan on `workers` threads: items handed out largest first (LPT), partial results merged. */
export async function byteScanParallel(dir: string, workers: number, outerOnly = false, rangeBytes = RANGE_BYTES): Promise<ByteScanTotals> {
  const { files, items } = workItems(dir, rangeBytes);
  const sorted = [...items].sort((a, b) => b.end - b.start - (a.end - a.start));
  const loads = Array.from({ length: workers }, () => ({ bytes: 0, items: [] as WorkItem[] }));
  for (const it of sorted) {
    const least = loads.reduce((m, l) => (l.bytes < m.bytes ? l : m));
    least.items.push(it);
    least.bytes += it.end - it.start;
  }
  const parts = await Promise.all(
    loads.map(
      (l) =>
        new Promise<PartialResult>((resolvePart, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: { items: l.items, outerOnly } });
          w.once('message', (m: PartialResult) => resolvePart(m));
          w.once('error', reject);
        }),
    ),
  );
  return merge(parts, files.length);
}

if (!isMainThread && parentPort) {
  const data = workerData as { items: WorkItem[]; outerOnly: boolean };
  parentPort.postMessage(scanItems(data.items, data.outerOnly));
}

if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: byte-scan <dir>\n');
    process.exit(2);
  }
  const outerOnly = process.argv.includes('--outer-only');
  const wi = process.argv.indexOf('--workers');
  const workers = wi > 0 ? Number(process.argv[wi + 1]) : 1;
  const totals = workers > 1 ? await byteScanParallel(dir, workers, outerOnly) : byteScan(dir, outerOnly);
  process.stdout.write(`${JSON.stringify(totals)}\n`);
}

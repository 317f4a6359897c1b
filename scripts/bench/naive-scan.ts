/**
 * Baseline for `npm run bench`: the obvious Node implementation — readline over
 * every *.jsonl file, JSON.parse of EVERY line, sum `message.usage` of assistant
 * lines deduplicated by requestId (else message.id), last line wins. Measured
 * in the same run as token-econ and ccusage so figures are ratios, not
 * absolute claims about a machine.
 *
 *   node dist/scripts/bench/naive-scan.js <dir>    → prints totals as JSON
 */
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

export interface NaiveTotals {
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

interface UsageLike {
  input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  output_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number };
}

type Row = [input: number, w5m: number, w1h: number, read: number, output: number];

function listJsonl(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listJsonl(path, out);
    else if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(path);
  }
  return out;
}

export async function naiveScan(dir: string): Promise<NaiveTotals> {
  const byKey = new Map<string, Row>();
  let lines = 0;
  let invalidLines = 0;
  let bytes = 0;
  const files = listJsonl(dir, []);
  for (const file of files) {
    const stream = createReadStream(file);
    stream.on('data', (chunk) => {
      bytes += chunk.length;
    });
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    for await (const line of rl) {
      if (line.length === 0) continue;
      lines++;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        invalidLines++;
        continue;
      }
      const rec = obj as { type?: unknown; requestId?: unknown; message?: { id?: unknown; model?: unknown; usage?: UsageLike } };
      if (rec.type !== 'assistant' || !rec.message || !rec.message.usage) continue;
      if (rec.message.model === '<synthetic>') continue;
      const key = typeof rec.requestId === 'string' ? rec.requestId : typeof rec.message.id === 'string' ? rec.message.id : null;
      const u = rec.message.usage;
      const creation = u.cache_creation_input_tokens ?? 0;
      const w5m = u.cache_creation ? (u.cache_creation.ephemeral_5m_input_tokens ?? 0) : creation;
      const w1h = u.cache_creation ? (u.cache_creation.ephemeral_1h_input_tokens ?? 0) : 0;
      const row: Row = [u.input_tokens ?? 0, w5m, w1h, u.cache_read_input_tokens ?? 0, u.output_tokens ?? 0];
      byKey.set(key ?? `line:${file}:${lines}`, row);
    }
  }
  const t: NaiveTotals = {
    inputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 0,
    requests: byKey.size,
    lines,
    invalidLines,
    files: files.length,
    bytes,
  };
  for (const r of byKey.values()) {
    t.inputTokens += r[0];
    t.cacheWrite5mTokens += r[1];
    t.cacheWrite1hTokens += r[2];
    t.cacheReadTokens += r[3];
    t.outputTokens += r[4];
  }
  return t;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: naive-scan <dir>\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await naiveScan(dir))}\n`);
}

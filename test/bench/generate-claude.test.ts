import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateClaudeDataset, type Ledger, type TokenLedgerTotals } from '../../scripts/bench/generate-claude.js';
import { naiveScan } from '../../scripts/bench/naive-scan.js';
import { byteScan, byteScanParallel } from '../../scripts/bench/byte-scan.js';

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else out.push(p);
  }
  return out.sort();
}

function fingerprint(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files(dir)) m.set(relative(dir, f), createHash('sha256').update(readFileSync(f)).digest('hex'));
  return m;
}

function generate(seed: number, targetBytes: number, hugeFileBytes?: number): { dir: string; ledger: Ledger } {
  const dir = mkdtempSync(join(tmpdir(), 'te-bench-'));
  const ledger = generateClaudeDataset({ dir, targetBytes, seed, ...(hugeFileBytes === undefined ? {} : { hugeFileBytes }) });
  return { dir, ledger };
}

/** Independent oracle: JSON.parse every line, dedupe by requestId else message.id, the last line of a request wins. */
function recompute(dir: string): { totals: TokenLedgerTotals; invalid: number; lines: string[] } {
  const byKey = new Map<string, number[]>();
  let invalid = 0;
  const lines: string[] = [];
  for (const f of files(join(dir, 'projects'))) {
    assert.ok(f.endsWith('.jsonl'), f);
    const text = readFileSync(f, 'utf8');
    assert.ok(text.endsWith('\n'), `${f} ends with a newline`);
    for (const line of text.split('\n')) {
      if (line === '') continue;
      lines.push(line);
      let obj: any;
      try {
        obj = JSON.parse(line);
      } catch {
        invalid++;
        continue;
      }
      if (obj.type !== 'assistant' || obj.message?.model === '<synthetic>') continue;
      const u = obj.message.usage;
      const split = u.cache_creation;
      byKey.set(obj.requestId ?? obj.message.id, [
        u.input_tokens,
        split ? split.ephemeral_5m_input_tokens : u.cache_creation_input_tokens,
        split ? split.ephemeral_1h_input_tokens : 0,
        u.cache_read_input_tokens,
        u.output_tokens,
      ]);
    }
  }
  const totals: TokenLedgerTotals = { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0, requests: byKey.size };
  for (const [i, w5, w1, r, o] of byKey.values() as Iterable<number[]>) {
    totals.inputTokens += i as number;
    totals.cacheWrite5mTokens += w5 as number;
    totals.cacheWrite1hTokens += w1 as number;
    totals.cacheReadTokens += r as number;
    totals.outputTokens += o as number;
  }
  return { totals, invalid, lines };
}

const SMALL = 3_000_000;
const shared = generate(42, SMALL);

test('same seed and size give byte-identical data; another seed gives other data', () => {
  const again = generate(42, SMALL);
  const other = generate(43, SMALL);
  try {
    assert.deepEqual(fingerprint(again.dir), fingerprint(shared.dir));
    assert.deepEqual(again.ledger, shared.ledger);
    assert.notDeepEqual(other.ledger.totals, shared.ledger.totals);
  } finally {
    rmSync(again.dir, { recursive: true, force: true });
    rmSync(other.dir, { recursive: true, force: true });
  }
});

test('data reaches the target size and uses the Claude Code projects layout', () => {
  const all = files(join(shared.dir, 'projects'));
  const bytes = all.reduce((a, f) => a + statSync(f).size, 0);
  assert.equal(bytes, shared.ledger.bytes);
  assert.ok(bytes >= SMALL && bytes < SMALL * 1.5, `bytes ${bytes}`);
  assert.equal(all.length, shared.ledger.files);
  const rel = all.map((f) => relative(join(shared.dir, 'projects'), f));
  const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
  assert.ok(rel.every((r) => new RegExp(`^-[^/]+/(${uuid}\\.jsonl|${uuid}/subagents/agent-[a-z_]*-?[0-9a-f]+\\.jsonl)$`).test(r)), rel.join('\n'));
  assert.ok(rel.some((r) => r.includes('/subagents/')), 'has subagent files');
  assert.ok(statSync(join(shared.dir, 'ledger.json')).isFile());
});

test('every line is valid JSON except the malformed lines the ledger counts', () => {
  const { invalid, lines } = recompute(shared.dir);
  assert.equal(invalid, shared.ledger.counts.malformedLines);
  assert.equal(lines.length, shared.ledger.lines - countEmptyLines(shared.dir));
});

function countEmptyLines(dir: string): number {
  let n = 0;
  for (const f of files(join(dir, 'projects'))) for (const l of readFileSync(f, 'utf8').split('\n').slice(0, -1)) if (l === '') n++;
  return n;
}

test('ledger totals equal an independent recomputation and the naive baseline scan', async () => {
  const { totals } = recompute(shared.dir);
  assert.deepEqual(totals, shared.ledger.totals);
  const perModel = Object.values(shared.ledger.byModel).reduce((a, t) => a + t.outputTokens, 0);
  assert.equal(perModel, shared.ledger.totals.outputTokens);
  const naive = await naiveScan(join(shared.dir, 'projects'));
  assert.equal(naive.inputTokens, totals.inputTokens);
  assert.equal(naive.cacheWrite5mTokens, totals.cacheWrite5mTokens);
  assert.equal(naive.cacheWrite1hTokens, totals.cacheWrite1hTokens);
  assert.equal(naive.cacheReadTokens, totals.cacheReadTokens);
  assert.equal(naive.outputTokens, totals.outputTokens);
  assert.equal(naive.requests, totals.requests);
  assert.equal(naive.invalidLines, shared.ledger.counts.malformedLines);
});

test('the byte-level reference scanner finds the ledger totals and rejects the same lines as JSON.parse', () => {
  for (const outerOnly of [false, true]) {
    const t = byteScan(join(shared.dir, 'projects'), outerOnly);
    const { requests, ...tokens } = shared.ledger.totals;
    assert.deepEqual(
      { inputTokens: t.inputTokens, cacheWrite5mTokens: t.cacheWrite5mTokens, cacheWrite1hTokens: t.cacheWrite1hTokens, cacheReadTokens: t.cacheReadTokens, outputTokens: t.outputTokens },
      tokens,
    );
    assert.equal(t.requests, requests);
    assert.equal(t.invalidLines, shared.ledger.counts.malformedLines, `outerOnly=${outerOnly}`);
  }
});

test('byte-scan: splitting files into byte ranges and over worker threads changes nothing', async () => {
  const whole = byteScan(join(shared.dir, 'projects'));
  // Ranges far smaller than lines: a line belongs to the range holding its first byte.
  for (const rangeBytes of [4096, 65_536]) assert.deepEqual(byteScan(join(shared.dir, 'projects'), false, rangeBytes), whole, `range ${rangeBytes}`);
  assert.deepEqual(await byteScanParallel(join(shared.dir, 'projects'), 2, false, 100_000), whole);
  assert.equal(whole.bytes, shared.ledger.bytes);
});

test('the data contains the traps: placeholders, duplicates, nested and escaped usage, non-ASCII', () => {
  const { lines } = recompute(shared.dir);
  const c = shared.ledger.counts;
  const t = shared.ledger.totals;
  const v = shared.ledger.variants;
  // Placeholder usage on early lines: a first-line-wins tool undercounts output.
  assert.ok(c.placeholderCalls > 0 && v.firstLineWins.outputTokens < t.outputTokens);
  // Streamed calls span several lines: summing every line overcounts.
  assert.ok(c.multiLineCalls > 0 && v.everyLine.cacheReadTokens > t.cacheReadTokens);
  assert.ok(c.interleavedCalls > 0, 'tool_result between two lines of one call');
  assert.ok(c.nestedUsageLines > 0);
  const text = lines.join('\n');
  assert.ok(text.includes('\\"usage\\":{\\"input_tokens\\":999999'), 'escaped fake usage inside a string');
  assert.ok(/"toolUseResult":\{"content":.*"usage":\{"input_tokens"/.test(text), 'Task result with a nested usage object');
  assert.ok(/"name":"mcp__metrics__record","input":\{"metric":"tokens","usage":\{/.test(text), 'unescaped usage key inside tool_use input');
  assert.ok(text.includes('\u2028'), 'raw U+2028');
  assert.ok(text.includes('👨‍👩‍👧‍👦') && text.includes('キャッシュ'), 'emoji and non-ASCII');
  assert.ok(text.includes('"model":"<synthetic>"') || c.syntheticLines === 0);
  assert.ok(text.includes('"subtype":"compact_boundary"') === c.compactions > 0);
  assert.ok(lines.some((l) => l.startsWith('{"type":"file-history-snapshot"')));
});

test('a huge single file is generated when asked (bounded-memory case)', () => {
  const g = generate(7, 1_500_000, 1_000_000);
  try {
    assert.ok(g.ledger.largestFile.bytes >= 1_000_000, String(g.ledger.largestFile.bytes));
    assert.deepEqual(recompute(g.dir).totals, g.ledger.totals);
  } finally {
    rmSync(g.dir, { recursive: true, force: true });
  }
});

test('dense payloads (`--payload dense`): more requests per byte, the ledger still exact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-bench-'));
  try {
    const dense = generateClaudeDataset({ dir, targetBytes: SMALL, seed: 42, payloadScale: 1 / 16 });
    assert.equal(dense.payloadScale, 1 / 16);
    assert.equal(shared.ledger.payloadScale, 1);
    const bytesPerRequest = (l: Ledger): number => l.bytes / l.totals.requests;
    assert.ok(bytesPerRequest(dense) * 2 < bytesPerRequest(shared.ledger), `${bytesPerRequest(dense)} vs ${bytesPerRequest(shared.ledger)} bytes a request`);
    assert.deepEqual(recompute(dir).totals, dense.totals);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cleanup', () => {
  rmSync(shared.dir, { recursive: true, force: true });
});

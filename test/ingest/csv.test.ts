import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { csvFormat, parseColumnMapping, parseNumberCell } from '../../src/ingest/formats/csv.js';
import { apiJsonlFormat } from '../../src/ingest/formats/api-jsonl.js';
import { InputError } from '../../src/errors.js';
import { accountingHolds, parseFixture, parseText, totals } from '../helpers/parse.js';

const DIR = 'test/fixtures/csv';
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected-totals.json`, 'utf8')) as Record<string, Record<string, unknown>>;
const KEYS = ['inputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens', 'outputTokens'] as const;

function checkFile(name: string): ReturnType<typeof parseFixture> {
  const out = parseFixture(csvFormat, `${DIR}/${name}`, { file: `${DIR}/${name}` });
  const exp = EXPECTED[name]!;
  const t = totals(out.turns);
  assert.equal(t.turns, exp['turns']);
  for (const key of KEYS) assert.equal(t[key], exp[key], `${name} ${key}`);
  assert.equal(out.linesRead, exp['linesRead']);
  assert.equal(out.linesCounted, exp['linesCounted']);
  assert.equal(out.linesIgnored, exp['linesIgnored']);
  assert.equal(out.linesSkipped, exp['linesSkipped']);
  assert.ok(accountingHolds(out));
  for (const turn of out.turns) assert.equal(turn.promptTokens, turn.inputTokens + turn.cacheWrite5mTokens + turn.cacheWrite1hTokens + turn.cacheReadTokens);
  const columns = out.diagnostics.find((d) => d.code === 'csv-columns');
  if (exp['inputIncludesCached'] !== undefined) assert.equal(columns?.details?.['inputIncludesCached'], exp['inputIncludesCached']);
  return out;
}

test('Anthropic Console export: uncached input, 5m/1h writes, zero rows ignored', () => {
  const out = checkFile('anthropic-console.csv');
  assert.deepEqual([...new Set(out.turns.map((t) => t.project))].sort(), EXPECTED['anthropic-console.csv']!['projects']);
  assert.equal(out.turns[0]!.timestampMs, Date.UTC(2026, 2, 31, 2, 0));
  assert.ok(out.turns.every((t) => t.isCacheSplitKnown && t.provider === 'anthropic'));
  assert.equal(out.turns[0]!.sessionId, 'anthropic-console');
});

test('OpenAI usage export: input_tokens includes input_cached_tokens; thousands separators', () => {
  const out = checkFile('openai-usage.csv');
  assert.equal(out.turns[0]!.timestampMs, EXPECTED['openai-usage.csv']!['firstTimestampMs']);
  assert.equal(out.turns[0]!.project, 'proj_abc');
  assert.equal(out.turns[0]!.promptTokens, 1_250_000);
});

test('generic export: bad numbers are skipped with the CSV line and the reason; costs go to reportedCostUsd', () => {
  const out = checkFile('generic-traps.csv');
  const exp = EXPECTED['generic-traps.csv']!;
  const errors = out.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.source?.line), exp['skippedLines']);
  assert.ok(errors.every((d) => d.source?.file === `${DIR}/generic-traps.csv`));
  const reason = new Map(errors.map((d) => [d.source?.line, d.message]));
  assert.match(reason.get(3)!, /Input Tokens: negative/);
  assert.match(reason.get(4)!, /not a number/);
  assert.match(reason.get(5)!, /whole number/);
  assert.match(reason.get(8)!, /Cost \(USD\): negative/);
  assert.match(reason.get(9)!, /implausibly large/);
  assert.match(reason.get(11)!, /not a number/);
  const cost = out.turns.reduce((s, t) => s + (t.reportedCostUsd ?? 0), 0);
  assert.ok(Math.abs(cost - (exp['reportedCostUsd'] as number)) < 1e-12, String(cost));
  assert.deepEqual(out.turns.map((t) => t.dedupeKey), ['req_1', 'req_5', 'req_8']);
  assert.deepEqual(out.sessionInfo.map((s) => s.sessionId), exp['sessions']);
  assert.equal(out.turns[0]!.isCacheSplitKnown, false); // total writes only -> 5m by assumption
  assert.equal(out.turns[2]!.outputTokens, 1000); // "1 000"
});

test('--columns: a hand mapping with inputIncludesCached overrides the auto mapping', () => {
  const text = [
    'When;Which model;Prompt (all);Completion;Hits;Sess;Spend',
    '05.01.2026;gpt-4o;"12.000";500;8.000;a;"0,75"',
    '2026-01-06;gpt-4o;1000;20;0;a;0',
  ].join('\n');
  const columns = parseColumnMapping('timestamp=When,model=Which model,input=Prompt (all),output=Completion,cacheRead=Hits,session=Sess,cost=Spend,inputIncludesCached=true');
  const out = parseText(csvFormat, text, { file: 'eu.csv', extra: { columns } });
  assert.equal(out.linesSkipped, 0, JSON.stringify(out.diagnostics));
  assert.deepEqual(out.turns.map((t) => [t.inputTokens, t.cacheReadTokens, t.outputTokens]), [[4000, 8000, 500], [1000, 0, 20]]);
  assert.equal(out.turns[0]!.reportedCostUsd, 0.75);
  assert.equal(out.turns[0]!.timestampMs, null); // 05.01.2026 is not an ISO date: counted without a time
  assert.ok(out.diagnostics.some((d) => d.code === 'invalid-timestamp'));
  assert.equal(out.turns[1]!.timestampMs, Date.UTC(2026, 0, 6));
});

test('--columns naming a header the file lacks: every row skipped with the reason', () => {
  const out = parseText(csvFormat, 'model,input,output\ngpt-4o,1,2\n', { file: 'x.csv', extra: { columns: parseColumnMapping('input=Prompt Tokens') } });
  assert.equal(out.linesSkipped, 1);
  assert.match(out.diagnostics[0]!.message, /input=Prompt Tokens/);
});

test('parseColumnMapping: spaces in headers, errors for unknown roles, duplicates, empty values', () => {
  assert.deepEqual(parseColumnMapping('timestamp=Date,model=Model,input=Input Tokens,output=Output Tokens,cacheRead=Cached,cacheWrite=Cache Write,session=Session,cost=Cost USD,inputIncludesCached=true'), {
    timestamp: 'Date',
    model: 'Model',
    input: 'Input Tokens',
    output: 'Output Tokens',
    cacheRead: 'Cached',
    cacheWrite: 'Cache Write',
    session: 'Session',
    cost: 'Cost USD',
    inputIncludesCached: true,
  });
  assert.throws(() => parseColumnMapping('tokens=Input'), InputError);
  assert.throws(() => parseColumnMapping('input=A,input=B'), InputError);
  assert.throws(() => parseColumnMapping('input='), InputError);
  assert.throws(() => parseColumnMapping('inputIncludesCached=maybe'), InputError);
  assert.throws(() => parseColumnMapping(''), InputError);
});

test('parseNumberCell: separators, currencies, rejections', () => {
  const ok = (s: string): number | null => {
    const r = parseNumberCell(s);
    assert.ok(r.ok, s);
    return r.value;
  };
  assert.equal(ok('1,234,567'), 1234567);
  assert.equal(ok('1.234.567'), 1234567);
  assert.equal(ok('1 234'), 1234);
  assert.equal(ok('$0.42'), 0.42);
  assert.equal(ok('€1.234,50'), 1234.5);
  assert.equal(ok('USD 3'), 3);
  assert.equal(ok('12,5'), 12.5);
  assert.equal(ok(''), null);
  for (const bad of ['-1', '(3)', 'NaN', 'Infinity', 'abc', '1..2', '$-4']) assert.equal(parseNumberCell(bad).ok, false, bad);
});

test('unrecognised headers: rows skipped and a hint to use --columns', () => {
  const out = parseText(csvFormat, 'foo,bar\n1,2\n3,4\n', { file: 'odd.csv' });
  assert.equal(out.linesSkipped, 2);
  assert.ok(out.diagnostics.some((d) => d.code === 'unrecognised-columns' && /--columns/.test(d.message)));
  assert.ok(accountingHolds(out));
});

test('unclosed quote and empty file', () => {
  const out = parseText(csvFormat, 'model,input_tokens,output_tokens\ngpt-4o,10,1\ngpt-4o,"20,2\ngpt-4o,30,3\n', { file: 'q.csv' });
  assert.equal(out.turns.length, 1);
  assert.equal(out.linesSkipped, 1);
  assert.ok(accountingHolds(out));
  const empty = parseText(csvFormat, '', { file: 'e.csv' });
  assert.equal(empty.linesRead, 0);
});

test('detect: CSV headers score high; JSONL scores 0', () => {
  const head = readFileSync(`${DIR}/anthropic-console.csv`, 'utf8');
  assert.ok(csvFormat.detect('usage.csv', head) >= 0.9);
  assert.ok(csvFormat.detect('export', readFileSync(`${DIR}/openai-usage.csv`, 'utf8')) >= 0.8);
  assert.equal(apiJsonlFormat.detect('usage.csv', head), 0);
  assert.equal(csvFormat.detect('x.jsonl', '{"id":"a","usage":{"prompt_tokens":1}}\n'), 0);
});

test('parseNumberCell with decimal comma (semicolon files)', () => {
  const v = (s: string): number | null => {
    const r = parseNumberCell(s, true);
    assert.ok(r.ok, s);
    return r.value;
  };
  assert.equal(v('12.000'), 12000);
  assert.equal(v('0,75'), 0.75);
  assert.equal(v('1.234,5'), 1234.5);
  assert.equal(v('1,234'), 1.234);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { runCliInProcess } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const FIX = 'test/fixtures/analyze';
const LONG = `${FIX}/long-1h.jsonl`;
const SHORT = `${FIX}/short-5m.jsonl`;
const NOW = Date.UTC(2026, 1, 1, 12, 0, 0);

function validator() {
  const schema = JSON.parse(readFileSync('schema/report.schema.json', 'utf8'));
  const Ajv = Ajv2020 as unknown as new (o: object) => { compile: (s: object) => ((d: unknown) => boolean) & { errors?: unknown } };
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false }).compile(schema);
}

test('analyze: terminal report at 120 columns (golden)', async () => {
  const run = await runCliInProcess(['analyze', FIX, '--top', '5'], { columns: 120, nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /\x1b\[/, 'no ANSI escapes with NO_COLOR');
  for (const line of run.stdout.split('\n')) assert.ok([...line].length <= 120, `line wider than 120: ${line}`);
  golden('analyze-fixtures-120.txt', run.stdout);
});

test('analyze: terminal report at 80 columns is compact and fits (golden)', async () => {
  const run = await runCliInProcess(['analyze', FIX, '--top', '5'], { columns: 80, nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  for (const line of run.stdout.split('\n')) assert.ok([...line].length <= 80, `line wider than 80: ${line}`);
  assert.doesNotMatch(run.stdout, /┬|├/, 'compact tables have no box borders under 100 columns');
  golden('analyze-fixtures-80.txt', run.stdout);
});

test('analyze: the skipped line is summarised on stderr', async () => {
  const run = await runCliInProcess(['analyze', LONG], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stderr, /skipped 1 malformed line in 1 file \(first: test\/fixtures\/analyze\/long-1h\.jsonl:5/);
});

test('analyze --json --requests: valid against schema/report.schema.json, deterministic (golden)', async () => {
  const run = await runCliInProcess(['analyze', '--json', '--requests', '--pretty', LONG, SHORT], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  const validate = validator();
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  assert.equal(doc.schemaVersion, 2);
  assert.equal(doc.perRequest, true);
  assert.equal(doc.generatedAt, '2026-02-01T12:00:00.000Z');
  // Per-file invariant.
  for (const f of doc.inputs.files) assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped);
  golden('analyze-fixtures-requests.json', run.stdout);
  const again = await runCliInProcess(['analyze', '--json', '--requests', '--pretty', LONG, SHORT], { nowMs: NOW });
  assert.equal(again.stdout, run.stdout);
});

test('analyze --json without --requests: the same document with the per-request lists null (golden)', async () => {
  const run = await runCliInProcess(['analyze', '--json', '--pretty', LONG, SHORT], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  const validate = validator();
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  assert.equal(doc.perRequest, false);
  golden('analyze-fixtures.json', run.stdout);
  const full = JSON.parse((await runCliInProcess(['analyze', '--json', '--requests', LONG, SHORT], { nowMs: NOW })).stdout);
  let listed = 0;
  for (const s of full.sessions) {
    listed += s.turns.length;
    s.turns = null;
    for (const sc of s.scenarios) {
      listed += sc.turns?.length ?? 0;
      sc.turns = null;
    }
  }
  assert.ok(listed > 0);
  full.perRequest = false;
  // Every total, curve, break-even and sweep is the same number, computed without rows.
  assert.deepEqual(doc, full);
  // The break-even focus curve is what the focus session's break-even turn is read from.
  const c = doc.breakEven.focusCurve;
  assert.ok(c !== null && c.transcriptCumulativeUsd.length === doc.breakEven.focus.turns);
  const k = doc.breakEven.focus.breakEvenTurn;
  if (k !== null) assert.ok(c.stateCumulativeUsd[k - 1] < c.transcriptCumulativeUsd[k - 1]);
});

test('analyze --requests without --json is a usage error', async () => {
  const run = await runCliInProcess(['analyze', '--requests', SHORT], { nowMs: NOW });
  assert.equal(run.exitCode, 2);
  assert.match(run.stderr, /--requests goes with --json/);
});

test('TOKEN_ECON_HEAP_GROWING_PERCENT that is not a whole number from 0 to 1000 is a one-line usage error, before any input is read', async () => {
  for (const bad of ['abc', '-1', '2.5', '1001']) {
    for (const command of ['analyze', 'sessions']) {
      // A missing input would be an error too: the variable is checked first.
      const run = await runCliInProcess([command, 'no/such/dir'], { nowMs: NOW, env: { TOKEN_ECON_HEAP_GROWING_PERCENT: bad } });
      assert.equal(run.exitCode, 2, `${command} ${bad}`);
      assert.match(run.stderr, /^token-econ: TOKEN_ECON_HEAP_GROWING_PERCENT must be a whole number from 0 to 1000, got "/, bad);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  }
  for (const ok of ['', ' 0 ', '15', '1000']) assert.equal((await runCliInProcess(['analyze', SHORT], { nowMs: NOW, env: { TOKEN_ECON_HEAP_GROWING_PERCENT: ok } })).exitCode, 0, JSON.stringify(ok));
});

test('TOKEN_ECON_SWEEP_WORKERS that is not a whole number from 0 to 64 is a one-line usage error', async () => {
  for (const bad of ['abc', '-1', '1.5', '65']) {
    const run = await runCliInProcess(['analyze', SHORT], { nowMs: NOW, env: { TOKEN_ECON_SWEEP_WORKERS: bad } });
    assert.equal(run.exitCode, 2, bad);
    assert.match(run.stderr, /^token-econ: TOKEN_ECON_SWEEP_WORKERS must be a whole number from 0 to 64, got "/, bad);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
  for (const ok of ['', ' 0 ']) assert.equal((await runCliInProcess(['analyze', SHORT], { nowMs: NOW, env: { TOKEN_ECON_SWEEP_WORKERS: ok } })).exitCode, 0, JSON.stringify(ok));
});

test('analyze --json: the same bytes with the break-even sweeps on a worker thread or in this one', async () => {
  const here = await runCliInProcess(['analyze', '--json', '--requests', LONG, SHORT], { nowMs: NOW, env: { TOKEN_ECON_SWEEP_WORKERS: '0' } });
  const pooled = await runCliInProcess(['analyze', '--json', '--requests', LONG, SHORT], { nowMs: NOW, env: { TOKEN_ECON_SWEEP_WORKERS: '1' } });
  assert.equal(pooled.exitCode, 0, pooled.stderr);
  assert.equal(pooled.stdout, here.stdout);
});

test('analyze --json: the schema rejects a document that breaks it (the validation can fail)', async () => {
  const run = await runCliInProcess(['analyze', '--json', SHORT], { nowMs: NOW });
  const doc = JSON.parse(run.stdout);
  const validate = validator();
  assert.ok(validate(doc));
  assert.equal(validate({ ...doc, schemaVersion: 1 }), false);
  assert.equal(validate({ ...doc, perRequest: 'no' }), false);
  assert.equal(validate({ ...doc, actual: { ...doc.actual, cost: { ...doc.actual.cost, totalUsd: '1' } } }), false);
  assert.equal(validate({ ...doc, surprise: true }), false);
});

test('analyze --json: actual costs, misses and the unknown model are what the fixtures say', async () => {
  const run = await runCliInProcess(['analyze', '--json', '--requests', SHORT], { nowMs: NOW });
  const doc = JSON.parse(run.stdout);
  const s = doc.sessions[0];
  assert.deepEqual(
    s.turns.map((t: { missReason: string | null }) => t.missReason),
    ['cold-start', null, 'ttl-expired', 'model-switch', null, 'prefix-change', 'model-switch'],
  );
  // The unknown model is flagged, excluded from the cost, never $0.
  assert.equal(s.turns[6].cost, null);
  assert.deepEqual(doc.unknownModels, [{ model: 'claude-mystery-9', turns: 1, promptTokens: 4005, outputTokens: 100 }]);
  assert.ok(doc.diagnostics.some((d: { code: string }) => d.code === 'unknown-model'));
  assert.equal(doc.actual.unpricedTurns, 1);
  // Turn 3 (7-minute gap, 5m TTL): 14,400 cached tokens re-written at 5m: 14,400 × (3.75 − 0.30) / 1e6.
  assert.equal(s.turns[2].idleGapMs, 7 * 60_000);
  assert.equal(s.turns[2].missedTokens, 14_400);
  assert.ok(Math.abs(s.turns[2].missCostUsd - 0.04968) < 1e-12);
  const sum = s.turns.reduce((a: number, t: { cost: { totalUsd: number } | null }) => a + (t.cost?.totalUsd ?? 0), 0);
  assert.ok(Math.abs(sum - doc.actual.cost.totalUsd) < 1e-12);
});

test('analyze --ndjson: one line per request, actual and each strategy, tagged', async () => {
  const run = await runCliInProcess(['analyze', '--ndjson', SHORT, '--compare', 'transcript,state'], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  const rows = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  const scenarios = new Set(rows.map((r) => r.scenario));
  assert.deepEqual([...scenarios].sort(), ['actual', 'state', 'transcript']);
  assert.equal(rows.filter((r) => r.scenario === 'actual').length, 7);
  assert.ok(rows.every((r) => typeof r.sessionId === 'string' && Number.isInteger(r.turnIndex)));
});

test('analyze --csv: header, quoting, and formula neutralisation of log text', async () => {
  const run = await runCliInProcess(['analyze', '--csv', `${FIX}/csv-injection.jsonl`, '--compare', 'transcript'], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^scenario,sessionId,turnIndex,requestKind,timestamp,streamId,model,/);
  const actual = lines.filter((l) => l.startsWith('actual,'));
  assert.equal(actual.length, 2);
  assert.ok(actual.every((l) => l.startsWith(`actual,'=2+5,`)), actual.join('\n'));
  assert.ok(actual.some((l) => l.includes(`"'@SUM(1,2)"`)), 'the model with a comma is quoted and neutralised');
  assert.ok(!run.stdout.includes(',=2+5'));
});

test('--out writes the file; refuses to overwrite an input file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-analyze-'));
  try {
    const input = join(dir, 'log.jsonl');
    copyFileSync(SHORT, input);
    const out = join(dir, 'report.json');
    const ok = await runCliInProcess(['analyze', '--json', input, '--out', out], { nowMs: NOW });
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.equal(ok.stdout, '');
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).schemaVersion, 2);
    const refused = await runCliInProcess(['analyze', input, '--out', input], { nowMs: NOW });
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /is one of the input files/);
    assert.equal(readFileSync(input, 'utf8'), readFileSync(SHORT, 'utf8'));
    const inDir = await runCliInProcess(['analyze', dir, '--out', input], { nowMs: NOW });
    assert.equal(inDir.exitCode, 2);
    // A file that cannot be written: one line naming it and the reason, exit 2, whether JSON (streamed) or text.
    const nowhere = join(dir, 'missing', 'report');
    for (const args of [['--json'], []]) {
      const failed = await runCliInProcess(['analyze', ...args, input, '--out', nowhere], { nowMs: NOW });
      assert.equal(failed.exitCode, 2);
      assert.equal(failed.stderr, `token-econ: --out: cannot write ${nowhere} (ENOENT)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--fail-above: exit 1 over budget, 0 under it', async () => {
  const over = await runCliInProcess(['analyze', SHORT, '--fail-above', '0.01'], { nowMs: NOW });
  assert.equal(over.exitCode, 1);
  assert.match(over.stderr, /above the budget of \$0\.01/);
  assert.ok(over.stdout.length > 0, 'the report is still printed');
  const under = await runCliInProcess(['analyze', SHORT, '--fail-above', '1000'], { nowMs: NOW });
  assert.equal(under.exitCode, 0);
  const bad = await runCliInProcess(['analyze', SHORT, '--fail-above', 'lots'], { nowMs: NOW });
  assert.equal(bad.exitCode, 2);
});

test('bad flags are input errors (exit 2, one line)', async () => {
  for (const args of [
    ['--compare', 'transcript,magic'],
    ['--json', '--csv'],
    ['--top', '-1'],
    ['--agents', 'x'],
  ]) {
    const run = await runCliInProcess(['analyze', SHORT, ...args], { nowMs: NOW });
    assert.equal(run.exitCode, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, /^token-econ: /);
  }
});

test('--color forces ANSI colours even when not a TTY; --no-color wins over FORCE_COLOR', async () => {
  const on = await runCliInProcess(['analyze', SHORT, '--color'], { nowMs: NOW });
  assert.match(on.stdout, /\x1b\[/);
  const off = await runCliInProcess(['analyze', SHORT, '--no-color'], { nowMs: NOW, env: { FORCE_COLOR: '1' } });
  assert.doesNotMatch(off.stdout, /\x1b\[/);
});

test('reported vs computed: Claude stream-json total_cost_usd, hidden side calls quantified', async () => {
  const run = await runCliInProcess(['analyze', '--json', 'samples/claude-stream-json'], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  const r = doc.reportedVsComputed;
  assert.ok(r.summary, 'the sample reports its own cost');
  const s = r.sessions[0];
  assert.equal(s.source, 'session-result');
  assert.ok(Math.abs(s.differenceUsd - (s.computedCostUsd - s.reportedCostUsd)) < 1e-12);
  for (const m of s.byModel.filter((x: { loggedTurns: number }) => x.loggedTurns === 0)) assert.ok(s.hiddenModels.includes(m.model));
  assert.ok(Math.abs(s.hiddenCostUsd - s.byModel.filter((x: { loggedTurns: number }) => x.loggedTurns === 0).reduce((a: number, x: { reportedCostUsd: number }) => a + x.reportedCostUsd, 0)) < 1e-12);
  assert.ok(s.explanation.length > 0);
});

test('usage-export CSV sessions are priced but not simulated; strategies compare with the simulated sessions only', async () => {
  const csv = 'test/fixtures/csv/anthropic-console.csv';
  const both = await runCliInProcess(['analyze', '--json', SHORT, csv], { nowMs: NOW });
  assert.equal(both.exitCode, 0, both.stderr);
  const doc = JSON.parse(both.stdout);
  const alone = JSON.parse((await runCliInProcess(['analyze', '--json', SHORT], { nowMs: NOW })).stdout);
  assert.ok(validator()(doc), 'still valid against the schema');
  // The CSV adds to the actual cost, not to what the strategies are compared with.
  assert.ok(doc.actual.cost.totalUsd > alone.actual.cost.totalUsd);
  assert.equal(doc.compared.sessions, alone.compared.sessions);
  assert.equal(doc.compared.notSimulated, 1);
  assert.equal(alone.compared.notSimulated, 0);
  assert.deepEqual(doc.compared.actual, alone.actual);
  const byId = (d: { scenarios: Array<{ id: string; totalCostUsd: number; changeVsActualRatio: number }> }) => new Map(d.scenarios.map((s) => [s.id, s]));
  for (const [id, s] of byId(doc)) {
    const ref = byId(alone).get(id);
    assert.ok(ref, id);
    assert.equal(s.totalCostUsd, ref.totalCostUsd, `${id}: the CSV session is not simulated`);
    assert.equal(s.changeVsActualRatio, ref.changeVsActualRatio, `${id}: compared with the simulated sessions' actual`);
  }
  const csvSession = doc.sessions.find((s: { format: string }) => s.format === 'csv');
  assert.ok(csvSession.workloadNotes.some((n: string) => /^not simulated: usage-export rows aggregate many requests/.test(n)));
  assert.deepEqual(csvSession.scenarios, []);
  const text = await runCliInProcess(['analyze', SHORT, csv], { nowMs: NOW, columns: 200 });
  assert.match(text.stdout, /Strategies are compared on the 1 simulated session \(actual \$[\d.]+\); 1 session is not simulated: usage-export rows aggregate many requests/);
});

test('writeChunksToFile writes the bytes writeFile writes: multi-byte text, split surrogate pairs, chunks larger than its buffer', async () => {
  const { writeChunksToFile } = await import('../../src/cli/commands/analyze.js');
  const { writeFile } = await import('node:fs/promises');
  const dir = mkdtempSync(join(tmpdir(), 'te-write-'));
  try {
    const pair = '\u{1F600}';
    const chunks = [
      '',
      'plain ascii, ',
      'é ü 日本語 ',
      `${pair.charAt(0)}`, // a pair cut between two chunks: each half is encoded on its own, as by writeFile
      `${pair.charAt(1)} tail`,
      'x'.repeat(400_000) + '日'.repeat(200_000), // more than the 1 MiB buffer at 3 bytes per unit
      ...Array.from({ length: 300 }, (_, i) => `chunk ${i} ${'ä'.repeat(i * 7)}`),
      '\n',
    ];
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeChunksToFile(a, chunks);
    await writeFile(b, chunks, 'utf8');
    assert.ok(readFileSync(a).equals(readFileSync(b)));
    writeChunksToFile(a, []);
    assert.equal(readFileSync(a).length, 0);
    assert.throws(() => writeChunksToFile(join(dir, 'missing', 'x.json'), ['x']), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TOKEN_ECON_TIMING=1 adds phase marks on stderr and changes nothing on stdout', async () => {
  const plain = await runCliInProcess(['analyze', '--json', SHORT], { nowMs: NOW });
  const timed = await runCliInProcess(['analyze', '--json', SHORT], { nowMs: NOW, env: { TOKEN_ECON_TIMING: '1' } });
  assert.equal(timed.exitCode, 0, timed.stderr);
  assert.equal(timed.stdout, plain.stdout);
  const marks = [...timed.stderr.matchAll(/^token-econ timing: +\d+ ms {2}cpu +\d+ ms {2}rss +\d+ MiB {2}heap +\d+\/ *\d+ MiB {2}buffers +\d+ MiB {2}(.+)$/gm)].map((m) => m[1]);
  assert.deepEqual(marks, ['inputs resolved (1 file)', 'parsed', 'sessions built', 'analysis', 'output written']);
  assert.doesNotMatch(plain.stderr, /timing/);
});

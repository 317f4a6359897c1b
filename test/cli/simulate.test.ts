import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { runCliInProcess, spawnCli } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

/** Article 3's growing transcript, with a pause past the TTL, against state and no cache. */
const GROWING = [
  'simulate',
  '--turns', '10',
  '--system-tokens', '12000',
  '--turn-tokens', '5000',
  '--output-tokens', '0',
  '--gap', '1m',
  '--ttl', '5m',
  '--pause', '6=10m',
];

/** Random gaps over several runs, every strategy, a fleet, a custom price with cache rates. */
const FLEET = [
  'simulate',
  '--turns', '24',
  '--sessions', '5',
  '--gap', 'exp:3m',
  '--seed', '7',
  '--price', 'model=my-model,input=2,output=8,cache-read=0.2,cache-write=2.5,provider=anthropic,context=200000,min-cache=1024',
  '--replay-hit-rate', '0.4',
  '--agents', '3',
  '--runs-per-day', '40',
  '--compact-at', '60k',
];

function validator() {
  const schema = JSON.parse(readFileSync('schema/simulate.schema.json', 'utf8'));
  const Ajv = Ajv2020 as unknown as new (o: object) => { compile: (s: object) => ((d: unknown) => boolean) & { errors?: unknown } };
  return new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false }).compile(schema);
}

function assertFits(text: string, width: number): void {
  for (const line of text.split('\n')) assert.ok([...line].length <= width, `line wider than ${width}: ${line}`);
}

test('simulate: terminal report at 120 columns (golden)', async () => {
  const run = await runCliInProcess([...GROWING, '--compare', 'transcript,state,nocache'], { columns: 120 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.doesNotMatch(run.stdout, /\x1b\[/, 'no ANSI escapes with NO_COLOR');
  assertFits(run.stdout, 120);
  for (const section of ['Strategies (same workload)', 'Cache misses', 'Per-turn detail: transcript', 'Cumulative cost (', 'Cost of each turn', 'Fleet projection', 'Assumptions']) {
    assert.ok(run.stdout.includes(section), `missing section ${section}`);
  }
  golden('simulate-growing-120.txt', run.stdout);
});

test('simulate: terminal report at 80 columns is compact and fits (golden)', async () => {
  const run = await runCliInProcess([...GROWING, '--compare', 'transcript,state,nocache'], { columns: 80 });
  assert.equal(run.exitCode, 0, run.stderr);
  assertFits(run.stdout, 80);
  assert.doesNotMatch(run.stdout, /┬|├/, 'compact tables have no box borders under 100 columns');
  golden('simulate-growing-80.txt', run.stdout);
});

test('simulate: random gaps, several runs, every strategy and a fleet at 100 columns (golden)', async () => {
  const run = await runCliInProcess(FLEET, { columns: 100 });
  assert.equal(run.exitCode, 0, run.stderr);
  assertFits(run.stdout, 100);
  assert.match(run.stdout, /5 runs × 24 turns on my-model, 4 strategies/);
  assert.match(run.stdout, /exponential, mean 3m between turns · seed 7/);
  assert.match(run.stdout, /3 agents × 40 runs\/day × 1\.1 \(retry rate 10%\*\) = 132 billed runs\/day/);
  assert.match(run.stdout, /\* default; set --retry-rate for your fleet/);
  golden('simulate-fleet-100.txt', run.stdout);
});

test('simulate: every line fits narrow and wide terminals', async () => {
  for (const columns of [40, 60, 99, 100, 160, 200]) {
    for (const args of [GROWING, FLEET]) {
      const run = await runCliInProcess(args, { columns });
      assert.equal(run.exitCode, 0, run.stderr);
      assertFits(run.stdout, Math.max(40, columns));
    }
  }
});

test('simulate --json: valid against schema/simulate.schema.json, deterministic (golden)', async () => {
  const run = await runCliInProcess([...GROWING, '--json', '--pretty']);
  assert.equal(run.exitCode, 0, run.stderr);
  const doc = JSON.parse(run.stdout);
  const validate = validator();
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.kind, 'simulation');
  assert.deepEqual(doc.strategies.map((s: { id: string }) => s.id), ['transcript', 'state', 'nocache']);
  assert.equal(doc.baseline, 'nocache');
  for (const s of doc.strategies) {
    // Per-turn rows add up to the totals; the curve is the rows by turn.
    const rows = s.sessions.flatMap((r: { turns: Array<{ cost: { totalUsd: number } }> }) => r.turns);
    const sum = rows.reduce((a: number, t: { cost: { totalUsd: number } }) => a + t.cost.totalUsd, 0);
    assert.ok(Math.abs(sum - s.totalCostUsd) < 1e-12, `${s.id}: rows sum to the total`);
    assert.ok(Math.abs(s.curve.cumulativeUsd[9] - s.totalCostUsd) < 1e-12, `${s.id}: the curve ends at the total`);
    assert.equal(s.requests, rows.length);
  }
  golden('simulate-growing.json', run.stdout);
  const again = await runCliInProcess([...GROWING, '--json', '--pretty']);
  assert.equal(again.stdout, run.stdout);
  // Into a pipe (not a TTY) the default is compact: one line, the same value and key order.
  const compact = await runCliInProcess([...GROWING, '--json']);
  assert.equal(compact.stdout, `${JSON.stringify(JSON.parse(run.stdout))}\n`);
  assert.equal((await runCliInProcess([...GROWING, '--json', '--pretty', '--no-pretty'])).stdout, compact.stdout);
});

test('simulate --json: every flag combination validates; the schema can fail', async () => {
  const validate = validator();
  for (const args of [FLEET, ['simulate', '--turns', '1', '--price', 'model=flat,input=30,output=30'], ['simulate', '--gap', 'lognormal:median=1m,p90=10m', '--turns', '5'], ['simulate', '--gap', 'uniform:10s..9m', '--turns', '5', '--model', 'gpt-5']]) {
    const doc = JSON.parse((await runCliInProcess([...args, '--json'])).stdout);
    assert.ok(validate(doc), `${args.join(' ')}: ${JSON.stringify(validate.errors, null, 2)}`);
  }
  const doc = JSON.parse((await runCliInProcess([...GROWING, '--json'])).stdout);
  assert.equal(validate({ ...doc, schemaVersion: 2 }), false);
  assert.equal(validate({ ...doc, surprise: true }), false);
  assert.equal(validate({ ...doc, strategies: [{ ...doc.strategies[0], totalCostUsd: '1' }] }), false);
  assert.equal(validate({ ...doc, scenario: { ...doc.scenario, gap: { kind: 'exp', ms: 5 } } }), false);
});

test('simulate --seed: the same seed gives the same run, another seed other gaps', async () => {
  const args = ['simulate', '--turns', '12', '--gap', 'exp:4m', '--sessions', '3', '--json'];
  const a = await runCliInProcess([...args, '--seed', '11']);
  const b = await runCliInProcess([...args, '--seed', '11']);
  const c = await runCliInProcess([...args, '--seed', '12']);
  assert.equal(a.stdout, b.stdout);
  const gaps = (out: string) => JSON.parse(out).strategies[0].sessions.flatMap((s: { turns: Array<{ idleGapMs: number | null }> }) => s.turns.map((t) => t.idleGapMs));
  assert.notDeepEqual(gaps(a.stdout), gaps(c.stdout));
  // A pause replaces one gap and leaves the others where they were.
  const paused = await runCliInProcess([...args, '--seed', '11', '--pause', '5=2h']);
  const ga = gaps(a.stdout);
  const gp = gaps(paused.stdout);
  assert.equal(gp[4], 7_200_000);
  assert.deepEqual(gp.filter((_: unknown, i: number) => i !== 4 && i !== 16 && i !== 28), ga.filter((_: unknown, i: number) => i !== 4 && i !== 16 && i !== 28));
});

test('simulate: defaults are shown as such; --runs-per-day sets the runs simulated', async () => {
  const run = await runCliInProcess(['simulate'], { columns: 120 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /1 run × 30 turns on claude-sonnet-4-5, 3 strategies/);
  assert.match(run.stdout, /10 agents\* × 20 runs\/day\* × 1\.1 \(retry rate 10%\*\)/);
  assert.match(run.stdout, /\* default; set --agents, --runs-per-day, --retry-rate for your fleet/);
  const doc = JSON.parse((await runCliInProcess(['simulate', '--runs-per-day', '7', '--turns', '2', '--json'])).stdout);
  assert.equal(doc.scenario.sessions, 7);
  assert.deepEqual(doc.fleet.defaulted, ['agents', 'retryRate', 'days']);
});

test('simulate: a single --price is the default model; a replay rate the runs cannot reach is explained', async () => {
  const run = await runCliInProcess(['simulate', '--turns', '2', '--price', 'model=acme-1,input=1,output=2', '--replay-hit-rate', '0.85'], { columns: 100 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /on acme-1, 4 strategies/);
  assert.match(run.stdout, /replay: 0 of 1 runs replayed, not 85%/);
});

test('simulate --color forces ANSI colours; NO_COLOR and --no-color keep them off', async () => {
  const on = await runCliInProcess([...GROWING, '--color']);
  assert.match(on.stdout, /\x1b\[/);
  const off = await runCliInProcess([...GROWING, '--no-color'], { env: { FORCE_COLOR: '1' } });
  assert.doesNotMatch(off.stdout, /\x1b\[/);
  const envOff = await runCliInProcess(GROWING, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.doesNotMatch(envOff.stdout, /\x1b\[/);
});

test('simulate: bad flag values are input errors (exit 2, one line, no stack)', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--turns', '0'], /--turns/],
    [['--turns', 'many'], /--turns/],
    [['--system-tokens', '-5'], /--system-tokens/],
    [['--turn-tokens', '1.5'], /--turn-tokens/],
    [['--reasoning-tokens', 'x'], /--reasoning-tokens/],
    [['--output-tokens', '12q'], /--output-tokens/],
    [['--transcript-tokens', '3777', '--turn-tokens', '10'], /--turn-tokens or --transcript-tokens/],
    [['--transcript-tokens', '10', '--turns', '5', '--output-tokens', '5'], /--transcript-tokens/],
    [['--gap', 'banana'], /--gap/],
    [['--gap', 'exp:0s'], /--gap/],
    [['--gap', 'gamma:3m'], /--gap/],
    [['--pause', '1=5m'], /--pause/],
    [['--pause', '6'], /--pause/],
    [['--pause', '6=soon'], /--pause/],
    [['--pause', '99=5m'], /--pause/],
    [['--seed', '-1'], /--seed/],
    [['--sessions', '0'], /--sessions/],
    [['--sessions', '200000'], /--sessions/],
    [['--turns', '100000', '--sessions', '100'], /simulated turns/],
    [['--turns', '1000', '--sessions', '51', '--json'], /simulated turns for --json/],
    [['--compare', 'transcript,magic'], /magic/],
    [['--compare', ','], /--compare/],
    [['--detail', 'magic'], /--detail/],
    [['--detail', 'state', '--compare', 'transcript'], /--detail state/],
    [['--model', 'no-such-model-9'], /no-such-model-9/],
    [['--price', 'model=a,input=1,output=1', '--price', 'model=b,input=2,output=2'], /--model/],
    [['--price', 'model=x,input=abc,output=1'], /--price/],
    [['--ttl', 'banana'], /ttl|banana/],
    [['--state-ratio', '2'], /--state-ratio/],
    [['--replay-hit-rate', '150%'], /--replay-hit-rate/],
    [['--agents', '-1'], /--agents/],
    [['--retry-rate', 'lots'], /--retry-rate/],
    [['--runs-per-day', ''], /--runs-per-day/],
    [['--json', 'samples'], /reads no logs/],
    [['--no-such-flag'], /no-such-flag/],
  ];
  for (const [args, mention] of cases) {
    const run = await runCliInProcess(['simulate', ...args]);
    assert.equal(run.exitCode, 2, `${args.join(' ')}: exit ${run.exitCode}: ${run.stderr}`);
    const lines = run.stderr.split('\n').filter((l) => l.trim().length > 0 && !/^\((run with --help|Did you mean)/.test(l.trim()));
    assert.ok(lines.length >= 1 && lines.length <= 2, `${args.join(' ')}: ${run.stderr}`);
    if (lines.length === 2) assert.match(lines[1] as string, /^hint: /);
    assert.match(lines[0] as string, mention, `${args.join(' ')}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
    assert.equal(run.stdout, '', `${args.join(' ')}: nothing on stdout`);
  }
});

test('simulate: the real binary prints the report and exits 0', async () => {
  const run = await spawnCli([...GROWING, '--compare', 'transcript'], { columns: 100 });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.match(run.stdout, /1 run × 10 turns on claude-sonnet-4-5, 1 strategy/);
});

/**
 * The multi-thread ingest (src/cli/ingest-workers.ts, src/ingest/packed.ts)
 * gives exactly what the single-thread path gives: same ParsedFiles, same
 * sessions, diagnostics (file:line), accounting and dedupe, in the same order,
 * every run; unreadable files and crashed workers surface as clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InputError, InternalError } from '../../src/errors.js';
import { ingestThreadPlan, ingestThreads, parallelPays, parseInParallel, scheduleJobs, scheduleOrder, workFrom, workTable, workerCount, MIN_PARALLEL_BYTES, MIN_PARALLEL_BYTES_SPARE_CORES } from '../../src/cli/ingest-workers.js';
import { parseInputs } from '../../src/cli/input-options.js';
import { readFileInput, resolveInputs, type InputFile } from '../../src/cli/io.js';
import type { CliContext } from '../../src/cli/context.js';
import { packParsedFile, unpackParsedFile, type PackedFile } from '../../src/ingest/packed.js';
import type { ParsedFile } from '../../src/ingest/ingest.js';
import type { ParseContext, RawTurn } from '../../src/ingest/format.js';
import { makeRawTurn } from '../../src/ingest/formats/parse-helpers.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';
import { createTokenizer } from '../../src/normalize/tokenizer.js';
import type { Tokenizer } from '../../src/ingest/format.js';
import { generateClaudeDataset } from '../../scripts/bench/generate-claude.js';
import { runCliInProcess } from '../helpers/cli.js';

function ctxWith(env: Record<string, string | undefined>): CliContext {
  return { env, cwd: process.cwd() } as unknown as CliContext;
}

let tokenizer: Tokenizer | null = null;
const getTokenizer = (): Tokenizer => (tokenizer ??= createTokenizer('o200k_base'));

async function serial(inputs: InputFile[]): Promise<ParsedFile[]> {
  return (await parseInputs(ctxWith({ TOKEN_ECON_THREADS: '1' }), inputs, { tokenizer: 'o200k_base' })).map(unpackParsedFile);
}

async function parallel(inputs: InputFile[], workers: number): Promise<ParsedFile[]> {
  const parsed = await parseInParallel(inputs, {
    workers,
    concurrency: 8,
    tokenizer: 'o200k_base',
    parseHere: (i) => readFileInput(inputs[i] as InputFile, { getTokenizer: getTokenizer }),
  });
  return (parsed as PackedFile[]).map(unpackParsedFile);
}

/** A small Claude Code projects tree with every cross-file case: subagents, a resumed copy, sidechains, compactions, damage. */
function claudeTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'te-workers-'));
  const proj = join(root, 'projects', '-home-dev-app');
  mkdirSync(proj, { recursive: true });
  const sid = '11111111-2222-3333-4444-555555555555';
  const line = (o: Record<string, unknown>): string => `${JSON.stringify(o)}\n`;
  const usage = (input: number, output: number, read = 0): Record<string, unknown> => ({
    input_tokens: input,
    output_tokens: output,
    cache_read_input_tokens: read,
    cache_creation_input_tokens: 100,
    cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 60 },
  });
  const asst = (req: string, msg: string, ts: string, u: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
    line({ type: 'assistant', sessionId: sid, requestId: req, timestamp: ts, uuid: `u-${req}-${ts}`, parentUuid: null, message: { id: msg, model: 'claude-sonnet-4-5-20250929', role: 'assistant', usage: u, content: [] }, ...extra });
  const main =
    line({ type: 'user', sessionId: sid, cwd: '/home/dev/app', timestamp: '2026-01-05T10:00:00Z', uuid: 'p1', parentUuid: null, message: { role: 'user', content: 'Fix the flaky test' } }) +
    asst('req_1', 'msg_1', '2026-01-05T10:00:01Z', usage(10, 1)) +
    asst('req_1', 'msg_1', '2026-01-05T10:00:02Z', usage(10, 50, 1000)) +
    '{"type":"assistant","broken\n' +
    asst('req_2', 'msg_2', '2026-01-05T10:01:00Z', usage(5, 20, 2000)) +
    line({ type: 'system', subtype: 'compact_boundary', sessionId: sid, timestamp: '2026-01-05T10:02:00Z', compactMetadata: { trigger: 'auto', preTokens: 150000 } }) +
    line({ type: 'user', sessionId: sid, isCompactSummary: true, timestamp: '2026-01-05T10:02:01Z', message: { role: 'user', content: 'summary' } }) +
    asst('req_s1', 'msg_s1', '2026-01-05T10:03:00Z', usage(3, 7), { isSidechain: true, uuid: 'side-root-1', parentUuid: null }) +
    asst('req_s2', 'msg_s2', '2026-01-05T10:03:05Z', usage(4, 8), { isSidechain: true, uuid: 'side-child', parentUuid: 'side-root-1' }) +
    line({ type: 'assistant', sessionId: sid, timestamp: '2026-01-05T10:04:00Z', message: { model: '<synthetic>', usage: usage(0, 0) } }) +
    asst('req_3', 'msg_3', '2026-01-05T10:05:00Z', usage(1, 2, 3000)).trimEnd(); // cut last line, complete JSON
  writeFileSync(join(proj, `${sid}.jsonl`), main);
  const sub = join(proj, sid, 'subagents');
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, 'agent-abc.jsonl'), asst('req_a1', 'msg_a1', '2026-01-05T10:00:30Z', usage(7, 9)) + asst('req_a1', 'msg_a1', '2026-01-05T10:00:31Z', usage(7, 90)));
  // A resumed session copying req_2, and a gateway call without requestId.
  const sid2 = '99999999-2222-3333-4444-555555555555';
  writeFileSync(
    join(proj, `${sid2}.jsonl`),
    asst('req_2', 'msg_2', '2026-01-06T09:00:00Z', usage(5, 20, 2000)).replace(sid, sid2) +
      line({ type: 'assistant', sessionId: sid2, timestamp: '2026-01-06T09:01:00Z', message: { id: 'msg_gw', model: 'claude-haiku-4-5', usage: usage(2, 2) } }) +
      '[1,2]\n',
  );
  writeFileSync(join(proj, 'empty.jsonl'), '');
  writeFileSync(join(proj, 'notes.txt'), 'just some notes\nnothing to see\n');
  return root;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

test('TOKEN_ECON_THREADS: default min(2, cores), 1 forces one thread, nonsense is a clear InputError', () => {
  const d = ingestThreads({});
  assert.ok(d >= 1 && d <= 2);
  assert.equal(ingestThreads({ TOKEN_ECON_THREADS: '1' }), 1);
  assert.equal(ingestThreads({ TOKEN_ECON_THREADS: ' 3 ' }), 3);
  for (const bad of ['0', '-1', '1.5', 'two', '1000']) {
    assert.throws(() => ingestThreads({ TOKEN_ECON_THREADS: bad }), (e: unknown) => e instanceof InputError && /TOKEN_ECON_THREADS/.test(e.message));
  }
});

test('threads are used only when they pay: two jobs or more and enough bytes to parse', () => {
  const f = (path: string, size: number): InputFile => ({ path, display: path, relativePath: path, size });
  const allCores = ingestThreadPlan({}, 2);
  assert.deepEqual(allCores, { threads: 2, minParallelBytes: MIN_PARALLEL_BYTES });
  assert.deepEqual(ingestThreadPlan({}, 8), { threads: 2, minParallelBytes: MIN_PARALLEL_BYTES_SPARE_CORES }, 'cores to spare: a lower threshold');
  assert.deepEqual(ingestThreadPlan({}, 1), { threads: 1, minParallelBytes: MIN_PARALLEL_BYTES });
  assert.deepEqual(ingestThreadPlan({ TOKEN_ECON_THREADS: '2' }, 2), { threads: 2, minParallelBytes: 0 }, 'asked for: used whatever the size');
  assert.ok(MIN_PARALLEL_BYTES_SPARE_CORES < MIN_PARALLEL_BYTES);
  const big = MIN_PARALLEL_BYTES;
  assert.equal(workerCount([big, big], { threads: 1, minParallelBytes: 0 }), 0);
  assert.equal(workerCount([10 * big], allCores), 0, 'one job: nothing to share');
  assert.equal(workerCount([big / 2, big / 2 - 1], allCores), 0, 'one byte short');
  assert.equal(workerCount([big / 2, big / 2], allCores), 1);
  assert.equal(workerCount([big, big, big], { threads: 8, minParallelBytes: big }), 2);
  assert.equal(workerCount([1, 1], { threads: 2, minParallelBytes: 0 }), 1);
  assert.equal(parallelPays([big - 1], allCores), false);
  assert.equal(parallelPays([big], allCores), true, 'one big file pays: it is split');
  const jobs = scheduleJobs([f('-', 10 * big), f('b', big)]);
  assert.deepEqual(
    jobs.map((j) => j.index),
    [1],
    'stdin is never a job (never handed to a worker)',
  );
  assert.deepEqual(scheduleOrder([f('a', 5), f('b', 9), f('-', 0), f('c', 9), f('d', 1)]), [1, 3, 0, 4]);
});

test('packed ParsedFiles round-trip exactly: nulls, -0, large counts, non-Latin-1 strings', () => {
  const turn = (over: Partial<RawTurn>): RawTurn => ({
    timestampMs: 1767607200123,
    model: 'claude-sonnet-4-5',
    provider: 'anthropic',
    streamId: 'main',
    inputTokens: 1,
    cacheWrite5mTokens: 2,
    cacheWrite1hTokens: 3,
    cacheReadTokens: 4,
    outputTokens: 5,
    reasoningOutputTokens: null,
    promptTokens: 10,
    isCacheSplitKnown: true,
    isEstimated: false,
    reportedCostUsd: null,
    source: { file: 'a.jsonl', line: 3 },
    sessionId: 's',
    project: null,
    dedupeKey: 'claude:req_1',
    duplicatesFolded: 0,
    tieTimestampMs: 1767607200123,
    ...over,
  });
  const turns = [
    turn({}),
    turn({ timestampMs: null, tieTimestampMs: null, inputTokens: -0, reasoningOutputTokens: 7, reportedCostUsd: 0.1 + 0.2, isCacheSplitKnown: false, isEstimated: true }),
    turn({ cacheReadTokens: 9_999_999_999_999, promptTokens: 10_000_000_000_009, project: 'プロジェクト 🚀', dedupeKey: '', streamId: 'sidechain-abc' }),
    turn({ dedupeKey: null, streamId: 'sidechain-abc' }),
    turn({ model: 'x\u2028y\ud800', sessionId: 'émoji 👩‍👩‍👧', source: { file: 'a.jsonl', line: 2 ** 31 + 5 } }),
    turn({ timestampMs: null, tieTimestampMs: 1767607100000, duplicatesFolded: 2 ** 31 + 1 }),
  ];
  const file: ParsedFile = {
    file: 'a.jsonl',
    relativePath: 'p/a.jsonl',
    bytes: 123,
    linesRead: 9,
    fileDiagnostics: [],
    output: {
      format: 'claude-code',
      turns,
      events: [{ sessionId: 's', event: { kind: 'compaction', timestampMs: null, streamId: 'main', trigger: 'auto', preTokens: 5, postTokens: null, source: { file: 'a.jsonl', line: 4 } } }],
      reportedCosts: [],
      sessionInfo: [{ sessionId: 's', project: null, taskFingerprint: 'abc' }],
      diagnostics: [{ code: 'invalid-json', severity: 'error', message: 'bad', source: { file: 'a.jsonl', line: 5 } }],
      linesRead: 9,
      linesCounted: 5,
      linesIgnored: 3,
      linesSkipped: 1,
    },
  };
  const back = unpackParsedFile(structuredClone(packParsedFile(file)));
  assert.deepStrictEqual(back, file);
  assert.ok(Object.is(back.output?.turns[1]?.inputTokens, -0));
  assert.deepStrictEqual(Object.keys(back.output?.turns[0] ?? {}), Object.keys(turns[0] as RawTurn));
  const made = makeRawTurn(
    { file: 'a.jsonl', relativePath: 'a.jsonl', getTokenizer: () => { throw new Error('no tokenizer'); } } satisfies ParseContext,
    { usage: { inputTokens: 1, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 1, reasoningOutputTokens: null, isCacheSplitKnown: true }, model: 'm', timestampMs: 1, sessionId: 's', line: 1 },
  );
  assert.deepStrictEqual(Object.keys(back.output?.turns[0] ?? {}), Object.keys(made), 'same key order as makeRawTurn');
  const empty: ParsedFile = { file: 'e', relativePath: 'e', bytes: 0, linesRead: 0, fileDiagnostics: [{ code: 'empty-file', severity: 'warning', message: 'file is empty' }], output: null };
  assert.deepStrictEqual(unpackParsedFile(structuredClone(packParsedFile(empty))), empty);
});

test('parallel parse = single-thread parse, file by file and after normalize, on every fixture and a Claude Code tree', async () => {
  const root = claudeTree();
  try {
    const ctx = ctxWith({});
    for (const dir of ['test/fixtures', join(root, 'projects')]) {
      const inputs = await resolveInputs(ctx, [dir]);
      assert.ok(inputs.length > 3, dir);
      const one = await serial(inputs);
      for (const workers of [1, 3]) {
        const many = await parallel(inputs, workers);
        assert.equal(many.length, one.length);
        for (let i = 0; i < one.length; i++) assert.deepStrictEqual(many[i], one[i], `${dir}: ${inputs[i]?.display} with ${workers} worker(s)`);
        assert.deepStrictEqual(normalizeSessions(many), normalizeSessions(one));
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every parsed file, on one thread or several, is stamped with when the main thread got it (madeAt: a distinct integer each)', async () => {
  const root = claudeTree();
  try {
    const inputs = await resolveInputs(ctxWith({}), [join(root, 'projects')]);
    const stamps = (files: ReadonlyArray<PackedFile | undefined>): number[] => files.map((f) => f?.madeAt as number);
    const one = stamps(await parseInputs(ctxWith({ TOKEN_ECON_THREADS: '1' }), inputs, { tokenizer: 'o200k_base' }));
    // This thread slow and one file at a time, so the workers take most files.
    const slowly = async (i: number): Promise<ParsedFile> => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return readFileInput(inputs[i] as InputFile, { getTokenizer });
    };
    const many = stamps(await parseInParallel(inputs, { workers: 2, concurrency: 1, tokenizer: 'o200k_base', parseHere: slowly }));
    for (const got of [one, many]) {
      assert.equal(got.length, inputs.length);
      assert.ok(got.every((n) => Number.isInteger(n)));
      assert.equal(new Set(got).size, got.length);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sessions --json is byte-identical with TOKEN_ECON_THREADS=1 and 2 on a generated multi-file set, every run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-workers-gen-'));
  try {
    // Threads asked for explicitly are used whatever the size (the default waits for MIN_PARALLEL_BYTES).
    generateClaudeDataset({ dir: root, targetBytes: 24 * 1024 * 1024, seed: 7, hugeFileBytes: 6 * 1024 * 1024 });
    const dir = join(root, 'projects');
    const inputs = await resolveInputs(ctxWith({}), [dir]);
    const sizes = scheduleJobs(inputs).map((j) => j.size);
    assert.ok(workerCount(sizes, ingestThreadPlan({ TOKEN_ECON_THREADS: '2' })) >= 1, 'the parallel path');
    assert.equal(workerCount(sizes, ingestThreadPlan({}, 2)), 0, 'by default on two cores: one thread');
    assert.ok(filesUnder(dir).some((f) => /subagents/.test(relative(dir, f))));
    const one = await runCliInProcess(['sessions', dir, '--json'], { env: { TOKEN_ECON_THREADS: '1' } });
    assert.equal(one.exitCode, 0, one.stderr);
    for (let run = 0; run < 2; run++) {
      const two = await runCliInProcess(['sessions', dir, '--json'], { env: { TOKEN_ECON_THREADS: '2' } });
      assert.equal(two.exitCode, 0, two.stderr);
      assert.equal(two.stderr, one.stderr);
      assert.ok(two.stdout === one.stdout, 'same JSON document');
    }
    const three = await runCliInProcess(['sessions', dir, '--json'], { env: { TOKEN_ECON_THREADS: '3' } });
    assert.ok(three.stdout === one.stdout);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an unreadable file fails the parallel parse with the same InputError as the single-thread path', async () => {
  const root = claudeTree();
  try {
    const inputs = await resolveInputs(ctxWith({}), [join(root, 'projects')]);
    const gone = inputs.find((f) => f.display.endsWith('agent-abc.jsonl')) as InputFile;
    rmSync(gone.path);
    const serialError = await serial(inputs).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(serialError instanceof InputError);
    for (const workers of [1, 2]) {
      // Whichever thread meets the missing file, the error is the same.
      const err = await parallel(inputs, workers).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.message, serialError.message);
      assert.match(err.message, /cannot read .*agent-abc\.jsonl: no such file or directory/);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a crashed worker surfaces as an InternalError naming the ingest worker, and nothing hangs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'te-workers-bad-'));
  try {
    const bad = join(root, 'bad-worker.mjs');
    writeFileSync(bad, "throw new Error('boom in worker');\n");
    const inputs = await resolveInputs(ctxWith({}), ['test/fixtures/claude-code']);
    const err = await parseInParallel(inputs, {
      workers: 1,
      concurrency: 8,
      tokenizer: 'o200k_base',
      workerUrl: new URL(`file://${bad}`),
      parseHere: (i) => readFileInput(inputs[i] as InputFile, { getTokenizer: getTokenizer }),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof InternalError, String(err));
    assert.match(err.message, /ingest worker failed: boom in worker/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('workTable: the workers read back exactly the inputs and jobs (shared memory, not one structured clone)', () => {
  const inputs: InputFile[] = [
    { path: '/p/a.jsonl', display: 'a.jsonl', relativePath: 'a.jsonl', size: 10, stat: { dev: 2049, ino: 123456789012, mtimeMs: 1764547200123.4567, ctimeMs: 0.1 } },
    { path: '/p/é 🚀/\ud800 "q".jsonl', display: 'é 🚀/\ud800 "q".jsonl', relativePath: 'é 🚀/\ud800 "q".jsonl', size: 2 ** 40 },
  ];
  const jobs = scheduleJobs(inputs, new Map([[1, [0, 2 ** 39, 2 ** 40]]]));
  const table = workTable({ inputs, jobs });
  assert.ok(table !== null && table.bytes instanceof SharedArrayBuffer);
  const back = workFrom(table);
  assert.deepEqual(back, { inputs, jobs });
  assert.ok(Object.is(back.inputs[1]?.path, inputs[1]?.path), 'a lone surrogate survives');
  const plain = { inputs, jobs };
  assert.equal(workFrom(plain), plain);
});
